package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The rules of the chaos run ({@link ChaosRun}), with no I/O and no clock: what was submitted, what
 * the API answered, what the tasks noted of their runs and what the harness did to the processes go
 * in; the violations and the figures come out. Times are epoch milliseconds of this one machine.
 *
 * <p>The rules, each a {@link Violation} when broken:
 *
 * <ul>
 *   <li>{@code lost}, {@code wrong}: every submitted id has a final result, with the status (and
 *       the value or error type, when given) its input and options call for;
 *   <li>{@code unknown}: no result record for an id never submitted (a workflow's parts, a task's
 *       children and beat ticks are derived from submitted ones, or from the schedule);
 *   <li>{@code concurrent}: no two runs of one id overlap in time, unless one of them was in a
 *       process paused (SIGSTOP) during it: that case is counted apart ({@code zombie}), a
 *       documented limit;
 *   <li>{@code workflow-twice}: a workflow's final result is written once, and each part the
 *       coordinator publishes and each beat tick is published once (attempt 1);
 *   <li>{@code tick-missing}: consecutive beat ticks are one period apart, unless a fault happened
 *       in between (the documented rule: ticks with no active scheduler are skipped);
 *   <li>{@code api-status}: the API answered 2xx, 404 or 503, never another status (a peer that has
 *       just gone is a 503 to ask again, not a 502, since the first chaos run found it);
 *   <li>{@code crash}: no process ended but by the harness's hand.
 * </ul>
 *
 * Figures: sequential re-runs per fault, the longest time an id had no answer, and the time from
 * each fault to full service again (every canary submitted from then on served within {@link
 * Input#servedWithin}).
 */
final class ChaosChecker {
  private ChaosChecker() {}

  /** What a submitted id must end as: its status, and its value or error type when not null. */
  record Expectation(
      String id, Status status, @Nullable JsonNode value, @Nullable String errorType) {}

  /** The final result the API answered for an id, and when it finished (null: not known). */
  record Outcome(
      String id,
      Status status,
      @Nullable JsonNode value,
      @Nullable String errorType,
      @Nullable Long finishedAt) {}

  /**
   * One run as its task noted it: {@code end} is null when the run never noted its end (its process
   * died), {@code process} the process life it ran in.
   */
  record Run(String id, int attempt, String process, long start, @Nullable Long end) {}

  /** One life of one process: from its start to its end, null while it still runs. */
  record Life(String process, long started, @Nullable Long ended) {}

  /** A process life stopped (SIGSTOP) from {@code from} to {@code to} (SIGCONT). */
  record Pause(String process, long from, long to) {}

  /**
   * A fault the harness injected at {@code at}, done at {@code until}: when its process was started
   * again, or for a rolling restart when its last process was (minutes later).
   */
  record Fault(long at, long until, String kind, String target) {
    /** A fault done the moment it was injected (a test's). */
    Fault(long at, String kind, String target) {
      this(at, at, kind, target);
    }

    String name() {
      return kind + " " + target;
    }
  }

  /** One answer of the API to a lookup of {@code id}; {@code status} -1: no connection. */
  record Answer(long at, String id, int status) {}

  /** A small task submitted every second; {@code finished} null when it never finished. */
  record Canary(long submitted, @Nullable Long finished) {}

  /**
   * Beat's schedule: the instants of one schedule's ticks, one per period; gaps are judged from
   * {@code since} on (the start of the load: the cluster is whole by then).
   */
  record Ticks(List<Long> instants, long periodMillis, long since) {}

  /** A rule broken, with what shows it. */
  record Violation(String rule, String detail) {
    @Override
    public String toString() {
      return rule + ": " + detail;
    }
  }

  /**
   * Everything the checker reads.
   *
   * @param expected every submitted id (tasks and workflows) and what it must end as
   * @param outcomes the final results the API answered, by id
   * @param resultIds every id with a record in the results topic
   * @param derived whether an id not submitted comes from one that was (workflow parts, children,
   *     beat ticks)
   * @param finalRecords how many final records the results topic holds per workflow id
   * @param published how many committed messages the queues hold per id published by the
   *     coordinator or beat (attempt 1)
   * @param runs every run the tasks noted
   * @param lives every process life, and {@code pauses} every SIGSTOP
   * @param crashed the lives that ended with no fault of the harness
   * @param faults the faults, in time order
   * @param answers every answer of the API to the prober
   * @param canaries the canaries, in submission order
   * @param ticks beat's ticks, as published
   * @param servedWithin how soon a canary must finish for service to count as full
   */
  record Input(
      List<Expectation> expected,
      Map<String, Outcome> outcomes,
      Set<String> resultIds,
      Predicate<String> derived,
      Map<String, Integer> finalRecords,
      Map<String, Integer> published,
      List<Run> runs,
      List<Life> lives,
      List<Pause> pauses,
      List<String> crashed,
      List<Fault> faults,
      List<Answer> answers,
      List<Canary> canaries,
      Ticks ticks,
      long servedWithin) {}

  /** A fault and what followed it. */
  record AfterFault(Fault fault, int reruns, @Nullable Long toFullService) {}

  /**
   * What the checker found.
   *
   * @param violations the rules broken; empty for a run that kept every promise
   * @param runs runs noted in all
   * @param reruns sequential re-runs (an attempt run again after the one before it ended)
   * @param rerunsWithoutFault re-runs with no fault before them
   * @param zombies overlapping runs where one was in a paused process (a documented limit)
   * @param afterFaults per fault: its re-runs and its time to full service
   * @param longestUnanswered the longest time (ms) one id had no 2xx answer while asked
   * @param answersByStatus the API's answers, counted by status (-1: no connection)
   * @param ticks beat ticks published, and {@code ticksSkipped} those skipped beside a fault
   * @param ticksSkippedBefore ticks skipped before the load started (while the cluster formed)
   */
  record Report(
      List<Violation> violations,
      int runs,
      int reruns,
      int rerunsWithoutFault,
      int zombies,
      List<AfterFault> afterFaults,
      long longestUnanswered,
      Map<Integer, Integer> answersByStatus,
      int ticks,
      int ticksSkipped,
      int ticksSkippedBefore) {

    /** The report as lines of text, for the log and docs/RELIABILITY.md. */
    String text() {
      StringBuilder out = new StringBuilder();
      out.append("violations: ").append(violations.size()).append('\n');
      violations.stream().limit(50).forEach(v -> out.append("  ").append(v).append('\n'));
      out.append("runs noted: ").append(runs).append('\n');
      out.append("sequential re-runs: ")
          .append(reruns)
          .append(" (with no fault before them: ")
          .append(rerunsWithoutFault)
          .append(")\n");
      out.append("overlapping runs in a paused process (zombie): ").append(zombies).append('\n');
      out.append("beat ticks: ")
          .append(ticks)
          .append(", skipped beside a fault: ")
          .append(ticksSkipped)
          .append(", skipped before the load started: ")
          .append(ticksSkippedBefore)
          .append('\n');
      out.append("API answers by status: ").append(answersByStatus).append('\n');
      out.append("longest time an id had no answer: ").append(longestUnanswered).append(" ms\n");
      out.append("faults: ").append(afterFaults.size()).append('\n');
      for (AfterFault after : afterFaults) {
        out.append(
            String.format(
                Locale.ROOT,
                "  %d %s: re-runs %d, full service after %s%n",
                after.fault().at(),
                after.fault().name(),
                after.reruns(),
                after.toFullService() == null
                    ? "(not before the next fault)"
                    : after.toFullService() + " ms"));
      }
      return out.toString();
    }
  }

  /** Checks {@code input} against every rule. */
  static Report check(Input input) {
    List<Violation> violations = new ArrayList<>();
    results(input, violations);
    unknown(input, violations);
    onceOnly(input, violations);
    int[] rerunsPerFault = new int[input.faults().size()];
    int[] counts = runs(input, violations, rerunsPerFault);
    int[] skipped = ticks(input, violations);
    input
        .crashed()
        .forEach(life -> violations.add(new Violation("crash", life + " exited by itself")));
    Map<Integer, Integer> byStatus = new TreeMap<>();
    for (Answer answer : input.answers()) {
      byStatus.merge(answer.status(), 1, Integer::sum);
      if (answer.status() != -1
          && answer.status() != 404
          && answer.status() != 503
          && (answer.status() < 200 || answer.status() > 299)) {
        violations.add(
            new Violation(
                "api-status",
                "HTTP " + answer.status() + " for " + answer.id() + " at " + answer.at()));
      }
    }
    List<AfterFault> afterFaults = new ArrayList<>();
    for (int i = 0; i < input.faults().size(); i++) {
      Fault fault = input.faults().get(i);
      long next = i + 1 < input.faults().size() ? input.faults().get(i + 1).at() : Long.MAX_VALUE;
      afterFaults.add(
          new AfterFault(fault, rerunsPerFault[i], toFullService(input, fault.at(), next)));
    }
    return new Report(
        List.copyOf(violations),
        input.runs().size(),
        counts[0],
        counts[1],
        counts[2],
        afterFaults,
        longestUnanswered(input.answers()),
        byStatus,
        input.ticks().instants().size(),
        skipped[0],
        skipped[1]);
  }

  private static void results(Input input, List<Violation> violations) {
    for (Expectation expected : input.expected()) {
      Outcome outcome = input.outcomes().get(expected.id());
      if (outcome == null) {
        violations.add(new Violation("lost", expected.id() + " has no final result"));
      } else if (outcome.status() != expected.status()) {
        violations.add(
            new Violation(
                "wrong",
                expected.id()
                    + " ended "
                    + outcome.status()
                    + (outcome.errorType() == null ? "" : " (" + outcome.errorType() + ")")
                    + ", expected "
                    + expected.status()));
      } else if (expected.value() != null && !sameJson(expected.value(), outcome.value())) {
        violations.add(
            new Violation(
                "wrong",
                expected.id() + " answered " + outcome.value() + ", expected " + expected.value()));
      } else if (expected.errorType() != null
          && !expected.errorType().equals(outcome.errorType())) {
        violations.add(
            new Violation(
                "wrong",
                expected.id()
                    + " failed with "
                    + outcome.errorType()
                    + ", expected "
                    + expected.errorType()));
      }
    }
  }

  /** Equal JSON, numbers by value: 5 read back as an int is the 5 expected as a long. */
  static boolean sameJson(JsonNode expected, @Nullable JsonNode actual) {
    return actual != null
        && expected.equals(
            (a, b) ->
                a.isNumber() && b.isNumber()
                    ? a.decimalValue().compareTo(b.decimalValue())
                    : a.equals(b) ? 0 : 1,
            actual);
  }

  private static void unknown(Input input, List<Violation> violations) {
    Set<String> submitted = new HashSet<>();
    input.expected().forEach(e -> submitted.add(e.id()));
    for (String id : new TreeSet<>(input.resultIds())) {
      if (!submitted.contains(id) && !input.derived().test(id)) {
        violations.add(new Violation("unknown", "a result for " + id + ", never submitted"));
      }
    }
  }

  private static void onceOnly(Input input, List<Violation> violations) {
    new TreeMap<>(input.finalRecords())
        .forEach(
            (id, count) -> {
              if (count != 1) {
                violations.add(
                    new Violation(
                        "workflow-twice", "workflow " + id + " has " + count + " final records"));
              }
            });
    new TreeMap<>(input.published())
        .forEach(
            (id, count) -> {
              if (count != 1) {
                violations.add(
                    new Violation("workflow-twice", id + " was published " + count + " times"));
              }
            });
  }

  /** Returns {re-runs, re-runs with no fault before them, zombie overlaps}. */
  private static int[] runs(Input input, List<Violation> violations, int[] rerunsPerFault) {
    Map<String, Life> lives = new HashMap<>();
    input.lives().forEach(life -> lives.put(life.process(), life));
    Map<String, List<Run>> byId = new TreeMap<>();
    input.runs().forEach(run -> byId.computeIfAbsent(run.id(), id -> new ArrayList<>()).add(run));
    int reruns = 0;
    int withoutFault = 0;
    int zombies = 0;
    for (List<Run> runs : byId.values()) {
      runs.sort(Comparator.comparingLong(Run::start));
      Map<Integer, Integer> perAttempt = new HashMap<>();
      for (int i = 0; i < runs.size(); i++) {
        Run run = runs.get(i);
        for (int j = 0; j < i; j++) {
          Run before = runs.get(j);
          if (run.start() < end(before, lives)) {
            if (paused(before, run.start(), input.pauses())
                || paused(run, end(before, lives), input.pauses())) {
              zombies++;
            } else {
              violations.add(
                  new Violation(
                      "concurrent",
                      run.id()
                          + " ran in "
                          + before.process()
                          + " from "
                          + before.start()
                          + " and in "
                          + run.process()
                          + " from "
                          + run.start()
                          + ", before the first ended"));
            }
          }
        }
        if (perAttempt.merge(run.attempt(), 1, Integer::sum) > 1) {
          reruns++;
          int fault = lastFaultBefore(input.faults(), run.start());
          if (fault < 0) {
            withoutFault++;
          } else {
            rerunsPerFault[fault]++;
          }
        }
      }
    }
    return new int[] {reruns, withoutFault, zombies};
  }

  /** When {@code run} ended: as noted, else when its process died, else never (it still runs). */
  private static long end(Run run, Map<String, Life> lives) {
    if (run.end() != null) {
      return run.end();
    }
    Life life = lives.get(run.process());
    return life == null || life.ended() == null ? Long.MAX_VALUE : life.ended();
  }

  /** Whether {@code run}'s process was paused at some time between its start and {@code until}. */
  private static boolean paused(Run run, long until, List<Pause> pauses) {
    for (Pause pause : pauses) {
      if (pause.process().equals(run.process())
          && pause.from() < until
          && pause.to() > run.start()) {
        return true;
      }
    }
    return false;
  }

  private static int lastFaultBefore(List<Fault> faults, long at) {
    int last = -1;
    for (int i = 0; i < faults.size() && faults.get(i).at() <= at; i++) {
      last = i;
    }
    return last;
  }

  /**
   * Returns {ticks skipped beside a fault, ticks skipped before the load}; gaps from the load's
   * start on with no fault near are violations.
   */
  private static int[] ticks(Input input, List<Violation> violations) {
    List<Long> instants = new ArrayList<>(new TreeSet<>(input.ticks().instants()));
    long period = input.ticks().periodMillis();
    int skipped = 0;
    int before = 0;
    for (int i = 1; i < instants.size(); i++) {
      long from = instants.get(i - 1);
      long to = instants.get(i);
      if (to - from > period && from < input.ticks().since()) {
        before += (int) ((to - from) / period - 1);
      } else if (to - from > period) {
        long missing = (to - from) / period - 1;
        // A fault whose effect (a failover, a broker lost) can reach the schedule's next tick: one
        // under way in the gap, or done shortly before its first missing tick. A rolling restart is
        // under way until its last process is back: its beats' turns come minutes after it began.
        boolean explained =
            input.faults().stream().anyMatch(f -> f.at() <= to && f.until() >= from - 30_000);
        if (explained) {
          skipped += (int) missing;
        } else {
          violations.add(
              new Violation(
                  "tick-missing",
                  missing + " tick(s) between " + from + " and " + to + " with no fault near"));
        }
      }
    }
    return new int[] {skipped, before};
  }

  /**
   * The longest stretch an id was asked without a 2xx answer, from its first miss to its next 2xx;
   * misses before an id's first 2xx are not counted (its result may not have existed yet).
   */
  static long longestUnanswered(List<Answer> answers) {
    Map<String, List<Answer>> byId = new HashMap<>();
    answers.forEach(a -> byId.computeIfAbsent(a.id(), id -> new ArrayList<>()).add(a));
    long longest = 0;
    for (List<Answer> asked : byId.values()) {
      asked.sort(Comparator.comparingLong(Answer::at));
      Long missSince = null;
      boolean answered = false;
      for (Answer answer : asked) {
        boolean ok = answer.status() >= 200 && answer.status() <= 299;
        answered |= ok;
        if (!ok && answered && missSince == null) {
          missSince = answer.at();
        } else if (ok && missSince != null) {
          longest = Math.max(longest, answer.at() - missSince);
          missSince = null;
        }
      }
      if (missSince != null) {
        longest = Math.max(longest, asked.getLast().at() - missSince);
      }
    }
    return longest;
  }

  /**
   * How long after {@code fault} service was full again: the first canary submission time from
   * which every canary submitted before {@code next} finished within the bound; null when none did.
   */
  static @Nullable Long toFullService(Input input, long fault, long next) {
    List<Canary> window =
        input.canaries().stream()
            .filter(c -> c.submitted() >= fault && c.submitted() < next)
            .sorted(Comparator.comparingLong(Canary::submitted))
            .toList();
    if (window.isEmpty()) {
      return null;
    }
    int firstGoodOfTail = window.size();
    for (int i = window.size() - 1; i >= 0; i--) {
      Canary canary = window.get(i);
      if (canary.finished() == null
          || canary.finished() - canary.submitted() > input.servedWithin()) {
        break;
      }
      firstGoodOfTail = i;
    }
    return firstGoodOfTail == window.size()
        ? null
        : window.get(firstGoodOfTail).submitted() - fault;
  }
}
