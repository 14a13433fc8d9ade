package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsTheDocumentedForms() {
    assertThat(Durations.parse("wait", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("wait", "5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("wait", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("wait", "7")).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void rejectsAnythingElseAsABadRequest() {
    for (String bad : new String[] {"", "-1s", "5h", "soon", "1.5s", "99999999999s"}) {
      assertThatThrownBy(() -> Durations.parse("wait", bad))
          .as(bad)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
  }
}
