package dev.fennel.admin;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads RocksDB's native library (the stores of every Streams app) from one copy per user and
 * version, {@code <java.io.tmpdir>/fennel-native-<user>/<crc>-librocksdbjni-….so}, instead of the
 * copy RocksDB makes by itself at every start: that one is a new 15 MB file in the temporary
 * directory, deleted only when the JVM exits normally, so each killed worker (SIGKILL, the OOM
 * killer) left one behind, and a test suite of killed processes 0.4 GB a run.
 *
 * <p>The copy is named by the CRC the jar records for the library, written beside and then moved
 * into place, so processes starting together never load half a file. The directory is this user's
 * alone ({@code rwx------}, owned by the user, not a link): in a temporary directory that others
 * can write to, a library placed there by another user is never loaded. Whenever any of this fails
 * (no jar, another platform, another owner), RocksDB loads its library its own way, as before.
 */
final class RocksDbLibrary {
  private static final Logger log = LoggerFactory.getLogger(RocksDbLibrary.class);

  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);

  private static boolean tried;

  private RocksDbLibrary() {}

  /** Loads it once per JVM, from {@code java.io.tmpdir}; never throws. */
  static synchronized void load() {
    if (tried) {
      return;
    }
    tried = true;
    @Nullable Path loaded = loadFrom(Path.of(System.getProperty("java.io.tmpdir")));
    if (loaded != null) {
      log.debug("RocksDB's library loaded from {}", loaded);
    }
  }

  /**
   * Loads the library from this user's copy under {@code tmp}, making the copy first when there is
   * none; returns the copy's directory, or null when RocksDB is left to load it its own way.
   */
  static @Nullable Path loadFrom(Path tmp) {
    try {
      @Nullable Path dir = privateDir(tmp);
      String resource = Environment.getJniLibraryFileName("rocksdb");
      @Nullable URL url = RocksDB.class.getClassLoader().getResource(resource);
      if (dir == null || url == null) {
        return null;
      }
      URLConnection connection = url.openConnection();
      if (!(connection instanceof JarURLConnection jar)) {
        return null;
      }
      JarEntry entry = jar.getJarEntry();
      if (entry.getCrc() < 0) {
        return null;
      }
      Path versionDir = dir.resolve(Long.toHexString(entry.getCrc()) + "-" + entry.getSize());
      // The name RocksDB.loadLibrary(List) looks for in each directory it is given.
      Path library = versionDir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
      if (!Files.isRegularFile(library) || Files.size(library) != entry.getSize()) {
        Files.createDirectories(versionDir);
        Path partial = Files.createTempFile(versionDir, "librocksdbjni-", ".partial");
        try (InputStream in = connection.getInputStream()) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
          Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(partial);
        }
      }
      RocksDB.loadLibrary(List.of(versionDir.toString()));
      return versionDir;
    } catch (IOException | RuntimeException | LinkageError e) {
      log.debug("RocksDB loads its library its own way: {}", e.toString());
      return null;
    }
  }

  /**
   * {@code tmp/fennel-native-<user>}, made {@code rwx------} when missing; null when it is not a
   * directory of this user's alone (or the file system has no POSIX owners and modes).
   */
  private static @Nullable Path privateDir(Path tmp) throws IOException {
    String user = System.getProperty("user.name", "").replaceAll("[^A-Za-z0-9._-]", "_");
    Path dir = tmp.resolve("fennel-native-" + user);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (FileAlreadyExistsException e) {
        // made meanwhile by another process: checked below like any other
      } catch (UnsupportedOperationException e) {
        return null;
      }
    }
    boolean ours =
        Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
            && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS)
                .getName()
                .equals(System.getProperty("user.name"))
            && Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY);
    return ours ? dir : null;
  }
}
