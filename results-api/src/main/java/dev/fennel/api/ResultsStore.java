package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.StreamsApp;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.ResultExpiry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results of this API instance's share of {@code fennel.results}: reads from a Kafka Streams
 * store (one partition each per instance, restored from the compacted topic), through the cache in
 * front of it, and the requests waiting for a result, woken by the records as they arrive (first by
 * {@link WaitedResults}, which reads ahead of the store for them). The app itself is set up by
 * {@link ResultsStreams}; {@link PartitionOwners} says who owns an id, {@link CatchUp} when this
 * instance is ready.
 */
final class ResultsStore implements ResultLookup, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsStore.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Executor OFF_STREAM_THREAD =
      work -> Thread.ofVirtual().name("fennel-api-caught-up").start(work);

  private final ResultCache cache;
  // The fast lanes read while requests wait (WaitedResults), told by the waiters.
  private final LaneDemand demand = new LaneDemand();
  private final Waiters waiters = new Waiters(demand::waited);
  private final EarlyFinals early;
  private final WaitedResults waited;
  private final BiConsumer<String, StoredResult> onStored;
  private final Admin admin;
  private final StreamsApp app;
  private final PartitionOwners owners;
  private final CatchUp catchUp;
  private final Counter invalidRecords;
  private final Counter expiredRecords;
  private final ResultExpiry expiry;
  private final Clock clock;
  private volatile @Nullable ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> store;
  // The stores of this instance's running tasks, by partition, read directly by lookups.
  private final Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores =
      new ConcurrentHashMap<>();

  /**
   * Creates the topics the store needs if they are missing, then starts this instance's member of
   * the store, reachable by others at {@code self}; {@code onStored} sees every result that
   * arrives.
   */
  ResultsStore(
      ApiConfig config,
      HostInfo self,
      MeterRegistry registry,
      BiConsumer<String, StoredResult> onStored) {
    this(config, self, registry, onStored, Clock.systemUTC());
  }

  /** As above, results expiring at the time {@code clock} tells. */
  ResultsStore(
      ApiConfig config,
      HostInfo self,
      MeterRegistry registry,
      BiConsumer<String, StoredResult> onStored,
      Clock clock) {
    this.onStored = onStored;
    this.expiry = config.expiry();
    this.clock = clock;
    this.cache = new ResultCache(config.cacheSize());
    this.early = new EarlyFinals(clock);
    this.admin = KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT);
    TopicAdmin.ensure(admin, config.layout(), config.topics(), List.of(), ADMIN_TIMEOUT);
    // The copy of the scheduler's store reads its changelog, which no worker may have made yet.
    TopicAdmin.ensureScheduledChangelog(admin, config.layout(), config.topics(), ADMIN_TIMEOUT);
    this.app =
        ResultsStreams.build(
            config,
            self,
            registry,
            ResultsTopology.build(
                config.topics(),
                expiry,
                clock,
                new ResultsTopology.Listener() {
                  @Override
                  public void updated(
                      String id, byte @Nullable [] json, @Nullable StoredResult result) {
                    onResult(id, json, result);
                  }

                  @Override
                  public void expired(String id) {
                    expiredRecords.increment();
                  }
                },
                openStores));
    this.owners = new PartitionOwners(app.streams(), admin, self, config.topics().results());
    this.catchUp = new CatchUp(app.streams(), admin, app.applicationId());
    app.onStateChange(owners::forget);
    invalidRecords =
        Counter.builder("fennel.api.results.invalid")
            .description(
                "Records in the results topic that are no result (no JSON object with a status, or PENDING); answered as pending")
            .register(registry);
    expiredRecords =
        Counter.builder("fennel.api.results.expired")
            .description(
                "Results that outlived their TTL and were deleted (a tombstone written to the results topic)")
            .register(registry);
    CaffeineCacheMetrics.monitor(registry, cache.caffeine(), "results");
    registry.gauge("fennel.api.waiting.requests", waiters, Waiters::size);
    registry.gauge("fennel.api.store.results", this, ResultsStore::approximateSize);
    app.start();
    this.waited = new WaitedResults(config, waiters, early, demand);
  }

  /** Completes with the reason when the store stops for good. */
  CompletableFuture<String> stopped() {
    return app.failed();
  }

  private void onResult(String id, byte @Nullable [] json, @Nullable StoredResult result) {
    // A late STARTED that the store kept out (FinalStaysStore) never comes here: the topology
    // leaves it out, so the cache keeps the final result too, and nobody is told of a change.
    early.stored(id, result);
    cache.update(id, result);
    if (result == null) {
      if (json != null) {
        invalidRecords.increment();
        log.debug(
            "the record for {} in the results topic is no result (not a JSON object with a status); it stays pending",
            id);
      }
      return;
    }
    onStored.accept(id, result);
    if (result.isFinal()) {
      waiters.complete(id, result);
    }
  }

  @Override
  public Owner ownerOf(String id) {
    return owners.ownerOf(id);
  }

  @Override
  public @Nullable StoredResult get(String id) {
    return live(early.newest(id, serving(() -> cache.get(id, this::load))));
  }

  @Override
  public @Nullable StoredResult peek(String id) {
    return live(early.newest(id, serving(() -> cache.peek(id, this::load))));
  }

  /**
   * {@code result}, or null when it has expired: an expired result is answered as unknown from the
   * moment it expires, before the sweep's tombstone deletes it ({@link ResultsTopology}).
   */
  private @Nullable StoredResult live(@Nullable StoredResult result) {
    return result == null || !result.isExpired(expiry, clock.instant()) ? result : null;
  }

  /** The stored result of {@code id}, or null when there is none or it has expired. */
  private @Nullable StoredResult load(String id) {
    int partition = owners.partitionOf(id);
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> own =
        partition < 0 ? null : openStores.get(partition);
    if (own != null) {
      try {
        return live(withTimestamp(own.get(id)));
      } catch (InvalidStateStoreException e) {
        // The task is closing (its partition moves): Kafka Streams knows where it is now.
      }
    }
    return live(withTimestamp(store().get(id)));
  }

  private static @Nullable StoredResult withTimestamp(@Nullable ValueAndTimestamp<byte[]> stored) {
    return stored == null
        ? null
        : StoredResult.of(stored.value(), Instant.ofEpochMilli(stored.timestamp()));
  }

  @Override
  public byte @Nullable [] stored(String id) {
    try {
      return read(id);
    } catch (InvalidStateStoreException e) {
      store = null;
      throw notServing();
    }
  }

  @Override
  public CompletableFuture<byte @Nullable []> storedOnceCaughtUp(String id, Duration wait) {
    CompletableFuture<?> caughtUp = early.storeCaughtUp(id, wait);
    // Woken on the stream thread: what follows (a retry's send) must not hold it.
    return caughtUp.isDone()
        ? ResultLookup.super.storedOnceCaughtUp(id, wait)
        : caughtUp.thenApplyAsync(ignored -> stored(id), OFF_STREAM_THREAD);
  }

  @Override
  public void scan(BiPredicate<String, byte[]> visitor) {
    try {
      for (ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> own : openStores.values()) {
        try (KeyValueIterator<String, ValueAndTimestamp<byte[]>> all = own.all()) {
          while (all.hasNext()) {
            KeyValue<String, ValueAndTimestamp<byte[]>> entry = all.next();
            if (entry.value != null && !visitor.test(entry.key, entry.value.value())) {
              return;
            }
          }
        }
      }
    } catch (InvalidStateStoreException e) {
      throw notServing();
    }
  }

  @Override
  public Set<HostInfo> otherOwners() {
    Set<HostInfo> others = owners.others();
    if (others == null) {
      throw notServing();
    }
    return others;
  }

  /** Runs a lookup; a store that went away (a rebalance) means 503 until it is back. */
  private @Nullable StoredResult serving(Supplier<@Nullable StoredResult> lookup) {
    try {
      return lookup.get();
    } catch (InvalidStateStoreException e) {
      store = null;
      throw notServing();
    }
  }

  @Override
  public CompletableFuture<@Nullable StoredResult> await(String id, Duration wait) {
    CompletableFuture<@Nullable StoredResult> arrival = waiters.await(id, wait);
    // The fast lane may have read the result just before this request began to wait.
    StoredResult now = live(early.newestSeen(id, get(id)));
    if (now != null && now.isFinal()) {
      arrival.complete(now);
    }
    return arrival;
  }

  @Override
  public CompletableFuture<@Nullable StoredResult> awaitAny(List<String> ids, Duration wait) {
    CompletableFuture<@Nullable StoredResult> arrival = waiters.awaitAny(ids, wait);
    for (String id : ids) {
      // peek, as a batch reads: many ids must not push the hot ones out of the cache.
      StoredResult now = live(early.newestSeen(id, peek(id)));
      if (now != null && now.isFinal()) {
        arrival.complete(now);
        break;
      }
    }
    return arrival;
  }

  /** The stored record of {@code id}, from its partition's open store if this instance has it. */
  private byte @Nullable [] read(String id) {
    int partition = owners.partitionOf(id);
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> own =
        partition < 0 ? null : openStores.get(partition);
    if (own != null) {
      try {
        ValueAndTimestamp<byte[]> stored = own.get(id);
        return stored == null ? null : stored.value();
      } catch (InvalidStateStoreException e) {
        // The task is closing (its partition moves): Kafka Streams knows where it is now.
      }
    }
    ValueAndTimestamp<byte[]> stored = store().get(id);
    return stored == null ? null : stored.value();
  }

  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> store() {
    ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> current = store;
    if (current == null) {
      try {
        current =
            app.streams()
                .store(
                    StoreQueryParameters.fromNameAndType(
                        ResultsTopology.STORE, QueryableStoreTypes.timestampedKeyValueStore()));
        store = current;
      } catch (InvalidStateStoreException e) {
        throw notServing();
      }
    }
    return current;
  }

  /**
   * The tasks that wait, from this instance's copy of the scheduler's store (every instance holds
   * all of it).
   */
  ScheduledLookup scheduled() {
    return query -> {
      try {
        ReadOnlyKeyValueStore<String, byte[]> waiting =
            app.streams()
                .store(
                    StoreQueryParameters.fromNameAndType(
                        ResultsTopology.SCHEDULED, QueryableStoreTypes.keyValueStore()));
        try (KeyValueIterator<String, byte[]> all = waiting.all()) {
          return ScheduledListing.page(
              new Iterator<>() {
                @Override
                public boolean hasNext() {
                  return all.hasNext();
                }

                @Override
                public Map.Entry<String, byte[]> next() {
                  KeyValue<String, byte[]> next = all.next();
                  return Map.entry(next.key, next.value);
                }
              },
              query);
        }
      } catch (InvalidStateStoreException e) {
        throw notServing();
      }
    };
  }

  @Override
  public Health health() {
    String failure = failure();
    if (failure != null) {
      return new Failed(failure);
    }
    return catchUp.isDone() ? new Ready() : new Restoring(app.state().name());
  }

  @Override
  public @Nullable String failure() {
    return app.failure();
  }

  private double approximateSize() {
    try {
      return app.state() == KafkaStreams.State.RUNNING
          ? store().approximateNumEntries()
          : Double.NaN;
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  @Override
  public void close() {
    waited.close();
    app.close();
    admin.close(Duration.ofSeconds(5));
  }
}
