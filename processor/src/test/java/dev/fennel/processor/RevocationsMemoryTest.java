package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.TaskIds;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.junit.jupiter.api.Test;

/**
 * The heap one worker spends on 1,000,000 revoked ids (UUIDv7 text, as clients generate): measured
 * as the used heap after a full GC, with and without the revocations held. The figure is in {@code
 * docs/operations.md}; the bound here only catches a regression by a wide margin.
 */
class RevocationsMemoryTest {
  private static final int IDS = 1_000_000;

  @Test
  void aMillionRevokedIdsTakeAboutEightyBytesEach() {
    List<String> ids = new ArrayList<>(IDS);
    for (int i = 0; i < IDS; i++) {
      ids.add(TaskIds.newId());
    }
    long before = usedAfterGc();
    Revocations revocations =
        new Revocations(
            new MockConsumer<>("earliest"),
            "fennel.revoked",
            Duration.ofDays(7),
            Clock.systemUTC(),
            new RecordGuard(new SimpleMeterRegistry(), "fennel.revoked"),
            id -> {});
    long now = System.currentTimeMillis();
    for (String id : ids) {
      // Each revocation read from Kafka is a new string: keep none shared with the list above.
      revocations.add(new String(id.toCharArray()), now);
    }
    long after = usedAfterGc();

    long perId = (after - before) / IDS;
    System.out.printf(
        "1,000,000 revoked ids: %d MiB, %d bytes per id%n", (after - before) >> 20, perId);
    assertThat(revocations.size()).isEqualTo(IDS);
    assertThat(perId).isBetween(40L, 160L);
    assertThat(revocations.isRevoked(ids.get(IDS / 2))).isTrue();
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
