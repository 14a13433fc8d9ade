package dev.fennel.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The faults of a chaos run, drawn from a seed: the same seed, duration, count and kinds give the
 * same schedule, so a failing run is replayed by its seed. (The schedule replays; the interleaving
 * with the processes' own timing does not, as in any run on real processes.) No clock is touched.
 */
final class ChaosFaults {
  private ChaosFaults() {}

  /** What the harness does to a process. */
  enum Kind {
    /** SIGKILL, then a start again after the downtime. */
    KILL,
    /** SIGTERM (a clean stop), then a start again after the downtime. */
    TERM,
    /** SIGSTOP for longer than the session timeout, then SIGCONT. */
    PAUSE,
    /** A worker joins or leaves to start a rebalance, and a broker is killed while it runs. */
    BROKER_IN_REBALANCE,
    /** Every process in turn: SIGTERM, start again, wait until it is ready. */
    ROLLING_RESTART
  }

  /** The roles of the processes a fault can hit, and how many of each the cluster has. */
  enum Role {
    BROKER(3),
    WORKER(3),
    API(2),
    BEAT(2);

    final int count;

    Role(int count) {
      this.count = count;
    }
  }

  /**
   * One fault: at {@code after} from the start of the load, {@code kind} on process {@code index}
   * of {@code role} (ignored by a rolling restart), down (or paused) for {@code downtime}.
   */
  record Fault(Duration after, Kind kind, Role role, int index, Duration downtime) {
    String target() {
      return kind == Kind.ROLLING_RESTART
          ? "all"
          : role.name().toLowerCase(Locale.ROOT) + (index + 1);
    }
  }

  /**
   * {@code count} faults spread over {@code duration}, one per equal slot at a random point of the
   * slot's first half (so that each has time to heal before the next). Each kind of {@code kinds}
   * comes once, in a random order, before any kind comes again; then kinds are random, a rolling
   * restart {@link #ROLLING_WEIGHT} times as likely as each other kind: it is ten restarts in a
   * row, and lasts 3–7 minutes on a loaded 2-core machine where another fault heals in about one.
   */
  static List<Fault> schedule(long seed, Duration duration, int count, List<Kind> kinds) {
    if (count < 0 || kinds.isEmpty()) {
      throw new IllegalArgumentException("a schedule needs 0 or more faults and a kind");
    }
    Random random = new Random(seed);
    List<Kind> order = new ArrayList<>(kinds);
    Collections.shuffle(order, random);
    List<Fault> faults = new ArrayList<>();
    long slot = count == 0 ? 0 : duration.toMillis() / count;
    for (int i = 0; i < count; i++) {
      Kind kind = i < order.size() ? order.get(i) : draw(kinds, random);
      Role role =
          switch (kind) {
            case BROKER_IN_REBALANCE, ROLLING_RESTART -> Role.BROKER;
            case KILL, TERM, PAUSE -> Role.values()[random.nextInt(Role.values().length)];
          };
      long at = i * slot + (long) (random.nextDouble() * slot / 2);
      Duration downtime = Duration.ofMillis(2_000 + random.nextInt(6_000));
      faults.add(
          new Fault(Duration.ofMillis(at), kind, role, random.nextInt(role.count), downtime));
    }
    return List.copyOf(faults);
  }

  /** How likely a rolling restart is drawn, against 1 for each other kind. */
  static final double ROLLING_WEIGHT = 0.25;

  private static Kind draw(List<Kind> kinds, Random random) {
    double total = 0;
    for (Kind kind : kinds) {
      total += weight(kind);
    }
    double point = random.nextDouble() * total;
    for (Kind kind : kinds) {
      point -= weight(kind);
      if (point < 0) {
        return kind;
      }
    }
    return kinds.getLast();
  }

  private static double weight(Kind kind) {
    return kind == Kind.ROLLING_RESTART ? ROLLING_WEIGHT : 1;
  }
}
