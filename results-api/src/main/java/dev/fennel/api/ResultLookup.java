package dev.fennel.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;

/**
 * What the HTTP layer asks of the results store: where an id's result lives, the result itself, a
 * wait for it, and the store's health. The Kafka Streams store implements it; a test fakes it with
 * a map, so the HTTP answers are tested without Kafka.
 */
interface ResultLookup {

  /** Which instance holds the result of {@code id}. */
  Owner ownerOf(String id);

  /**
   * Which instance answers for {@code id}: this one when {@code forwarded} (another instance sent
   * the request here as the owner), else its owner.
   */
  default Owner ownerOf(String id, boolean forwarded) {
    return forwarded ? new Local() : ownerOf(id);
  }

  /**
   * {@code ids} grouped by where their results live: here, or at each other instance. With {@code
   * forwarded} (another instance sent them here as their owner) all are taken as local.
   *
   * @throws ApiException (503) when an owner is not known now
   */
  default Split split(List<String> ids, boolean forwarded) {
    List<String> local = new ArrayList<>();
    Map<HostInfo, List<String>> remote = new LinkedHashMap<>();
    for (String id : ids) {
      switch (ownerOf(id, forwarded)) {
        case Unknown unknown -> throw notServing();
        case Local here -> local.add(id);
        case Remote there -> remote.computeIfAbsent(there.host(), h -> new ArrayList<>()).add(id);
      }
    }
    return new Split(local, remote);
  }

  /** Ids by where their results live: {@code local} here, {@code remote} by owning instance. */
  record Split(List<String> local, Map<HostInfo, List<String>> remote) {}

  /**
   * The result of {@code id} from this instance's partitions, or null while none is known.
   *
   * @throws ApiException (503) when the store cannot answer now
   */
  @Nullable StoredResult get(String id);

  /**
   * Like {@link #get}, but a result read from the store is not kept in the cache: for batches,
   * whose many ids would push the hot ones out and pay for the cache's upkeep on each.
   *
   * @throws ApiException (503) when the store cannot answer now
   */
  default @Nullable StoredResult peek(String id) {
    return get(id);
  }

  /**
   * The record of {@code id} as this instance's store holds it, every field kept (a {@code
   * FAILURE}'s {@code failedTask} too, which {@link #get} leaves out), or null while none is known;
   * read from the store, never kept in the cache: for a retry.
   *
   * @throws ApiException (503) when the store cannot answer now
   */
  byte @Nullable [] stored(String id);

  /**
   * Completes with {@link #stored} once this instance's store holds the result a lookup answers for
   * {@code id} (a final result read ahead of the store, {@link EarlyFinals}, reaches it a moment
   * later), or with what it holds after {@code wait}: for a decision on the whole record that must
   * agree with what a client was just told. Fails as {@link #stored} does.
   */
  default CompletableFuture<byte @Nullable []> storedOnceCaughtUp(String id, Duration wait) {
    try {
      return CompletableFuture.completedFuture(stored(id));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Hands every record of this instance's partitions (as {@link #stored}) to {@code visitor}, one
   * at a time, until it answers false.
   *
   * @throws ApiException (503) when the store cannot answer now
   */
  void scan(BiPredicate<String, byte[]> visitor);

  /**
   * The other instances that own partitions of the results, to ask for theirs.
   *
   * @throws ApiException (503) when an owner is not known now
   */
  Set<HostInfo> otherOwners();

  /**
   * Completes with the final result of {@code id} when it arrives here, or with null after {@code
   * wait}.
   */
  CompletableFuture<@Nullable StoredResult> await(String id, Duration wait);

  /**
   * Completes with the final result of the first of {@code ids} (this instance's) that has one,
   * already or when it arrives here, or with null after {@code wait}: one waiting request for all.
   */
  CompletableFuture<@Nullable StoredResult> awaitAny(List<String> ids, Duration wait);

  /**
   * Whether the store serves, is still restoring, or has failed for good; may ask Kafka, so it can
   * take a moment.
   */
  Health health();

  /**
   * Why the store has stopped for good, or null while it runs; answers at once (liveness asks it).
   */
  @Nullable String failure();

  /** The 503 for a lookup the store cannot answer now: not ready yet, or failed for good. */
  default ApiException notServing() {
    String failure = failure();
    return failure != null
        ? ApiException.unavailable(
            "failed",
            "the results store has stopped for good ("
                + failure
                + "); this instance needs a restart")
        : ApiException.unavailable(
            "not_ready",
            "the results store is not ready (restoring, or the instances are rebalancing); "
                + "retry shortly or watch /health/ready");
  }

  /** Where the result of an id lives. */
  sealed interface Owner permits Local, Remote, Unknown {}

  /** On this instance. */
  record Local() implements Owner {}

  /** On another instance, reachable at {@code host}. */
  record Remote(HostInfo host) implements Owner {}

  /** Nobody knows yet (starting or rebalancing). */
  record Unknown() implements Owner {}

  /** The store's health, as {@code /health/*} report it. */
  sealed interface Health permits Restoring, Ready, Failed {}

  /** Not serving yet, or not caught up with the results topic; {@code state} says where it is. */
  record Restoring(String state) implements Health {}

  /** Restored and serving. */
  record Ready() implements Health {}

  /** Stopped for good ({@code reason}): the process needs a restart. */
  record Failed(String reason) implements Health {}
}
