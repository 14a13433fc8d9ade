package dev.fennel.protocol;

import org.jspecify.annotations.Nullable;

/**
 * The results API's bearer token as the server and every client read it: the one rule, so that a
 * token file with a trailing newline, or a variable with a stray space, means the same token on
 * both sides.
 */
public final class ApiToken {
  /** A token shorter than this is guessable; the API warns when it starts with one. */
  public static final int MIN_LENGTH = 16;

  /** How a token (or another secret) is shown in a configuration's {@code toString}. */
  public static final String REDACTED = "[redacted]";

  private ApiToken() {}

  /**
   * {@code raw} without leading and trailing white space (a newline from a file, a space from a
   * variable), or null when nothing is left: no token.
   */
  public static @Nullable String normalize(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    String token = raw.strip();
    return token.isEmpty() ? null : token;
  }

  /** Whether {@code token} is too short to resist guessing. */
  public static boolean isShort(String token) {
    return token.length() < MIN_LENGTH;
  }

  /** {@link #REDACTED} for a secret that is set, {@code null} for one that is not. */
  public static @Nullable String redact(@Nullable String secret) {
    return secret == null ? null : REDACTED;
  }
}
