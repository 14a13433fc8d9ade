package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.IsoInstant;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A result as the results topic holds it: the JSON bytes, served as they are, and the status,
 * queue, finish time and TTL read from them with a streaming scan (the API never needs the rest of
 * the record), with the record's Kafka timestamp when the reader knows it. A finish time or TTL
 * that cannot be read is left null, as if absent: the record is still served, and expires by its
 * Kafka timestamp and the API's default ({@link #isExpired}). The status is kept as written: a
 * status this version does not know (from a newer worker) is still a result, served like any other,
 * and final ({@code docs/versioning.md}, rule 2), so that a {@code ?wait} on it ends at once
 * instead of holding its whole time. Never compared: equals may be identity.
 *
 * @param holdsFailedTask whether {@code json} still holds a {@code FAILURE}'s {@code failedTask}
 *     ({@link #asStored} keeps it; {@link #of} leaves it out)
 */
@SuppressWarnings("ArrayRecordComponent")
record StoredResult(
    byte[] json,
    String status,
    @Nullable String queue,
    @Nullable Instant finishedAt,
    @Nullable Duration ttl,
    @Nullable Instant writtenAt,
    boolean holdsFailedTask) {
  private static final Map<String, Status> KNOWN =
      Arrays.stream(Status.values())
          .collect(Collectors.toUnmodifiableMap(Status::name, Function.identity()));

  /** The field of a {@code FAILURE} that keeps the task message for a retry. */
  static final String FAILED_TASK = "failedTask";

  /**
   * The record in {@code json} as the API serves and caches it, or null when it is no result: not
   * one well-formed JSON object, no textual {@code status}, or {@code PENDING} (which only the API
   * answers). Fields other than {@code status} and {@code queue} are skipped, whatever they hold; a
   * {@code FAILURE}'s {@code failedTask} (the task message a retry republishes, which may be as
   * large as the task) is left out: the retry reads the record from the store ({@link
   * ResultLookup#stored}), and nobody else needs it in the cache or an answer.
   */
  static @Nullable StoredResult of(byte @Nullable [] json) {
    return read(json, null, true);
  }

  /** As {@link #of(byte[])}, for a record written to the topic at {@code writtenAt}. */
  static @Nullable StoredResult of(byte @Nullable [] json, Instant writtenAt) {
    return read(json, writtenAt, true);
  }

  /**
   * The record in {@code json} with every field it holds, or null when it is no result (as {@link
   * #of}): for the store's own rules, which read its status only.
   */
  static @Nullable StoredResult asStored(byte @Nullable [] json) {
    return read(json, null, false);
  }

  /** As {@link #asStored(byte[])}, for a record written to the topic at {@code writtenAt}. */
  static @Nullable StoredResult asStored(byte @Nullable [] json, Instant writtenAt) {
    return read(json, writtenAt, false);
  }

  private static @Nullable StoredResult read(
      byte @Nullable [] json, @Nullable Instant writtenAt, boolean served) {
    if (json == null || json.length == 0) {
      return null;
    }
    boolean kept = false;
    try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String status = null;
      String queue = null;
      String finishedAt = null;
      Double ttl = null;
      JsonToken token;
      // Read to the end, so that a truncated record is never served (the batch answer embeds it
      // raw).
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("status".equals(field) && value == JsonToken.VALUE_STRING) {
          status = parser.getText();
        } else if ("queue".equals(field) && value == JsonToken.VALUE_STRING) {
          queue = parser.getText();
        } else if ("finishedAt".equals(field) && value == JsonToken.VALUE_STRING) {
          finishedAt = parser.getText();
        } else if ("resultTtl".equals(field) && value.isNumeric()) {
          ttl = parser.getDoubleValue();
        } else {
          kept |= FAILED_TASK.equals(field);
          parser.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        return null;
      }
      if (status == null || status.isBlank() || status.equals(Status.PENDING.name())) {
        return null;
      }
      return new StoredResult(
          served && kept ? withoutFailedTask(json) : json,
          status,
          queue,
          instant(finishedAt),
          ttl(ttl),
          writtenAt,
          !served && kept);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * This record as {@link #of(byte[], Instant)} reads its JSON, written to the topic at {@code
   * writtenAt}: without a second reading unless a {@code failedTask} must be left out.
   */
  StoredResult served(Instant writtenAt) {
    if (holdsFailedTask) {
      return Objects.requireNonNull(of(json, writtenAt), "read once already");
    }
    return new StoredResult(json, status, queue, finishedAt, ttl, writtenAt, false);
  }

  /** {@code json}, a well-formed object, without its {@code failedTask} field. */
  private static byte[] withoutFailedTask(byte[] json) throws IOException {
    ObjectNode tree = (ObjectNode) Json.MAPPER.readTree(json);
    tree.remove(FAILED_TASK);
    return Json.MAPPER.writeValueAsBytes(tree);
  }

  private static @Nullable Instant instant(@Nullable String text) {
    try {
      return text == null ? null : IsoInstant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static @Nullable Duration ttl(@Nullable Double seconds) {
    try {
      return ResultExpiry.fromSeconds(seconds);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Whether this record has expired at {@code now} under {@code expiry}: its TTL (its own, else the
   * default) counted from its finish time, or from when it was written to the topic when it has
   * none (a {@code STARTED}, a {@code RETRY}, a finish time that cannot be read). The one rule of
   * the API's store, cache and sweep; a record with neither time (one read without its Kafka
   * timestamp and no finish time) has not expired.
   */
  boolean isExpired(ResultExpiry expiry, Instant now) {
    Instant at = expiresAt(expiry);
    return at != null && !at.isAfter(now);
  }

  /** When this record expires under {@code expiry} ({@link #isExpired}), or null when never. */
  @Nullable Instant expiresAt(ResultExpiry expiry) {
    Instant from = finishedAt != null ? finishedAt : writtenAt;
    return from == null ? null : expiry.expiresAt(from, ttl);
  }

  /** The status as this version knows it, or null for one it does not. */
  @Nullable Status known() {
    return KNOWN.get(status);
  }

  /**
   * Whether no later record for this task is expected: a status this version does not know is
   * final, as {@link Status#UNKNOWN} is for every reader.
   */
  boolean isFinal() {
    Status known = known();
    return known == null || known.isFinal();
  }
}
