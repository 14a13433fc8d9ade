package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResultExpiryTest {
  private static final Instant WRITTEN = Instant.parse("2026-12-01T10:00:00Z");

  @Test
  void aRecordExpiresItsOwnTtlAfterItWasWritten() {
    ResultExpiry expiry = new ResultExpiry(Duration.ofDays(7));
    Clock clock = Clock.fixed(WRITTEN.plusSeconds(9), ZoneOffset.UTC);

    assertThat(expiry.isExpired(WRITTEN, Duration.ofSeconds(10), clock.instant())).isFalse();
    clock = Clock.offset(clock, Duration.ofSeconds(1));
    assertThat(expiry.isExpired(WRITTEN, Duration.ofSeconds(10), clock.instant())).isTrue();
    assertThat(expiry.expiresAt(WRITTEN, Duration.ofSeconds(10)))
        .isEqualTo(WRITTEN.plusSeconds(10));
  }

  @Test
  void aRecordWithoutATtlLivesTheDefault() {
    ResultExpiry expiry = new ResultExpiry(Duration.ofMinutes(5));

    assertThat(expiry.isExpired(WRITTEN, null, WRITTEN.plus(Duration.ofMinutes(5)).minusMillis(1)))
        .isFalse();
    assertThat(expiry.isExpired(WRITTEN, null, WRITTEN.plus(Duration.ofMinutes(5)))).isTrue();
    assertThat(ResultExpiry.DEFAULT.ttlOf(null)).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void zeroKeepsForeverWhetherItIsTheRecordsOrTheDefault() {
    Instant farFuture = WRITTEN.plus(Duration.ofDays(365 * 100));

    assertThat(ResultExpiry.DEFAULT.isExpired(WRITTEN, Duration.ZERO, farFuture)).isFalse();
    assertThat(ResultExpiry.DEFAULT.expiresAt(WRITTEN, Duration.ZERO)).isNull();
    assertThat(new ResultExpiry(Duration.ZERO).isExpired(WRITTEN, null, farFuture)).isFalse();
    // A record's own TTL wins over a default of forever.
    assertThat(new ResultExpiry(Duration.ZERO).isExpired(WRITTEN, Duration.ofHours(1), farFuture))
        .isTrue();
  }

  @Test
  void aTtlPastTheEndOfTimeNeverExpires() {
    assertThat(ResultExpiry.DEFAULT.expiresAt(WRITTEN, Durations.MAX)).isAfter(WRITTEN);
    assertThat(ResultExpiry.DEFAULT.expiresAt(Instant.MAX.minusSeconds(5), Duration.ofDays(1)))
        .isNull();
  }

  @Test
  void aTtlIsReadInTheOneDurationSyntax() {
    assertThat(ResultExpiry.parseTtl("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(ResultExpiry.parseTtl("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(ResultExpiry.parseTtl("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(ResultExpiry.parseTtl("0")).isZero();
    assertThat(ResultExpiry.parseTtl("0s")).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-5s", "abc", "10 parsecs", "", "0.0000000001s"})
  void aTtlThatIsNotAPositiveDurationOrZeroIsRefusedNamingIt(String text) {
    assertThatThrownBy(() -> ResultExpiry.parseTtl(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'")
        .hasMessageContaining("or 0 to keep results forever");
  }

  @Test
  void theWireCarriesSecondsAndRefusesNegativeOnes() {
    assertThat(ResultExpiry.fromSeconds(1.5)).isEqualTo(Duration.ofMillis(1500));
    assertThat(ResultExpiry.fromSeconds(null)).isNull();
    assertThat(ResultExpiry.toSeconds(Duration.ofMillis(250))).isEqualTo(0.25);
    assertThatThrownBy(() -> ResultExpiry.fromSeconds(-1.0)).hasMessageContaining("resultTtl");
    assertThatThrownBy(() -> ResultExpiry.fromSeconds(Double.NaN))
        .hasMessageContaining("resultTtl");
    assertThatThrownBy(() -> new ResultExpiry(Duration.ofSeconds(-1))).hasMessageContaining("-1s");
  }
}
