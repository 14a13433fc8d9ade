package dev.fennel.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** A {@code fennel} command in a JVM of its own, for tests that kill or stop real processes. */
final class FennelProcess implements AutoCloseable {
  /** The lowest port {@link #freePort} gives. */
  private static final int LOWEST_PORT = 20_000;

  private static final String ITS_CLASS_PATH = itsClassPath();
  private static final List<String> SHARED_ARCHIVE = sharedArchive(ITS_CLASS_PATH);

  /** The first port of the kernel's ephemeral range: {@link #freePort} gives ports below it. */
  private static final int EPHEMERAL_START = ephemeralStart();

  private final Process process;
  private final Path log;

  private FennelProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * A free loopback port, for a process's metrics or HTTP listener, below the ephemeral range. A
   * port from {@code new ServerSocket(0)} is an ephemeral one, which the kernel also gives to
   * outgoing connections: a test that killed a process and started it again on its port found it
   * taken by a Kafka client's connection ("Port already in use"), and a restart loop on it could
   * wait for ever. Nothing takes a port below that range unless it asks for it.
   */
  static int freePort() throws IOException {
    for (int tries = 0; tries < 200 && EPHEMERAL_START > LOWEST_PORT + 1_000; tries++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, EPHEMERAL_START);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * The first port of the kernel's ephemeral range (Linux's file; 32768 where it cannot be read).
   */
  private static int ephemeralStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  /** Starts {@code fennel args…} with the test class path; output goes to a log file. */
  static FennelProcess start(String... args) {
    return startMain(Fennel.class.getName(), args);
  }

  /** Starts {@code mainClass args…} in a JVM of its own with the test class path. */
  static FennelProcess startMain(String mainClass, String... args) {
    return start(mainClass, Map.of(), List.of("-Xmx512m"), args);
  }

  /**
   * Starts {@code fennel args…} in a JVM of its own with {@code jvmOptions} (e.g. a heap bound) and
   * {@code env} added to this process's environment ({@code null} values removed). A {@code
   * FENNEL_CLASSPATH} in {@code env} adds its jars to the class path, as {@code ./fennel} does.
   */
  static FennelProcess start(Map<String, String> env, List<String> jvmOptions, String... args) {
    return start(Fennel.class.getName(), env, jvmOptions, args);
  }

  /** The {@code ./fennel} script at the root of the checkout (tests run in {@code cli/}). */
  static final Path SCRIPT = Path.of("..", "fennel").toAbsolutePath().normalize();

  /**
   * Runs {@code ./fennel args…} as a user does: the script finds the JDK (this test's), uses the
   * jars the build made, and execs the JVM, so the process is the JVM itself. {@code env} as in
   * {@link #start(Map, List, String...)}.
   */
  static FennelProcess script(Map<String, String> env, String... args) {
    Map<String, String> withJdk = new HashMap<>(env);
    withJdk.putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    return run(command, withJdk);
  }

  /** Starts {@code mainClass args…} in a JVM of its own with {@code jvmOptions} and {@code env}. */
  static FennelProcess start(
      String mainClass, Map<String, String> env, List<String> jvmOptions, String... args) {
    return run(command(mainClass, env, jvmOptions, args), env, null);
  }

  /**
   * As {@link #start(Map, List, String...)}, with the output written to {@code log} (replaced if it
   * exists), which stays after the test: see {@link ProcessLogs}.
   */
  static FennelProcess start(
      Path log, Map<String, String> env, List<String> jvmOptions, String... args) {
    return run(command(Fennel.class.getName(), env, jvmOptions, args), env, log);
  }

