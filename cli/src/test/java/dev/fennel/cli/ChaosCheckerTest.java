package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.fennel.cli.ChaosChecker.Answer;
import dev.fennel.cli.ChaosChecker.Canary;
import dev.fennel.cli.ChaosChecker.Expectation;
import dev.fennel.cli.ChaosChecker.Fault;
import dev.fennel.cli.ChaosChecker.Input;
import dev.fennel.cli.ChaosChecker.Life;
import dev.fennel.cli.ChaosChecker.Outcome;
import dev.fennel.cli.ChaosChecker.Pause;
import dev.fennel.cli.ChaosChecker.Report;
import dev.fennel.cli.ChaosChecker.Run;
import dev.fennel.cli.ChaosChecker.Ticks;
import dev.fennel.cli.ChaosChecker.Violation;
import dev.fennel.protocol.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The chaos checker's rules over synthetic runs: each breaks one rule, or keeps them all. */
class ChaosCheckerTest {
  /** A run that kept every promise; each test changes one part of it. */
  private final List<Expectation> expected =
      new ArrayList<>(
          List.of(
              new Expectation("a", Status.SUCCESS, IntNode.valueOf(5), null),
              new Expectation("b", Status.REVOKED, null, null),
              new Expectation("wf", Status.SUCCESS, IntNode.valueOf(3), null)));

  private final Map<String, Outcome> outcomes =
      new HashMap<>(
          Map.of(
              "a", new Outcome("a", Status.SUCCESS, IntNode.valueOf(5), null, null),
              "b", new Outcome("b", Status.REVOKED, null, null, null),
              "wf", new Outcome("wf", Status.SUCCESS, IntNode.valueOf(3), null, null)));
  private final Set<String> resultIds = new HashSet<>(Set.of("a", "b", "wf", "wf@0", "wf@cb"));
  private final Map<String, Integer> finalRecords = new HashMap<>(Map.of("wf", 1));
  private final Map<String, Integer> published = new HashMap<>(Map.of("wf@0", 1, "wf@cb", 1));
  private final List<Run> runs =
      new ArrayList<>(
          List.of(
              new Run("a", 1, "w1#1", 1_000, 1_500L),
              new Run("wf@0", 1, "w2#1", 1_000, 1_100L),
              new Run("wf@cb", 1, "w2#1", 1_200, 1_300L)));
  private final List<Life> lives =
      new ArrayList<>(
          List.of(new Life("w1#1", 0, null), new Life("w2#1", 0, null), new Life("w1#2", 0, null)));
  private final List<Pause> pauses = new ArrayList<>();
  private final List<String> crashed = new ArrayList<>();
  private final List<Fault> faults = new ArrayList<>();
  private final List<Answer> answers =
      new ArrayList<>(List.of(new Answer(1_000, "a", 200), new Answer(2_000, "a", 200)));
  private final List<Canary> canaries =
      new ArrayList<>(List.of(new Canary(1_000, 1_100L), new Canary(2_000, 2_100L)));
  private final List<Long> ticks = new ArrayList<>(List.of(1_000L, 2_000L, 3_000L));
  private long ticksSince = 0;

  private Report check() {
    return ChaosChecker.check(
        new Input(
            expected,
            outcomes,
            resultIds,
            id -> id.startsWith("wf@"),
            finalRecords,
            published,
            runs,
            lives,
            pauses,
            crashed,
            faults,
            answers,
            canaries,
            new Ticks(ticks, 1_000, ticksSince),
            5_000));
  }

  private List<String> rules() {
    return check().violations().stream().map(Violation::rule).toList();
  }

