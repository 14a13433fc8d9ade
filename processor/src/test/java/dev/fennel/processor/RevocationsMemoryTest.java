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
 * A worker holds 1,000,000 revoked ids (UUIDv7 text, as clients generate) and finds each. It also
 * prints the heap they take (used heap after a full GC, with and without them): that figure, how it
 * was measured and the command are in {@code docs/BENCHMARKS.md}; a measurement is not asserted.
 */
class RevocationsMemoryTest {
  private static final int IDS = 1_000_000;

  @Test
  void aMillionRevokedIdsAreHeldAndEachIsFound() {
    List<String> ids = new ArrayList<>(IDS);
    for (int i = 0; i < IDS; i++) {
      ids.add(TaskIds.newId());
    }
    long before = usedAfterGc();
    Revocations revocations =
        new Revocations(
            new MockConsumer<>("earliest"),
            new MockConsumer<>("earliest"),
            "fennel.revoked",
            Duration.ofDays(7),
            Clock.systemUTC(),
            new RecordGuard(new SimpleMeterRegistry(), "fennel.revoked"),
            id -> {});
    long now = Clock.systemUTC().millis();
    for (String id : ids) {
      // Each revocation read from Kafka is a new string: keep none shared with the list above.
      revocations.add(new String(id.toCharArray()), now);
    }
    long after = usedAfterGc();

    System.out.printf(
        "1,000,000 revoked ids: %d MiB, %d bytes per id%n",
        (after - before) >> 20, (after - before) / IDS);
    assertThat(revocations.size()).isEqualTo(IDS);
    assertThat(ids).allMatch(revocations::isRevoked);
    assertThat(revocations.isRevoked(TaskIds.newId())).isFalse();
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
