package dev.fennel.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * How API instances prove to each other that a request is forwarded by one of them: the sender puts
 * {@code <millis>.<HMAC-SHA256 of method, path and millis>} in {@link Headers#PEER}, keyed with the
 * peer secret (the token when no peer secret is set). The secret itself never crosses the wire; a
 * credential is good for {@link #SKEW} either side of the receiver's clock, for that method and
 * path only.
 *
 * <p>Without a peer secret and without a token there is nothing to prove: such an API trusts every
 * client with every request already, and a forwarded request is taken at its word.
 */
final class PeerAuth {
  /** How far the sender's clock may be from the receiver's. */
  static final Duration SKEW = Duration.ofSeconds(60);

  private static final String ALGORITHM = "HmacSHA256";

  /** What a request says about where it comes from. */
  sealed interface Verdict permits Client, Peer, Refused {}

  /** A client's request: any {@link Headers#FORWARDED} it carries is ignored. */
  record Client() implements Verdict {}

  /** Sent by another instance; {@code forwarded}: to this one as the owner of its ids. */
  record Peer(boolean forwarded) implements Verdict {}

  /** A peer credential this instance does not accept. */
  record Refused(String reason) implements Verdict {}

  private final @Nullable SecretKeySpec key;
  private final Clock clock;

  /** Proves and checks with {@code secret}; null: nothing to prove. */
  PeerAuth(@Nullable String secret, Clock clock) {
    this.key =
        secret == null
            ? null
            : new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    this.clock = clock;
  }

  /** The credential for {@code method} on {@code pathAndQuery}, or null without a secret. */
  @Nullable String sign(String method, String pathAndQuery) {
    if (key == null) {
      return null;
    }
    long millis = clock.millis();
    return millis + "." + mac(method, pathAndQuery, millis);
  }

  /**
   * What a request with {@code credential} (the {@link Headers#PEER} header, or null) and {@code
   * forwarded} (whether it carries {@link Headers#FORWARDED}) is.
   */
  Verdict check(
      String method, String pathAndQuery, @Nullable String credential, boolean forwarded) {
    if (key == null) {
      return forwarded || credential != null ? new Peer(forwarded) : new Client();
    }
    if (credential == null) {
      return new Client();
    }
    int dot = credential.indexOf('.');
    long millis;
    try {
      millis = Long.parseLong(dot < 0 ? "" : credential.substring(0, dot));
    } catch (NumberFormatException e) {
      return new Refused("the peer credential is malformed");
    }
    if (Math.abs(clock.millis() - millis) > SKEW.toMillis()) {
      return new Refused(
          "the peer credential is from "
              + millis
              + " (epoch ms), more than "
              + SKEW.toSeconds()
              + " s from this instance's clock: keep the instances' clocks in step");
    }
    byte[] expected = mac(method, pathAndQuery, millis).getBytes(StandardCharsets.US_ASCII);
    byte[] given = credential.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      return new Refused(
          "the peer credential is not signed with this instance's secret: every instance of one "
              + "API needs the same --peer-secret (or, without one, the same token)");
    }
    return new Peer(forwarded);
  }

  private String mac(String method, String pathAndQuery, long millis) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      byte[] signed =
          mac.doFinal(
              (method + '\n' + pathAndQuery + '\n' + millis).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(signed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
    }
  }
}
