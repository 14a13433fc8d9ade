package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.TaskIds;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The compact set of revoked ids: UUIDs as two longs, every other id as text, never confused. */
class RevokedIdsTest {
  @Test
  void findsExactlyTheIdsPutWhateverTheirForm() {
    RevokedIds ids = new RevokedIds();
    String uuid = TaskIds.newId();
    String upper = uuid.toUpperCase(Locale.ROOT);
    String other = "order-123:retry@2";
    String almost = uuid.substring(0, 35) + "g";

    ids.put(uuid, 1);
    ids.put(other, 2);

    assertThat(ids.contains(uuid)).isTrue();
    assertThat(ids.contains(other)).isTrue();
    assertThat(ids.contains(upper)).isFalse();
    assertThat(ids.contains(almost)).isFalse();
    assertThat(ids.contains(TaskIds.newId())).isFalse();
    ids.put(upper, 3);
    assertThat(ids.size()).isEqualTo(3);
  }

  @Test
  void aLaterRevocationRenewsTheTimeAndOldOnesAreForgotten() {
    RevokedIds ids = new RevokedIds();
    String renewed = TaskIds.newId();
    String old = TaskIds.newId();
    ids.put(renewed, 10);
    ids.put(old, 10);
    ids.put(renewed, 100);

    ids.removeOlderThan(50);

    assertThat(ids.contains(renewed)).isTrue();
    assertThat(ids.contains(old)).isFalse();
    ids.remove(renewed);
    assertThat(ids.size()).isZero();
  }
}