  @Test
  void aRunThatKeptEveryPromiseHasNoViolation() {
    Report report = check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.runs()).isEqualTo(3);
    assertThat(report.reruns()).isZero();
  }

  @Test
  void aSubmittedTaskWithNoResultIsLost() {
    outcomes.remove("a");
    assertThat(check().violations()).singleElement().hasToString("lost: a has no final result");
  }

  @Test
  void aWrongStatusOrValueIsWrong() {
    outcomes.put("a", new Outcome("a", Status.SUCCESS, IntNode.valueOf(6), null, null));
    outcomes.put("b", new Outcome("b", Status.SUCCESS, IntNode.valueOf(1), null, null));
    assertThat(rules()).containsExactly("wrong", "wrong");
  }

  @Test
  void numbersCompareByValueWhateverTheirJsonType() {
    expected.set(0, new Expectation("a", Status.SUCCESS, LongNode.valueOf(5), null));
    assertThat(check().violations()).isEmpty();
    expected.set(0, new Expectation("a", Status.SUCCESS, LongNode.valueOf(4), null));
    assertThat(rules()).containsExactly("wrong");
  }

  @Test
  void aResultForAnIdNeverSubmittedIsUnknown() {
    resultIds.add("ghost");
    assertThat(check().violations())
        .singleElement()
        .hasToString("unknown: a result for ghost, never submitted");
  }

  @Test
  void twoOverlappingRunsOfOneIdAreAConcurrentDoubleRun() {
    runs.add(new Run("a", 1, "w1#2", 1_200, 1_700L));
    assertThat(rules()).containsExactly("concurrent");
  }

  @Test
  void aRunWhoseProcessWasKilledEndsWithItsProcess() {
    lives.set(0, new Life("w1#1", 0, 1_300L));
    runs.set(0, new Run("a", 1, "w1#1", 1_000, null));
    runs.add(new Run("a", 1, "w2#1", 1_400, 1_900L));
    faults.add(new Fault(1_300, "SIGKILL", "w1"));
    Report report = check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.reruns()).isOne();
    assertThat(report.afterFaults()).singleElement().extracting(a -> a.reruns()).isEqualTo(1);
  }

  @Test
  void aRunThatNeverEndedInALiveProcessOverlapsEveryLaterRun() {
    runs.set(0, new Run("a", 1, "w1#1", 1_000, null));
    runs.add(new Run("a", 1, "w2#1", 5_000, 5_500L));
    assertThat(rules()).containsExactly("concurrent");
  }

  @Test
  void anOverlapWithAPausedProcessIsAZombieNotAViolation() {
    runs.set(0, new Run("a", 1, "w1#1", 1_000, 20_000L));
    runs.add(new Run("a", 1, "w2#1", 12_000, 12_500L));
    pauses.add(new Pause("w1#1", 2_000, 19_000));
    Report report = check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.zombies()).isOne();
  }

  @Test
  void retriesAreNotReRunsButARepeatedAttemptIs() {
    runs.add(new Run("a", 2, "w1#1", 1_600, 1_700L));
    runs.add(new Run("a", 3, "w1#1", 1_800, 1_900L));
    assertThat(check().reruns()).isZero();
    runs.add(new Run("a", 3, "w2#1", 2_000, 2_100L));
    Report report = check();
    assertThat(report.reruns()).isOne();
    assertThat(report.rerunsWithoutFault()).isOne();
  }

  @Test
  void aWorkflowFinishedTwiceOrAPartPublishedTwiceBreaksOnce() {
    finalRecords.put("wf", 2);
    published.put("wf@cb", 2);
    assertThat(rules()).containsExactly("workflow-twice", "workflow-twice");
  }

  @Test
  void aMissingTickIsAViolationUnlessAFaultIsNear() {
    ticks.add(6_000L);
    assertThat(check().violations())
        .singleElement()
        .hasToString("tick-missing: 2 tick(s) between 3000 and 6000 with no fault near");
    faults.add(new Fault(4_000, "SIGKILL", "beat1"));
    Report report = check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.ticksSkipped()).isEqualTo(2);
  }

  @Test
  void aMissingTickIsNearAFaultStillUnderWay() {
    for (long tick = 4_000; tick <= 50_000; tick += 1_000) {
      ticks.add(tick);
    }
    ticks.add(90_000L);
    // A rolling restart begun 40 s before the gap: its beat's turn comes in the gap.
    faults.add(new Fault(10_000, 10_000, "ROLLING_RESTART", "all"));
    assertThat(rules()).containsExactly("tick-missing");
    faults.set(0, new Fault(10_000, 70_000, "ROLLING_RESTART", "all"));
    Report report = check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.ticksSkipped()).isEqualTo(39);
  }

  @Test
  void ticksMissingBeforeTheLoadStartedAreCountedNotJudged() {
    ticks.add(6_000L);
    ticksSince = 4_000;
    Report report = check();
    assertThat(report.violations()).isEmpty();
    assertThat(report.ticksSkippedBefore()).isEqualTo(2);
  }

  @Test
  void aProcessThatExitedByItselfIsACrash() {
    crashed.add("worker1#2");
    assertThat(check().violations())
        .singleElement()
        .hasToString("crash: worker1#2 exited by itself");
  }

  @Test
  void anApiAnswerOtherThan2xx404Or503IsAViolation() {
    answers.add(new Answer(2_500, "a", 503));
    answers.add(new Answer(2_600, "x", 404));
    answers.add(new Answer(2_700, "a", -1));
    assertThat(check().violations()).isEmpty();
    answers.add(new Answer(2_750, "a", 502));
    assertThat(rules()).containsExactly("api-status");
    answers.add(new Answer(2_800, "a", 500));
    assertThat(rules()).containsExactly("api-status", "api-status");
  }

  @Test
  void theLongestUnansweredTimeRunsFromTheFirstMissToTheNextAnswer() {
    answers.add(new Answer(3_000, "a", -1));
    answers.add(new Answer(3_500, "a", 503));
    answers.add(new Answer(7_000, "a", 200));
    answers.add(new Answer(8_000, "b", 503));
    answers.add(new Answer(9_000, "b", 200));
    assertThat(check().longestUnanswered()).isEqualTo(4_000);
  }

  @Test
  void missesBeforeAnIdsFirstAnswerAreNotCountedItsResultMayNotExistYet() {
    answers.add(new Answer(1_000, "c", 404));
    answers.add(new Answer(20_000, "c", 200));
    answers.add(new Answer(21_000, "c", -1));
    answers.add(new Answer(21_500, "c", 200));
    assertThat(check().longestUnanswered()).isEqualTo(500);
  }

  @Test
  void fullServiceIsBackFromTheFirstCanaryAfterWhichEveryOneIsServedInTime() {
    faults.add(new Fault(10_000, "SIGKILL", "w1"));
    canaries.add(new Canary(10_000, 18_000L));
    canaries.add(new Canary(11_000, null));
    canaries.add(new Canary(12_000, 13_000L));
    canaries.add(new Canary(13_000, 13_500L));
    assertThat(check().afterFaults())
        .singleElement()
        .extracting(a -> a.toFullService())
        .isEqualTo(2_000L);
    canaries.add(new Canary(14_000, null));
    assertThat(check().afterFaults()).singleElement().extracting(a -> a.toFullService()).isNull();
  }
}
