package dev.fennel.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Prometheus configuration of one {@code fennel dev}: {@code ops/prometheus/prometheus-dev.yml}
 * (the template, for the default port) with this dev's API as its target and the rules by absolute
 * path, written to the data directory, so that the command the banner prints scrapes this dev on
 * whatever {@code --api-port} it has.
 */
final class DevPrometheus {
  /** The target the template scrapes: dev's API on its default address. */
  static final String TEMPLATE_TARGET = "\"127.0.0.1:8080\"";

  private DevPrometheus() {}

  /** The template with {@code target} (host:port) scraped and {@code rules} as its rule file. */
  static String config(String template, String target, Path rules) {
    if (!template.contains(TEMPLATE_TARGET) || !template.contains("  - rules.yml")) {
      throw new IllegalArgumentException(
          "prometheus-dev.yml no longer scrapes " + TEMPLATE_TARGET + " with rules.yml");
    }
    return "# Written by fennel dev for its API at "
        + target
        + ", from ops/prometheus/prometheus-dev.yml.\n"
        + template
            .replace(TEMPLATE_TARGET, "\"" + target + "\"")
            .replace("  - rules.yml", "  - " + rules.toAbsolutePath().normalize());
  }

  /**
   * Writes {@code data/prometheus.yml} for the API at {@code target} when the checkout's {@code
   * ops/prometheus} is found next to this code (dev runs from a source checkout); the file written.
   */
  static Optional<Path> write(Path data, String target) {
    Optional<Path> ops = opsDirectory();
    if (ops.isEmpty()) {
      return Optional.empty();
    }
    try {
      String template = Files.readString(ops.get().resolve("prometheus-dev.yml"));
      Path file = data.resolve("prometheus.yml");
      Files.createDirectories(data);
      Files.writeString(file, config(template, target, ops.get().resolve("rules.yml")));
      return Optional.of(file);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("fennel: no Prometheus configuration written: " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * {@code ops/prometheus} of the checkout: cli/target/fennel.jar or cli/target/classes is here.
   */
  private static Optional<Path> opsDirectory() {
    try {
      Path code =
          Path.of(DevPrometheus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path root = code.getParent() == null ? null : code.getParent().getParent();
      if (root == null || root.getParent() == null) {
        return Optional.empty();
      }
      Path ops = root.getParent().resolve("ops").resolve("prometheus");
      return Files.isRegularFile(ops.resolve("prometheus-dev.yml"))
          ? Optional.of(ops)
          : Optional.empty();
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
