package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultCacheTest {
  private final Map<String, StoredResult> store = new HashMap<>();
  private final ResultCache cache = new ResultCache(100);

  private static StoredResult result(String id, Status status) {
    return StoredResult.of(
        ResultCodec.encode(
            TaskResult.builder(id, status)
                .task("fib")
                .result(status == Status.SUCCESS ? IntNode.valueOf(1) : null)
                .error(status == Status.SUCCESS ? null : new TaskError("X", "x"))
                .queue("default")
                .worker("w")
                .attempts(1)
                .finishedAt(Instant.EPOCH)
                .build()));
  }

  /** What the results stream does: the store first, then the cache. */
  private void arrive(String id, StoredResult result) {
    store.put(id, result);
    cache.update(id, result);
  }

  @Test
  void finalResultsAreServedFromTheCacheAfterTheFirstLookup() {
    arrive("a", result("a", Status.SUCCESS));
    assertThat(cache.get("a", store::get).status()).isEqualTo("SUCCESS");
    store.clear();

    assertThat(cache.get("a", store::get).status()).isEqualTo("SUCCESS");
    assertThat(cache.caffeine().stats().hitCount()).isEqualTo(1);
  }

  @Test
  void resultsNobodyReadAreNotCached() {
    arrive("a", result("a", Status.SUCCESS));
    arrive("b", result("b", Status.SUCCESS));

    assertThat(cache.caffeine().estimatedSize()).isZero();
    assertThat(cache.get("a", store::get).status()).isEqualTo("SUCCESS");
    assertThat(cache.caffeine().estimatedSize()).isEqualTo(1);
  }

  @Test
  void aPeekReadsTheCacheButDoesNotFillIt() {
    arrive("a", result("a", Status.SUCCESS));
    arrive("b", result("b", Status.SUCCESS));
    cache.get("a", store::get);

    assertThat(cache.peek("b", store::get).status()).isEqualTo("SUCCESS");
    assertThat(cache.caffeine().asMap()).containsOnlyKeys("a");

    store.clear();
    assertThat(cache.peek("a", store::get).status()).isEqualTo("SUCCESS");
    assertThat(cache.peek("b", store::get)).isNull();
  }

  @Test
  void aRetryIsNeverCachedSoItsSuccessIsSeenAtOnce() {
    arrive("r", result("r", Status.RETRY));
    assertThat(cache.get("r", store::get).status()).isEqualTo("RETRY");

    arrive("r", result("r", Status.SUCCESS));

    assertThat(cache.get("r", store::get).status()).isEqualTo("SUCCESS");
  }

  @Test
  void aNewRecordReplacesACachedOne() {
    arrive("f", result("f", Status.FAILURE));
    assertThat(cache.get("f", store::get).status()).isEqualTo("FAILURE");

    arrive("f", result("f", Status.SUCCESS));
    store.clear();

    assertThat(cache.get("f", store::get).status()).isEqualTo("SUCCESS");
  }

  @Test
  void unknownIdsAreNotCached() {
    assertThat(cache.get("nobody", store::get)).isNull();
    arrive("nobody", result("nobody", Status.SUCCESS));

    assertThat(cache.get("nobody", store::get)).isNotNull();
  }

  @Test
  void aStatusThisVersionDoesNotKnowIsCachedAsFinalAndReplacedByALaterRecord() {
    // docs/versioning.md, rule 2: such a status is final; the stream keeps the entry coherent.
    StoredResult partial =
        StoredResult.of(
            "{\"v\":2,\"id\":\"p\",\"status\":\"PARTIAL\"}".getBytes(StandardCharsets.UTF_8));
    arrive("p", partial);
    assertThat(cache.get("p", store::get).status()).isEqualTo("PARTIAL");

    store.clear();
    assertThat(cache.get("p", store::get).status()).isEqualTo("PARTIAL");

    arrive("p", result("p", Status.SUCCESS));
    assertThat(cache.get("p", store::get).status()).isEqualTo("SUCCESS");
  }

  @Test
  void aTombstoneRemovesTheEntry() {
    arrive("t", result("t", Status.SUCCESS));
    cache.get("t", store::get);

    store.remove("t");
    cache.update("t", null);

    assertThat(cache.get("t", store::get)).isNull();
  }
}
