package dev.fennel.api;

import dev.fennel.protocol.ApiToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * HTTPS for the results API: the key store it serves from, and the certificates it checks other
 * instances against when it forwards to them (every instance of one API serves HTTPS, or none).
 *
 * @param keyStore a PKCS#12 (or JKS) file with this instance's private key and certificate chain
 * @param keyStorePassword the key store's password (also the key's)
 * @param trustedCertificates a PEM file of the certificates (a CA, or the instances' own) that
 *     other instances' certificates must chain to, or null for the JVM's trust store
 */
public record ApiTls(Path keyStore, String keyStorePassword, @Nullable Path trustedCertificates) {
  public ApiTls {
    Objects.requireNonNull(keyStore, "keyStore");
    Objects.requireNonNull(keyStorePassword, "keyStorePassword");
    if (!Files.isReadable(keyStore)) {
      throw new IllegalArgumentException(
          "the TLS key store (--tls-keystore) " + keyStore + " is not a readable file");
    }
    if (trustedCertificates != null && !Files.isReadable(trustedCertificates)) {
      throw new IllegalArgumentException(
          "the trusted certificates (--tls-trusted-certs) "
              + trustedCertificates
              + " are not a readable file");
    }
  }

  /** The key store, loaded: throws naming the option when it cannot be read. */
  KeyStore loadKeyStore() {
    try (InputStream in = Files.newInputStream(keyStore)) {
      KeyStore store =
          KeyStore.getInstance(
              keyStore.toString().endsWith(".jks") ? "JKS" : KeyStore.getDefaultType());
      store.load(in, keyStorePassword.toCharArray());
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the TLS key store (--tls-keystore) "
              + keyStore
              + " with the password given (--tls-keystore-password-file): "
              + e.getMessage(),
          e);
    }
  }

  /**
   * A Jetty connector of {@code server} that serves HTTPS only on {@code host}:{@code port}, from
   * the key store, with {@code httpConfig}'s settings.
   */
  ServerConnector connector(Server server, HttpConfiguration httpConfig, String host, int port) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(loadKeyStore());
    ssl.setKeyStorePassword(keyStorePassword);
    HttpConfiguration https = new HttpConfiguration(httpConfig);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // The Host rule is RequestGuard's; an instance addressed by its IP has no name to match.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    ServerConnector connector =
        new ServerConnector(
            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  /**
   * The TLS context this instance forwards with: it trusts {@link #trustedCertificates}, or the
   * JVM's trust store when none are given.
   */
  SSLContext clientContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      if (trustedCertificates == null) {
        context.init(null, null, null);
        return context;
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      Collection<? extends Certificate> certificates;
      try (InputStream in = Files.newInputStream(trustedCertificates)) {
        certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(
            "the trusted certificates (--tls-trusted-certs) "
                + trustedCertificates
                + " hold no PEM certificate");
      }
      int i = 0;
      for (Certificate certificate : certificates) {
        trusted.setCertificateEntry("peer-" + i++, certificate);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the trusted certificates (--tls-trusted-certs) "
              + trustedCertificates
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The fields with the password redacted. */
  @Override
  public String toString() {
    return "ApiTls[keyStore="
        + keyStore
        + ", keyStorePassword="
        + ApiToken.REDACTED
        + ", trustedCertificates="
        + trustedCertificates
        + "]";
  }
}
