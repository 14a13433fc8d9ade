package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsEveryUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void readsFractionsSpacesAndAnyCase() {
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("0.5h")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse(".25s")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("1.s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Durations.parse(" 10 s ")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("2H")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("250MS")).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void aBareNumberIsInTheUnitTheSettingDocuments() {
    assertThat(Durations.parse("300", ChronoUnit.SECONDS)).isEqualTo(Duration.ofSeconds(300));
    assertThat(Durations.parse("0.25", ChronoUnit.SECONDS)).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("168", ChronoUnit.HOURS)).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("5", ChronoUnit.MILLIS)).isEqualTo(Duration.ofMillis(5));
    assertThat(Durations.parse("3", ChronoUnit.MINUTES)).isEqualTo(Duration.ofMinutes(3));
    assertThat(Durations.parse("1", ChronoUnit.DAYS)).isEqualTo(Duration.ofDays(1));
    // A unit wins over the setting's bare unit.
    assertThat(Durations.parse("2s", ChronoUnit.MILLIS)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parse("30m", ChronoUnit.HOURS)).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void aBareNumberNeedsAUnitWhereNoneIsDocumented() {
    assertThatThrownBy(() -> Durations.parse("10"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'10' is not a duration; give " + Durations.SYNTAX);
  }

  @Test
  void refusesWhatIsNotADurationQuotingItAndTheSyntax() {
    for (String bad : new String[] {"", " ", "5x", "soon", "s", "5 s s", "1e3s", "5sm", "1,5s"}) {
      assertThatThrownBy(() -> Durations.parse(bad, ChronoUnit.SECONDS))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "'"
                  + bad
                  + "' is not a duration; give "
                  + Durations.SYNTAX
                  + ", or a bare number of seconds");
    }
  }

  @Test
  void refusesNegativeDurations() {
    for (String bad : new String[] {"-1s", "-5", "- 2h"}) {
      assertThatThrownBy(() -> Durations.parse(bad, ChronoUnit.SECONDS))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("'" + bad + "' is negative; give 0 or more");
    }
  }

  @Test
  void refusesWhatWouldOverflowNanoseconds() {
    assertThat(Durations.parse("106751d")).isEqualTo(Duration.ofDays(106_751));
    for (String bad : new String[] {"99999999999d", "106752d", "9".repeat(400) + "ms"}) {
      assertThatThrownBy(() -> Durations.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is too long; the most is 106751d");
    }
  }

  @Test
  void quotesALongValueCut() {
    assertThatThrownBy(() -> Durations.parse("x".repeat(100)))
        .hasMessageStartingWith("'" + "x".repeat(40) + "…' is not a duration");
  }

  @Test
  void formatsInTheLargestWholeUnitAndReadsBack() {
    assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
    assertThat(Durations.format(Duration.ofHours(36))).isEqualTo("36h");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofNanos(1_500))).isEqualTo("0.0000015s");
    assertThat(Durations.format(Duration.ofSeconds(-90))).isEqualTo("-90s");
    for (Duration d :
        new Duration[] {
          Duration.ofDays(3), Duration.ofMillis(1), Duration.ofNanos(7), Durations.MAX
        }) {
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
  }

  @Test
  void convertsToSecondsForTheWireFormat() {
    assertThat(Durations.toSeconds(Duration.ofMillis(1500))).isEqualTo(1.5);
    assertThat(Durations.toSeconds(Duration.ofMinutes(5))).isEqualTo(300.0);
  }
}
