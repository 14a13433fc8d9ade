package dev.fennel.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.management.JMException;
import javax.management.ObjectName;
import org.jspecify.annotations.Nullable;

/**
 * The class-data archive (CDS) of {@code fennel dev}: the {@code ./fennel} script asks for one
 * (system property {@value #PROPERTY}, with {@code -XX:+RecordDynamicDumpInfo}) when there is none
 * for this build and JDK, and maps it on later starts. {@code dev} writes it once it has stopped
 * after reaching ready, so the archive holds the classes of a whole start: the JVM's own {@code
 * -XX:+AutoCreateSharedArchive} wrote it at the end of any run, and a {@code dev --help} right
 * after a build left a 3 MB archive that every later start mapped, slower than none.
 */
final class ClassDataArchive {
  /** The system property naming the archive to write. */
  static final String PROPERTY = "fennel.cds.archive";

  private ClassDataArchive() {}

  /** Writes the archive the script asked for, if it did; a failure is a line, never an exit. */
  static void writeIfAsked() {
    @Nullable String file = System.getProperty(PROPERTY);
    if (file == null || file.isBlank()) {
      return;
    }
    Path archive = Path.of(file);
    // Written beside and then moved, so that a dev starting meanwhile never maps half a file.
    Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
    try {
      Object answer =
          ManagementFactory.getPlatformMBeanServer()
              .invoke(
                  new ObjectName("com.sun.management:type=DiagnosticCommand"),
                  "vmCds",
                  new Object[] {new String[] {"dynamic_dump", partial.toString()}},
                  new String[] {String[].class.getName()});
      if (!Files.isRegularFile(partial)) {
        System.err.println("fennel: no class-data archive written: " + answer);
        return;
      }
      Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
    } catch (JMException | IOException | RuntimeException e) {
      System.err.println("fennel: no class-data archive written: " + e);
    }
  }
}