  private static List<String> command(
      String mainClass, Map<String, String> env, List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("--enable-native-access=ALL-UNNAMED");
    String extra = env.get("FENNEL_CLASSPATH");
    String classPath = ITS_CLASS_PATH;
    if (extra == null || extra.isEmpty()) {
      boolean ownCds =
          jvmOptions.stream()
              .anyMatch(option -> option.contains("Share") || option.contains("AOT"));
      command.addAll(ownCds ? List.of() : SHARED_ARCHIVE);
    } else {
      classPath += File.pathSeparator + extra;
    }
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  /**
   * The processes' class path: this JVM's, with the test classes' directory replaced by their jar
   * when the build made one ({@code target/fennel-tests.jar}) after the last class compiled there
   * (an IDE compiles without making the jar), so that the JVM can archive them.
   */
  private static String itsClassPath() {
    String own = System.getProperty("java.class.path");
    Path classes = Path.of("target", "test-classes").toAbsolutePath();
    Path jar = Path.of("target", "fennel-tests.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar) || newerThan(classes, jar)) {
      return own;
    }
    List<String> entries = new ArrayList<>();
    for (String entry : own.split(File.pathSeparator, -1)) {
      entries.add(Path.of(entry).toAbsolutePath().equals(classes) ? jar.toString() : entry);
    }
    return String.join(File.pathSeparator, entries);
  }

  /** Whether a file under {@code dir} was written after {@code file}. */
  private static boolean newerThan(Path dir, Path file) {
    try (Stream<Path> files = Files.walk(dir)) {
      FileTime made = Files.getLastModifiedTime(file);
      return files.anyMatch(
          path -> {
            try {
              return Files.getLastModifiedTime(path).compareTo(made) > 0;
            } catch (IOException e) {
              return true;
            }
          });
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Options for a class-data archive shared by the processes of the ITs (about 100 JVMs a run, each
   * loading the same classes): the first that exits normally writes it (the JVM replaces the file,
   * so a process that mapped the old one keeps it), the others map it and start about a third
   * sooner. None when a directory is on the class path (the JVM archives classes of jars only);
   * {@link #command} leaves them out where a test sets CDS options of its own.
   */
  private static List<String> sharedArchive(String classPath) {
    boolean jarsOnly =
        Arrays.stream(classPath.split(File.pathSeparator, -1))
            .noneMatch(entry -> Files.isDirectory(Path.of(entry)));
    if (!jarsOnly) {
      return List.of();
    }
    return List.of(
        "-XX:+AutoCreateSharedArchive",
        "-XX:SharedArchiveFile=" + Path.of("target", "it-processes.jsa").toAbsolutePath(),
        "-Xlog:cds*=off",
        "-Xlog:aot*=off");
  }

  private static FennelProcess run(List<String> command, Map<String, String> env) {
    return run(command, env, null);
  }

  /** Runs {@code command}, its output to {@code to}, or to a temporary file when null. */
  private static FennelProcess run(
      List<String> command, Map<String, String> env, @Nullable Path to) {
    try {
      Path log = to != null ? to : Files.createTempFile("fennel-process-", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      env.forEach(
          (key, value) -> {
            if (value == null) {
              builder.environment().remove(key);
            } else {
              builder.environment().put(key, value);
            }
          });
      return new FennelProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits up to {@code seconds} for the process to end on its own; whether it did. */
  boolean waitFor(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** SIGKILL: the process gets no chance to commit or leave its group. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then waits for a clean exit; returns the exit status. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("process did not stop within 90 s of SIGTERM; log:\n" + output());
    }
    return process.exitValue();
  }

  /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}, {@code TERM}) with kill(1). */
  void signal(String signal) throws IOException, InterruptedException {
    int status =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start()
            .waitFor();
    if (status != 0 && process.isAlive()) {
      throw new IOException("kill -" + signal + " " + process.pid() + " exited " + status);
    }
  }

  /** Completes when the process has ended, however it ended. */
  CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status of a process that has ended. */
  int exitValue() {
    return process.exitValue();
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The sum of all samples of a Prometheus metric on {@code port}, or -1 when not reachable. */
  static double scrapeSum(int port, String metric) {
    return scrapeSum(port, metric, "");
  }

  /**
   * The sum of the samples of a Prometheus metric on {@code port} whose line has {@code label}
   * (e.g. {@code queue="default"}), or -1 when not reachable.
   */
  static double scrapeSum(int port, String metric, String label) {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return response
          .body()
          .lines()
          .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
          .filter(line -> line.contains(label))
          .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
          .sum();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        // Gone before the test's temporary files are deleted and the next test starts.
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
