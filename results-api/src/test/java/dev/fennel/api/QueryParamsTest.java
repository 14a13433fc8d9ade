package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueryParamsTest {
  @Test
  void readsWaitInTheOneDurationSyntaxWithBareSeconds() {
    assertThat(QueryParams.duration("wait", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(QueryParams.duration("wait", "5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(QueryParams.duration("wait", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(QueryParams.duration("wait", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(QueryParams.duration("wait", "7")).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void refusesAnythingElseAsABadRequestNamingTheParameter() {
    for (String bad : new String[] {"", "-1s", "soon", "5x", "99999999999d"}) {
      assertThatThrownBy(() -> QueryParams.duration("wait", bad))
          .as(bad)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageStartingWith("wait '" + bad + "' is ");
    }
  }
}
