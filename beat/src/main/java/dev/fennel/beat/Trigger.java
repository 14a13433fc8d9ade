package dev.fennel.beat;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.fennel.protocol.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * When a schedule ticks: every fixed period, or on a 5-field cron expression in a time zone. Tick
 * instants are a function of the trigger alone, never of when a scheduler started, so every beat
 * instance computes the same instants and so the same task ids.
 */
public sealed interface Trigger permits Trigger.Every, Trigger.Cron {

  /** The latest tick at or before {@code instant}, or empty when there is none. */
  Optional<Instant> latestAtOrBefore(Instant instant);

  /** The first tick strictly after {@code instant}, or empty when the trigger never fires again. */
  Optional<Instant> nextAfter(Instant instant);

  /**
   * Ticks every {@code period}, aligned to the Unix epoch (UTC): {@code every 10s} ticks at :00,
   * :10, :20…; {@code every 1d} at midnight UTC.
   *
   * @param period whole seconds, at least one
   */
  record Every(Duration period) implements Trigger {
    public Every {
      Objects.requireNonNull(period, "period");
      if (period.toSeconds() < 1 || period.toNanosPart() != 0) {
        throw new IllegalArgumentException(
            "every must be a whole number of seconds, at least 1s, was "
                + Durations.format(period));
      }
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant instant) {
      long seconds = period.toSeconds();
      return Optional.of(
          Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), seconds) * seconds));
    }

    @Override
    public Optional<Instant> nextAfter(Instant instant) {
      long seconds = period.toSeconds();
      return Optional.of(
          Instant.ofEpochSecond(
              Math.floorDiv(instant.getEpochSecond(), seconds) * seconds + seconds));
    }
  }

  /**
   * Ticks on a standard 5-field (Unix) cron expression, {@code minute hour day-of-month month
   * day-of-week}, read in {@code zone}. Parsing and evaluation are cron-utils'.
   *
   * @param expression e.g. {@code 0 2 * * *}
   * @param zone the time zone the fields are read in, e.g. {@code Europe/Berlin}
   */
  record Cron(String expression, ZoneId zone) implements Trigger {
    private static final CronParser PARSER =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    public Cron {
      Objects.requireNonNull(expression, "expression");
      Objects.requireNonNull(zone, "zone");
      int fields = expression.trim().split("\\s+").length;
      if (fields != 5) {
        throw new IllegalArgumentException(
            "cron '"
                + expression
                + "' has "
                + fields
                + " field(s); give 5: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"");
      }
      try {
        PARSER.parse(expression);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "cron '" + expression + "' is not a valid 5-field expression: " + e.getMessage(), e);
      }
    }

    private ExecutionTime executionTime() {
      return ExecutionTime.forCron(PARSER.parse(expression));
    }

    @Override
    public Optional<Instant> latestAtOrBefore(Instant instant) {
      // cron-utils' lastExecution is strictly before its argument, and ticks fall on whole minutes:
      // asking from the next whole second makes a tick at the instant itself count.
      Instant from = Instant.ofEpochSecond(instant.getEpochSecond() + 1);
      return executionTime()
          .lastExecution(ZonedDateTime.ofInstant(from, zone))
          .map(ZonedDateTime::toInstant)
          .filter(tick -> !tick.isAfter(instant));
    }

    @Override
    public Optional<Instant> nextAfter(Instant instant) {
      return executionTime()
          .nextExecution(ZonedDateTime.ofInstant(instant, zone))
          .map(ZonedDateTime::toInstant)
          .filter(tick -> tick.isAfter(instant));
    }
  }
}
