package dev.fennel.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.management.JMException;
import javax.management.ObjectName;
import org.jspecify.annotations.Nullable;

/**
 * The class-data archives (CDS) of {@code ./fennel}: the script asks for one (system property
 * {@value #PROPERTY}, with {@code -XX:+RecordDynamicDumpInfo}) when there is none for this build,
 * JDK and command, and maps it on later starts. The command writes it at a moment that makes it
 * hold the classes of a whole run: {@code dev} once it has stopped after reaching ready ({@link
 * #claim}), a short command such as {@code submit} or {@code status} when it has succeeded ({@link
 * Fennel#run}). The JVM's own {@code -XX:+AutoCreateSharedArchive} (and {@code
 * -XX:ArchiveClassesAtExit}) wrote it at the end of any run: a {@code dev --help} right after a
 * build left a 3 MB archive that every later start mapped, slower than none.
 *
 * <p>On JDK 25 and later a short command's is an AOT cache (JEP 483), which the JVM cannot write at
 * a moment of the program's choosing: the script runs the command recording ({@code
 * -XX:AOTMode=record}) and assembles the cache afterwards, only when the command said that it had
 * run and succeeded by making the file the system property {@value #TRAINED} names.
 */
final class ClassDataArchive {
  /** The system property naming the archive to write. */
  static final String PROPERTY = "fennel.cds.archive";

  /**
   * The system property naming the file to make when a run that recorded for an AOT cache has run a
   * command and succeeded: the script then assembles the cache from its recording.
   */
  static final String TRAINED = "fennel.aot.trained";

  private ClassDataArchive() {}

  /**
   * Takes the script's request, for a command that writes its archive at a moment of its own
   * ({@code dev}): the end of the run no longer writes it. Null when there is none.
   */
  static @Nullable String claim() {
    @Nullable String file = System.getProperty(PROPERTY);
    System.clearProperty(PROPERTY);
    return file == null || file.isBlank() ? null : file;
  }

  /**
   * Writes the archive the script asked for, if it did and no command claimed it, or says that this
   * run is one for the AOT cache ({@link #TRAINED}): a short command's, whose failure to write is
   * silent (it would be a line on every run of a command that cannot write one, such as in a
   * read-only checkout) unless {@code FENNEL_DEBUG} is set.
   */
  static void writeIfAsked() {
    boolean report = System.getenv("FENNEL_DEBUG") != null;
    write(claim(), report);
    @Nullable String trained = System.getProperty(TRAINED);
    System.clearProperty(TRAINED);
    markTrained(trained, report);
  }

  /**
   * Makes {@code file}, if not null: the script's sign that this run is one to copy into the AOT
   * cache. A failure leaves the run without a cache, as {@link #write} does.
   */
  static void markTrained(@Nullable String file, boolean report) {
    if (file == null || file.isBlank()) {
      return;
    }
    try {
      Files.writeString(Path.of(file), "");
    } catch (IOException | RuntimeException e) {
      failed(report, e);
    }
  }

  /**
   * Writes {@code file} (from {@link #claim}), if not null; a failure never stops the command, and
   * is a line on stderr when {@code report}. Nothing goes to stdout, a command's output.
   */
  static void write(@Nullable String file, boolean report) {
    if (file == null) {
      return;
    }
    Path archive = Path.of(file);
    // Written beside and then moved, so that a run starting meanwhile never maps half a file; the
    // name is this process's, as two first runs of a command may write at once.
    Path partial =
        archive.resolveSibling(
            archive.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
    // The JDK prints "The process was attached by jcmd and dumped a dynamic archive ..." on
    // System.out (jdk.internal.misc.CDS): among a command's output, after the id of a submit.
    PrintStream out = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      Object answer =
          ManagementFactory.getPlatformMBeanServer()
              .invoke(
                  new ObjectName("com.sun.management:type=DiagnosticCommand"),
                  "vmCds",
                  new Object[] {new String[] {"dynamic_dump", partial.toString()}},
                  new String[] {String[].class.getName()});
      if (!Files.isRegularFile(partial)) {
        failed(report, answer);
        return;
      }
      Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
    } catch (JMException | IOException | RuntimeException e) {
      failed(report, e);
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // The script deletes a partial file an hour old.
      }
    } finally {
      System.setOut(out);
    }
  }

  private static void failed(boolean report, @Nullable Object why) {
    if (report) {
      System.err.println("fennel: no class-data archive written: " + why);
    }
  }
}
