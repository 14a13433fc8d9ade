package dev.fennel.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The temporary state directory of a Streams app given none ({@code fennel-state-<app id>-…} in the
 * temporary directory), deleted on close. A process that never closes (killed, or ended by the OOM
 * killer) cannot delete its own: a worker that kept crashing left one of several megabytes per
 * start, and a test suite of killed processes 2 GB per run. So each directory holds a lock, on its
 * file {@value #OWNER}, for as long as its process lives, and a new one first deletes those whose
 * lock nobody holds: the operating system releases a lock when its process ends, however it ends.
 *
 * <p>The lock is taken before the file gets its name ({@code .owner.new}, locked, then renamed), so
 * a directory being made is never taken for one left behind. A directory without the file (of an
 * older Fennel, or of a process killed in between) is left alone: nothing says its owner is gone.
 *
 * <p>The locks are POSIX record locks, and closing any channel of a file drops every lock this JVM
 * holds on it (see {@link FileLock}): so a sweep never opens the file of a directory of this JVM
 * ({@link #OURS}), and making, sweeping and closing take turns ({@code synchronized}).
 */
final class TemporaryStateDir implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TemporaryStateDir.class);

  /** The prefix of every such directory's name. */
  static final String PREFIX = "fennel-state-";

  /** The file whose lock says the directory's process lives. */
  static final String OWNER = ".fennel-owner";

  /** The directories of this JVM, open or being made. */
  private static final Set<Path> OURS = new HashSet<>();

  private final Path dir;
  private final @Nullable FileChannel owner;

  private TemporaryStateDir(Path dir, @Nullable FileChannel owner) {
    this.dir = dir;
    this.owner = owner;
  }

  /**
   * Deletes the directories of ended processes in {@code parent}, then makes one for {@code
   * applicationId} there and holds its lock. Where the file system cannot lock or rename the file
   * (a network file system without locks), the directory is made without it, as before: deleted on
   * close, left behind by a killed process.
   */
  static synchronized TemporaryStateDir create(Path parent, String applicationId)
      throws IOException {
    sweep(parent);
    Path dir = Files.createTempDirectory(parent, PREFIX + applicationId + "-");
    OURS.add(dir.toAbsolutePath().normalize());
    return new TemporaryStateDir(dir, lockedOwner(dir));
  }

  /** The directory's {@value #OWNER}, locked before it has its name; null when it cannot be. */
  private static @Nullable FileChannel lockedOwner(Path dir) {
    Path unnamed = dir.resolve(".owner.new");
    @Nullable FileChannel owner = null;
    try {
      owner = FileChannel.open(unnamed, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      if (owner.tryLock() != null) {
        Files.move(unnamed, dir.resolve(OWNER), StandardCopyOption.ATOMIC_MOVE);
        return owner;
      }
    } catch (IOException | RuntimeException e) {
      log.debug("{} is made without a lock: {}", dir, e.toString());
    }
    try {
      if (owner != null) {
        owner.close();
      }
      Files.deleteIfExists(unnamed);
    } catch (IOException e) {
      log.debug("could not tidy {}", unnamed, e);
    }
    return null;
  }

  /** In the JVM's temporary directory ({@code java.io.tmpdir}). */
  static TemporaryStateDir create(String applicationId) throws IOException {
    return create(Path.of(System.getProperty("java.io.tmpdir")), applicationId);
  }

  /**
   * Deletes every {@code fennel-state-*} directory in {@code parent} whose lock no process holds;
   * returns how many. Never throws: a directory it cannot read or delete stays.
   */
  static synchronized int sweep(Path parent) {
    int deleted = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
      for (Path dir : dirs) {
        if (deleteIfOwnerGone(dir)) {
          deleted++;
        }
      }
    } catch (IOException | UncheckedIOException e) {
      log.debug("could not look for state directories left in {}", parent, e);
    }
    return deleted;
  }

  private static boolean deleteIfOwnerGone(Path dir) {
    Path file = dir.resolve(OWNER);
    if (OURS.contains(dir.toAbsolutePath().normalize()) || !Files.isRegularFile(file)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      @Nullable FileLock lock = channel.tryLock();
      if (lock == null) {
        return false; // another process lives and holds it
      }
      log.info("deleting {}, the state directory of a process that ended without closing it", dir);
      deleteQuietly(dir);
      return !Files.exists(dir);
    } catch (IOException | OverlappingFileLockException e) {
      log.debug("could not check {}", dir, e);
      return false;
    }
  }

  /** The directory. */
  Path path() {
    return dir;
  }

  /** Deletes the directory, then lets go of its lock. */
  @Override
  public void close() {
    synchronized (TemporaryStateDir.class) {
      deleteQuietly(dir);
      try {
        if (owner != null) {
          owner.close();
        }
      } catch (IOException e) {
        log.debug("could not close {}", dir.resolve(OWNER), e);
      }
      OURS.remove(dir.toAbsolutePath().normalize());
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      Utils.delete(dir.toFile());
    } catch (IOException e) {
      log.debug("could not delete {}", dir, e);
    }
  }
}
