package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantTest {
  private static final long YEAR_0 = -62_167_219_200L;
  private static final long YEAR_10000 = 253_402_300_800L;

  @Test
  void writesWhatInstantToStringWritesAndReadsItBack() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 200_000; i++) {
      long seconds = random.nextLong(YEAR_0 - 1_000_000, YEAR_10000 + 1_000_000);
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
          };
      Instant instant = Instant.ofEpochSecond(seconds, nanos);
      String text = IsoInstant.format(instant);

      assertThat(text).isEqualTo(instant.toString());
      assertThat(IsoInstant.parse(text)).isEqualTo(instant);
    }
  }

  @Test
  void readsEveryFractionLengthAndTheEdgesOfTheCalendar() {
    assertThat(IsoInstant.parse("2026-02-28T23:59:59.1Z"))
        .isEqualTo(Instant.parse("2026-02-28T23:59:59.100Z"));
    assertThat(IsoInstant.parse("2024-02-29T00:00:00.123456789Z"))
        .isEqualTo(Instant.parse("2024-02-29T00:00:00.123456789Z"));
    assertThat(IsoInstant.parse("1969-12-31T23:59:59.99Z"))
        .isEqualTo(Instant.parse("1969-12-31T23:59:59.99Z"));
    assertThat(IsoInstant.parse("0000-01-01T00:00:00Z")).isEqualTo(Instant.ofEpochSecond(YEAR_0));
    assertThat(IsoInstant.parse("2026-01-31T12:00:00+01:00"))
        .isEqualTo(Instant.parse("2026-01-31T11:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:59:60Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z",
        "2026-01-01 00:00:00Z",
        "2026-01-0xT00:00:00Z",
        "tomorrow",
        ""
      })
  void agreesWithInstantParseOnOddInput(String text) {
    Instant expected;
    try {
      expected = Instant.parse(text);
    } catch (DateTimeParseException e) {
      assertThatThrownBy(() -> IsoInstant.parse(text)).isInstanceOf(DateTimeParseException.class);
      return;
    }
    assertThat(IsoInstant.parse(text)).isEqualTo(expected);
  }
}
