package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code fennel --help} and {@code -V} print, as a newcomer reads them. */
class FennelHelpTest {
  @Test
  void everyCommandOfTheTopLevelHelpIsAWholeSentence() {
    // The top-level help shows the first line of each command's description: "dev" read "…, a
    // worker for" and "workflow" "… print its id (alone, on", cut in the middle of a sentence.
    CommandLine cli = Fennel.commandLine();
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              String[] description = sub.getCommandSpec().usageMessage().description();
              assertThat(description).as(name).isNotEmpty();
              assertThat(description[0]).as(name).endsWith(".");
            });
  }

  @Test
  void theStartHereFooterKeepsItsCommandOnOneLine() {
    String usage = Fennel.commandLine().getUsageMessage();

    assertThat(usage.lines()).anyMatch(line -> line.endsWith("./fennel submit fib 20 --wait"));
  }

  @Test
  void minusCapitalVPrintsTheVersionOnEverySubcommand() {
    // Subcommands had -V (mixinStandardHelpOptions) but no version: it printed nothing.
    for (String name : Fennel.commandLine().getSubcommands().keySet()) {
      if (name.equals("help")) {
        continue;
      }
      CommandLine cli = Fennel.commandLine();
      StringWriter out = new StringWriter();
      cli.setOut(new PrintWriter(out));

      assertThat(cli.execute(name, "-V")).as(name).isZero();
      assertThat(out.toString()).as(name).contains(Fennel.VERSION);
    }
  }

  @Test
  void aRunBuildsOnlyTheSubcommandItNamesAndAllForHelpOrAMisspeltName() {
    // picocli reflects over every subcommand it is given: 1,500 classes for a --version.
    assertThat(Fennel.subcommandsFor("submit", "fib", "10")).containsExactly(SubmitCommand.class);
    assertThat(Fennel.subcommandsFor("queue", "pause", "low"))
        .containsExactly(ControlCommands.Queue.class);
    assertThat(Fennel.subcommandsFor("help", "submit")).isEqualTo(Fennel.SUBCOMMANDS);
    assertThat(Fennel.subcommandsFor("sbumit")).isEqualTo(Fennel.SUBCOMMANDS);
    assertThat(Fennel.subcommandsFor()).isEqualTo(Fennel.SUBCOMMANDS);
    assertThat(Fennel.subcommandsFor("--version")).isEmpty();
    assertThat(Fennel.subcommandsFor("-V")).isEmpty();
    assertThat(Fennel.subcommandsFor("--version", "submit")).isEqualTo(Fennel.SUBCOMMANDS);
    assertThat(Fennel.commandLine().getSubcommands()).hasSize(Fennel.SUBCOMMANDS.size());
  }

  @Test
  void helpAMisspeltNameAndAMissingArgumentKeepTheirTextsAndExitStatuses() {
    // Each run builds only the subcommands it needs: the texts and statuses of picocli with all.
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      assertThat(Fennel.run("help", "submit")).isZero();
      assertThat(printed.toString(StandardCharsets.UTF_8)).startsWith("Usage: fennel submit");
      printed.reset();
      assertThat(Fennel.run("--version")).isZero();
      assertThat(printed.toString(StandardCharsets.UTF_8))
          .isEqualTo(Fennel.VERSION + System.lineSeparator());
      printed.reset();
      assertThat(Fennel.run("--help")).isZero();
      for (Class<?> subcommand : Fennel.SUBCOMMANDS) {
        assertThat(printed.toString(StandardCharsets.UTF_8))
            .contains("  " + subcommand.getAnnotation(CommandLine.Command.class).name() + " ");
      }
      printed.reset();
      assertThat(Fennel.run("sbumit", "fib", "10")).isEqualTo(2);
      assertThat(printed.toString(StandardCharsets.UTF_8))
          .contains("Unmatched argument", "'sbumit'", "Did you mean");
      printed.reset();
      assertThat(Fennel.run("submit")).isEqualTo(2);
      assertThat(printed.toString(StandardCharsets.UTF_8))
          .contains("Missing required parameter: 'TASK'", "Usage: fennel submit");
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void onlyACommandsOwnWorkCountsAsARunForTheClassDataArchive() {
    assertThat(ranACommand("submit", "fib", "10")).isTrue();
    assertThat(ranACommand("inspect", "active")).isTrue();
    assertThat(ranACommand("submit", "--help")).isFalse();
    assertThat(ranACommand("inspect", "active", "-V")).isFalse();
    assertThat(ranACommand("help", "submit")).isFalse();
    assertThat(ranACommand("--version")).isFalse();
  }

  private static boolean ranACommand(String... args) {
    return Fennel.ranACommand(Fennel.commandLine().parseArgs(args));
  }

  @Test
  void helpRunsWithoutTheDevBrokerAsInTheImage() throws Exception {
    // The image's class path leaves the dev broker out, and its default command is --help: picocli
    // reads every method of DevCommand, one of which named EmbeddedKafka (NoClassDefFoundError).
    URL[] withoutBroker =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.contains("dev-broker"))
            .map(
                entry -> {
                  try {
                    return Path.of(entry).toUri().toURL();
                  } catch (MalformedURLException e) {
                    throw new IllegalStateException(e);
                  }
                })
            .toArray(URL[]::new);
    try (URLClassLoader loader =
        new URLClassLoader(withoutBroker, ClassLoader.getPlatformClassLoader())) {
      assertThat(loader.getResource(DevCommand.BROKER_CLASS.replace('.', '/') + ".class")).isNull();
      Method run =
          loader.loadClass(Fennel.class.getName()).getDeclaredMethod("run", String[].class);
      run.setAccessible(true);

      assertThat(run.invoke(null, (Object) new String[] {"--help"})).isEqualTo(0);
      assertThat(run.invoke(null, (Object) new String[] {"dev", "--help"})).isEqualTo(0);
    }
  }
}
