package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TaskIdsTest {
  @Test
  void newIdsAreVersion7UuidsAndValid() {
    UUID uuid = UUID.fromString(TaskIds.newId());

    assertThat(uuid.version()).isEqualTo(7);
    assertThat(uuid.variant()).isEqualTo(2);
    assertThat(TaskIds.isValid(uuid.toString())).isTrue();
  }

  @Test
  void idsCarryTheirCreationTimeSoTheySortByIt() {
    long before = System.currentTimeMillis();
    long embedded = UUID.fromString(TaskIds.newId()).getMostSignificantBits() >>> 16;
    long after = System.currentTimeMillis();

    assertThat(embedded).isBetween(before, after);
  }

  @Test
  void aHundredThousandIdsAreDistinct() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(TaskIds.newId());
    }
    assertThat(ids).hasSize(100_000);
  }

  @Test
  void userIdsFollowTheRule() {
    assertThat(TaskIds.isValid("order-123:retry@2")).isTrue();
    List<String> bad =
        new ArrayList<>(List.of("", "a b", "a/b", "ü", "x".repeat(TaskIds.MAX_LENGTH + 1)));
    bad.forEach(id -> assertThat(TaskIds.isValid(id)).as(id).isFalse());
    assertThat(TaskIds.describeInvalid("x".repeat(200))).contains("200 characters", "128");
  }

  @Test
  void theValidCharactersAreExactlyTheDocumentedOnes() {
    String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+=-";
    for (char c = 0; c < 512; c++) {
      assertThat(TaskIds.isValid("a" + c))
          .as("character %d", (int) c)
          .isEqualTo(allowed.indexOf(c) >= 0);
    }
    assertThat(TaskIds.isValid("")).isFalse();
    assertThat(TaskIds.isValid(null)).isFalse();
    assertThat(TaskIds.isValid("x".repeat(TaskIds.MAX_LENGTH))).isTrue();
    assertThat(TaskIds.isValid("x".repeat(TaskIds.MAX_LENGTH + 1))).isFalse();
  }
}
