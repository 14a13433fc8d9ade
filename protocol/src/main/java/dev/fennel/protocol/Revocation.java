package dev.fennel.protocol;

import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A revocation, as written to the compacted topic {@code fennel.revoked} with the task id as key
 * (schema: {@code docs/schemas/revocation.schema.json}). A worker that takes the task later settles
 * it as {@link Status#REVOKED} without running it.
 *
 * @param v the format version, 1
 * @param id the revoked task's id
 * @param terminate whether a run already under way is interrupted too
 * @param revokedAt when it was revoked; the revocation is forgotten one retention later
 */
public record Revocation(int v, String id, boolean terminate, Instant revokedAt) {
  /** The format version this code writes. */
  public static final int VERSION = 1;

  public Revocation {
    if (!TaskIds.isValid(id)) {
      throw new IllegalArgumentException(TaskIds.describeInvalid(id));
    }
    Objects.requireNonNull(revokedAt, "revokedAt");
  }

  /** A revocation of {@code id} in this version's format. */
  public static Revocation of(String id, boolean terminate, Instant revokedAt) {
    return new Revocation(VERSION, id, terminate, revokedAt);
  }

  /** This revocation as the JSON value of its record. */
  public byte[] encode() {
    return Json.write(this);
  }

  /**
   * The revocation in a record's value, or null when the value is not one (a reader skips it: bad
   * input never stops a worker).
   */
  public static @Nullable Revocation decode(byte @Nullable [] value) {
    if (value == null) {
      return null;
    }
    try {
      return Json.MAPPER.readValue(value, Revocation.class);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
