package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.TopicAdmin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results of this API instance's share of {@code fennel.results}: a Kafka Streams store (one
 * partition each per instance, restored from the compacted topic), the cache in front of it, and
 * the requests waiting for a result. Knows which instance owns any id.
 */
final class ResultsStore implements ResultLookup, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsStore.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final Serializer<String> KEYS = new StringSerializer();

  /** The {@code app} tag of this process's Kafka Streams meters. */
  private static final String APP = "results-api";

  private static final Owner LOCAL = new Local();
  private static final Owner UNKNOWN = new Unknown();

  private final ResultCache cache;
  private final Waiters waiters = new Waiters();
  private final Path stateDir;
  private final boolean temporaryState;
  private final HostInfo self;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final BiConsumer<String, StoredResult> onStored;
  private final Admin admin;
  private final String applicationId;
  private volatile ReadOnlyKeyValueStore<String, byte[]> store;
  private final Map<TopicPartition, Long> catchUpTargets = new ConcurrentHashMap<>();
  private volatile boolean caughtUp;
  private final CompletableFuture<String> stopped = new CompletableFuture<>();
  private final StreamThreadFailures failures =
      new StreamThreadFailures(
          Clock.systemUTC(), StreamThreadFailures.MAX_REPLACEMENTS, StreamThreadFailures.WINDOW);
  private final Counter threadsReplaced;
  private final Counter invalidRecords;
  private volatile String fatal;
  private final String resultsTopic;
  private volatile int resultsPartitions;
  // Who owns each partition of the results topic, rebuilt after every state change and at least
  // every OWNERS_TTL: asking Kafka Streams per key cost a batch lookup most of its time.
  private volatile Owners owners;
  // The stores of this instance's running tasks, by partition, read directly by lookups.
  private final Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores =
      new ConcurrentHashMap<>();
  private static final long OWNERS_TTL_NANOS = Duration.ofSeconds(1).toNanos();

  /** A snapshot of the owners of the results topic's partitions. */
  private record Owners(Owner[] byPartition, long builtAt) {}

  ResultsStore(
      ApiConfig config,
      HostInfo self,
      MeterRegistry registry,
      BiConsumer<String, StoredResult> onStored) {
    this.self = self;
    this.onStored = onStored;
    this.cache = new ResultCache(config.cacheSize());
    this.temporaryState = config.stateDir() == null;
    try {
      this.stateDir =
          temporaryState
              ? Files.createTempDirectory("fennel-api-")
              : Files.createDirectories(config.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the API state directory: " + e.getMessage(), e);
    }
    this.admin = KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT);
    TopicAdmin.ensure(admin, config.layout(), config.topics(), List.of(), ADMIN_TIMEOUT);
    Properties props = KafkaClients.common(config.bootstrapServers(), config.kafka(), null);
    this.applicationId = config.topics().applicationId("results-api");
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
    props.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    // Readiness follows committed offsets; a 1 s commit keeps it (and a restart's replay) short.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    props.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Workers may run with exactly_once_v2: never serve a result from an aborted transaction.
    props.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    streams =
        new KafkaStreams(ResultsTopology.build(config.topics(), this::onResult, openStores), props);
    this.resultsTopic = config.topics().results();
    streams.setStateListener((now, before) -> owners = null);
    threadsReplaced =
        Counter.builder("fennel.streams.thread.replaced")
            .description("Kafka Streams threads that died of a recoverable error and were replaced")
            .tag("app", APP)
            .register(registry);
    invalidRecords =
        Counter.builder("fennel.api.results.invalid")
            .description(
                "Records in the results topic that are no result (no JSON object with a status, or PENDING); answered as pending")
            .register(registry);
    streams.setUncaughtExceptionHandler(this::onThreadDeath);
    CaffeineCacheMetrics.monitor(registry, cache.caffeine(), "results");
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    registry.gauge("fennel.api.waiting.requests", waiters, Waiters::size);
    registry.gauge("fennel.api.store.results", this, ResultsStore::approximateSize);
    streams.start();
  }

  /** Completes with the reason when the store stops for good. */
  CompletableFuture<String> stopped() {
    return stopped;
  }

  private StreamThreadExceptionResponse onThreadDeath(Throwable error) {
    return switch (failures.decide(error)) {
      case StreamThreadFailures.Replace replace -> {
        threadsReplaced.increment();
        log.warn("a results stream thread died of {}; starting a new one", replace.reason(), error);
        yield StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      case StreamThreadFailures.ShutDown shutDown -> {
        fatal = shutDown.reason();
        stopped.complete(shutDown.reason());
        log.error(
            "the results store stops for good: {}. This API instance answers 503 from now on and /health/live "
                + "fails; restart it once the cause is fixed",
            shutDown.reason(),
            error);
        yield StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
    };
  }

  private void onResult(String id, byte[] json) {
    StoredResult result = StoredResult.of(json);
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
    Owners snapshot = owners;
    if (snapshot == null || System.nanoTime() - snapshot.builtAt() > OWNERS_TTL_NANOS) {
      snapshot = snapshotOwners();
      owners = snapshot;
    }
    if (snapshot != null) {
      Owner[] byPartition = snapshot.byPartition();
      return byPartition[partitionOf(id, byPartition.length)];
    }
    return ownerOfByQuery(id);
  }

  /** The owner of every partition, or null when one has none (starting, rebalancing). */
  private Owners snapshotOwners() {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return null;
    }
    try {
      int partitions = resultsPartitions;
      if (partitions == 0) {
        partitions =
            admin
                .describeTopics(List.of(resultsTopic))
                .allTopicNames()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(resultsTopic)
                .partitions()
                .size();
        resultsPartitions = partitions;
      }
      long builtAt = System.nanoTime();
      Owner[] byPartition = new Owner[partitions];
      for (var client : streams.metadataForAllStreamsClients()) {
        Owner owner = client.hostInfo().equals(self) ? LOCAL : new Remote(client.hostInfo());
        for (TopicPartition tp : client.topicPartitions()) {
          if (tp.topic().equals(resultsTopic) && tp.partition() < partitions) {
            byPartition[tp.partition()] = owner;
          }
        }
      }
      for (Owner owner : byPartition) {
        if (owner == null) {
          return null;
        }
      }
      return new Owners(byPartition, builtAt);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("cannot snapshot the owners of the results partitions yet", e);
      return null;
    }
  }

  private Owner ownerOfByQuery(String id) {
    KafkaStreams.State state = streams.state();
    if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
      return UNKNOWN;
    }
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(ResultsTopology.STORE, id, KEYS);
    } catch (IllegalStateException e) {
      // The client left RUNNING/REBALANCING since the check above (stopping or failed).
      return UNKNOWN;
    }
    if (metadata == null
        || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)
        || metadata.activeHost() == null
        || metadata.activeHost().equals(HostInfo.unavailable())) {
      return isRunning() ? LOCAL : UNKNOWN;
    }
    return metadata.activeHost().equals(self) ? LOCAL : new Remote(metadata.activeHost());
  }

  @Override
  public StoredResult get(String id) {
    return serving(() -> cache.get(id, key -> StoredResult.of(read(key))));
  }

  @Override
  public StoredResult peek(String id) {
    return serving(() -> cache.peek(id, key -> StoredResult.of(read(key))));
  }

  /** Runs a lookup; a store that went away (a rebalance) means 503 until it is back. */
  private StoredResult serving(Supplier<StoredResult> lookup) {
    try {
      return lookup.get();
    } catch (InvalidStateStoreException e) {
      store = null;
      throw notServing();
    }
  }

  @Override
  public CompletableFuture<StoredResult> await(String id, Duration wait) {
    CompletableFuture<StoredResult> arrival = waiters.await(id, wait);
    StoredResult now = get(id);
    if (now != null && now.isFinal()) {
      arrival.complete(now);
    }
    return arrival;
  }

  /** The stored record of {@code id}, from its partition's open store if this instance has it. */
  private byte[] read(String id) {
    int partitions = resultsPartitions;
    if (partitions > 0) {
      ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> own =
          openStores.get(partitionOf(id, partitions));
      if (own != null) {
        try {
          ValueAndTimestamp<byte[]> stored = own.get(id);
          return stored == null ? null : stored.value();
        } catch (InvalidStateStoreException e) {
          // The task is closing (its partition moves): Kafka Streams knows where it is now.
        }
      }
    }
    return store().get(id);
  }

  private int partitionOf(String id, int partitions) {
    // Kafka's default partitioner, as the workers' producers place each result.
    return Utils.toPositive(Utils.murmur2(KEYS.serialize(resultsTopic, id))) % partitions;
  }

  private ReadOnlyKeyValueStore<String, byte[]> store() {
    ReadOnlyKeyValueStore<String, byte[]> current = store;
    if (current == null) {
      try {
        current =
            streams.store(
                StoreQueryParameters.fromNameAndType(
                    ResultsTopology.STORE, QueryableStoreTypes.keyValueStore()));
        store = current;
      } catch (InvalidStateStoreException e) {
        throw notServing();
      }
    }
    return current;
  }

  @Override
  public Health health() {
    String failure = failure();
    if (failure != null) {
      return new Failed(failure);
    }
    return isReady() ? new Ready() : new Restoring(streams.state().name());
  }

  @Override
  public String failure() {
    String failed = fatal;
    if (failed != null) {
      return failed;
    }
    KafkaStreams.State state = streams.state();
    return switch (state) {
      case ERROR, PENDING_ERROR, NOT_RUNNING, PENDING_SHUTDOWN -> "Kafka Streams is " + state;
      default -> null;
    };
  }

  private double approximateSize() {
    try {
      return isRunning() ? store().approximateNumEntries() : Double.NaN;
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Whether the store is serving and has caught up with every result that existed when it started:
   * the group's committed offset of each active partition has reached the partition's end offset as
   * first seen, so a busy topic cannot keep the instance from ever being ready. Once caught up it
   * stays so while Kafka Streams runs.
   */
  private boolean isReady() {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return false;
    }
    if (caughtUp) {
      return true;
    }
    try {
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> groupOffsets =
          admin
              .listConsumerGroupOffsets(applicationId)
              .partitionsToOffsetAndMetadata()
              .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> committed = new HashMap<>();
      for (var thread : streams.metadataForLocalThreads()) {
        for (var task : thread.activeTasks()) {
          for (TopicPartition tp : task.topicPartitions()) {
            var offset = groupOffsets.get(tp);
            committed.put(tp, offset == null ? -1L : offset.offset());
          }
        }
      }
      Map<TopicPartition, OffsetSpec> missing = new HashMap<>();
      committed.keySet().stream()
          .filter(tp -> !catchUpTargets.containsKey(tp))
          .forEach(tp -> missing.put(tp, OffsetSpec.latest()));
      if (!missing.isEmpty()) {
        admin
            .listOffsets(missing)
            .all()
            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .forEach((tp, info) -> catchUpTargets.put(tp, info.offset()));
      }
      // An empty partition has nothing to catch up with (and no committed offset to show).
      caughtUp =
          committed.entrySet().stream()
              .allMatch(
                  e -> {
                    long target = catchUpTargets.get(e.getKey());
                    return target == 0 || e.getValue() >= target;
                  });
      return caughtUp;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("cannot tell yet whether the store has caught up", e);
      return false;
    }
  }

  /** The store answers lookups (maybe not yet caught up). */
  private boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  @Override
  public void close() {
    // Leave the group so the partitions move now, not after the session times out.
    streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
    streamsMetrics.close();
    admin.close(Duration.ofSeconds(5));
    if (temporaryState) {
      try (var paths = Files.walk(stateDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException e) {
        log.debug("could not delete {}", stateDir, e);
      }
    }
  }
}
