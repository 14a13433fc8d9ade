package dev.fennel.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Records that anyone allowed to write to a shared topic might put there, for fuzzing its readers:
 * random bytes, random JSON, and hand-made hostile variants of a valid record (each field replaced
 * by a value of the wrong type, a huge number, a time far in the future or the past, a very long
 * string, deep nesting; each field left out; an extra deeply nested field). Seeded, so a failure
 * repeats. The JSON is written as text, so that it can be anything a writer can send.
 */
public final class HostileRecords {
  /** How long the very long strings are (more than a reader keeps of any text). */
  public static final int LONG_TEXT = 100_000;

  /** How deep the deep nesting goes (more than Jackson reads: 500 by default). */
  public static final int DEEP = 2_000;

  private final Random random;

  /** Records drawn from {@code seed}. */
  public HostileRecords(long seed) {
    this.random = new Random(seed);
  }

  /** Up to 200 random bytes (sometimes none). */
  public byte[] bytes() {
    byte[] bytes = new byte[random.nextInt(200)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** A random JSON value (an object most of the time) as UTF-8 bytes. */
  public byte[] json() {
    return utf8(random.nextInt(4) == 0 ? value(3) : object(3));
  }

  /** A random JSON object with the {@code fields} a reader looks for, holding random values. */
  public byte[] jsonWith(List<String> fields) {
    StringBuilder out = new StringBuilder("{");
    for (String field : fields) {
      if (random.nextInt(4) == 0) {
        continue;
      }
      if (out.length() > 1) {
        out.append(',');
      }
      out.append(quote(field)).append(':').append(random.nextBoolean() ? hostile() : value(2));
    }
    return utf8(out.append('}').toString());
  }

  /**
   * Hand-made variants of {@code valid} (field name → its JSON text, in order): every field
   * replaced in turn by every value of {@link #hostileValues()}, every field left out, and the
   * record with an extra field nested {@link #DEEP} deep.
   */
  public static List<byte[]> variants(Map<String, String> valid) {
    List<byte[]> variants = new ArrayList<>();
    for (String field : valid.keySet()) {
      for (String value : hostileValues()) {
        Map<String, String> changed = new LinkedHashMap<>(valid);
        changed.put(field, value);
        variants.add(utf8(object(changed)));
      }
      Map<String, String> without = new LinkedHashMap<>(valid);
      without.remove(field);
      variants.add(utf8(object(without)));
    }
    Map<String, String> extra = new LinkedHashMap<>(valid);
    extra.put("extra", "[".repeat(DEEP) + "]".repeat(DEEP));
    variants.add(utf8(object(extra)));
    return variants;
  }

  /** {@code fields} (name → JSON text) as one JSON object. */
  public static String object(Map<String, String> fields) {
    StringBuilder out = new StringBuilder("{");
    fields.forEach(
        (name, value) -> {
          if (out.length() > 1) {
            out.append(',');
          }
          out.append(quote(name)).append(':').append(value);
        });
    return out.append('}').toString();
  }

  /**
   * JSON values no field of a Fennel record should hold, as text: wrong types, huge and negative
   * numbers, times far ahead and far back (and at the ends of {@link java.time.Instant}), a very
   * long string, deep nesting.
   */
  public static List<String> hostileValues() {
    return List.of(
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "1e400",
        "-1e400",
        "99999999999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "2147483648",
        "\"\"",
        "\" \"",
        "\"\\u0000\"",
        "\"not what it should be\"",
        "\"9999-12-31T23:59:59Z\"",
        "\"+1000000000-12-31T23:59:59.999999999Z\"",
        "\"-1000000000-01-01T00:00:00Z\"",
        "\"1970-01-01T00:00:00Z\"",
        "\"0001-01-01T00:00:00Z\"",
        quote("x".repeat(LONG_TEXT)),
        "[]",
        "[null]",
        "[1,{\"a\":[]}]",
        "{}",
        "{\"a\":{\"b\":{}}}",
        "[".repeat(DEEP) + "]".repeat(DEEP),
        "{\"a\":".repeat(DEEP) + "1" + "}".repeat(DEEP));
  }

  private String hostile() {
    List<String> values = hostileValues();
    return values.get(random.nextInt(values.size()));
  }

  private String value(int depth) {
    int kind = depth <= 0 ? random.nextInt(5) : random.nextInt(7);
    return switch (kind) {
      case 0 -> "null";
      case 1 -> Boolean.toString(random.nextBoolean());
      case 2 -> random.nextBoolean() ? Long.toString(random.nextLong()) : number();
      case 3 -> quote(text());
      case 4 -> hostile();
      case 5 -> array(depth - 1);
      default -> object(depth - 1);
    };
  }

  private String number() {
    return switch (random.nextInt(4)) {
      case 0 -> Integer.toString(random.nextInt(10));
      case 1 -> Double.toString(random.nextGaussian() * 1e6);
      case 2 -> "1e" + random.nextInt(400);
      default -> "-" + "9".repeat(1 + random.nextInt(40));
    };
  }

  private String text() {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(20);
    for (int i = 0; i < length; i++) {
      text.append(
          (char) (random.nextBoolean() ? 'a' + random.nextInt(26) : random.nextInt(0x3000)));
    }
    return text.toString();
  }

  private String array(int depth) {
    StringBuilder out = new StringBuilder("[");
    int size = random.nextInt(4);
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(value(depth));
    }
    return out.append(']').toString();
  }

  private String object(int depth) {
    StringBuilder out = new StringBuilder("{");
    int size = random.nextInt(5);
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(quote(text())).append(':').append(value(depth));
    }
    return out.append('}').toString();
  }

  /** {@code text} as a JSON string. */
  public static String quote(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
