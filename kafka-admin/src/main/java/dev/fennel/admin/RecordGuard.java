package dev.fennel.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a reader of a shared topic ({@code fennel.revoked}, {@code fennel.rate-limits}, {@code
 * fennel.workers}, {@code fennel.results}) does with what anyone allowed to write there may put in
 * it, so that no record stops it or grows it without bound: a record it cannot use is skipped and
 * counted in {@value #METER}{@code {topic, reason}}; a time in a record is read as no later than
 * now plus {@link #SKEW} (and no earlier than the epoch), so a time from the future cannot keep an
 * entry forever; and every map a reader builds from records has a cap, past which a record for a
 * new key is skipped and counted as {@link Reason#OVER_CAP}. {@code docs/metrics.md} lists the
 * caps.
 */
public final class RecordGuard {
  /** The counter of skipped records. */
  public static final String METER = "fennel.records.skipped";

  /** How far ahead of this host's clock a writer's clock may be. */
  public static final Duration SKEW = Duration.ofMinutes(1);

  /**
   * The largest value of a small record (a revocation, a rate-limits announcement, a heartbeat):
   * its writers send well under 1 KiB, so a larger one is no such record.
   */
  public static final int MAX_SMALL_RECORD_BYTES = 16 * 1024;

  /** Why a record was skipped: the {@code reason} tag. */
  public enum Reason {
    /** Not what the topic holds: no key, not JSON, wrong types, missing or impossible fields. */
    UNREADABLE,
    /** Its key says one thing and its value another (a worker's name, a task id, a schedule). */
    KEY_MISMATCH,
    /** Larger than any record of its kind is. */
    TOO_LARGE,
    /** A new key while the reader's map is at its cap. */
    OVER_CAP;

    /**
     * The tag value: {@code unreadable}, {@code key-mismatch}, {@code too-large}, {@code over-cap}.
     */
    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Map<Reason, Counter> skipped = new EnumMap<>(Reason.class);

  /** The guard of a reader of {@code topic}, counting in {@code registry}. */
  public RecordGuard(MeterRegistry registry, String topic) {
    for (Reason reason : Reason.values()) {
      skipped.put(
          reason,
          Counter.builder(METER)
              .description("Records of a shared topic that a reader skipped, by why")
              .tags("topic", topic, "reason", reason.tag())
              .register(registry));
    }
  }

  /** Counts one record skipped for {@code reason}. */
  public void skip(Reason reason) {
    counter(reason).increment();
  }

  /** Records skipped for {@code reason} so far. */
  public long skipped(Reason reason) {
    return (long) counter(reason).count();
  }

  /** The counter of {@code reason}: the constructor made one for every reason. */
  private Counter counter(Reason reason) {
    Counter counter = skipped.get(reason);
    if (counter == null) {
      throw new IllegalStateException("no counter for " + reason);
    }
    return counter;
  }

  /** {@code at}, read as no later than {@code now} plus {@link #SKEW} and no earlier than 1970. */
  public static Instant clamp(Instant at, Instant now) {
    Instant latest = now.plus(SKEW);
    if (at.isAfter(latest)) {
      return latest;
    }
    return at.isBefore(Instant.EPOCH) ? Instant.EPOCH : at;
  }
}
