package dev.fennel.admin;

import dev.fennel.protocol.KafkaAddress;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Streams app of a Fennel process (the worker's scheduler, the workflow coordinator, the
 * results store), run the one way they all run: the shared settings, a state directory (a temporary
 * one is deleted on close, or by a later start when its process was killed: {@link
 * TemporaryStateDir}), a deliberate answer to every dead stream thread ({@link
 * StreamThreadFailures}), the Micrometer binder, and a close that leaves the group so the
 * partitions move at once. The topology stays the caller's pure function; what differs between apps
 * (exactly-once, standby replicas, {@code application.server}, the thread-death policy) is said by
 * the caller, through the {@link Builder}.
 */
public final class StreamsApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

  /** How long {@link #close()} waits for the app to commit and leave its group, unless told. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(60);

  /** What a dead stream thread gets. */
  public sealed interface Decision permits Replace, ShutDown {}

  /** Start a new stream thread in place of the dead one; {@code reason} is logged. */
  public record Replace(String reason) implements Decision {}

  /** Stop the app for good: {@link #failed()} completes with {@code reason}. */
  public record ShutDown(String reason) implements Decision {}

  private final String name;
  private final String applicationId;
  private final Path stateDir;
  private final @Nullable TemporaryStateDir temporaryState;
  private final Duration closeTimeout;
  private final Function<Throwable, Decision> onThreadDeath;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics metrics;
  private final List<Runnable> stateListeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> running = new CompletableFuture<>();
  private final CompletableFuture<String> failed = new CompletableFuture<>();

  private StreamsApp(
      Builder builder,
      Path stateDir,
      @Nullable TemporaryStateDir temporaryState,
      Topology topology,
      MeterRegistry registry) {
    this.name = builder.name;
    this.applicationId = builder.applicationId;
    this.stateDir = stateDir;
    this.temporaryState = temporaryState;
    this.closeTimeout = builder.closeTimeout;
    Properties properties = builder.properties(stateDir);
    this.onThreadDeath =
        builder.onThreadDeath != null
            ? builder.onThreadDeath
            : StreamThreadFailures.withDefaultBudget(
                    StreamsConfig.EXACTLY_ONCE_V2.equals(
                        properties.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)))
                ::decide;
    this.streams = new KafkaStreams(topology, properties);
    streams.setUncaughtExceptionHandler(this::onThreadDeath);
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.RUNNING) {
            running.complete(null);
          } else if (now == KafkaStreams.State.ERROR) {
            failed.complete("Kafka Streams is " + now);
          }
          stateListeners.forEach(Runnable::run);
        });
    this.metrics = new KafkaStreamsMetrics(streams, builder.meterTags);
    metrics.bindTo(registry);
  }

  /**
   * A filter that keeps out of a registry the Kafka Streams metrics that record nothing at the
   * recording level the Kafka settings {@code kafka} set ({@code metrics.recording.level}, {@code
   * INFO} when unset): each of them would be a series that stays {@code NaN} or 0 for the life of
   * the process. Configure it on a registry before any app binds to it.
   *
   * @throws IllegalArgumentException when {@code kafka} sets a recording level Kafka does not know
   */
  public static MeterFilter unrecordedMetricsFilter(Map<String, String> kafka) {
    var level = UnrecordedMetrics.levelOf(kafka);
    return MeterFilter.deny(id -> UnrecordedMetrics.unrecorded(id.getName(), level));
  }

  /**
   * A builder of the app {@code applicationId} (its consumer group, and the prefix of its internal
   * topics and of its temporary state directory) on Kafka at {@code bootstrapServers} with the
   * pass-through settings {@code kafka}, called {@code name} in logs, e.g. {@code "scheduler"}.
   */
  public static Builder builder(
      String name, String applicationId, String bootstrapServers, Map<String, String> kafka) {
    return new Builder(name, applicationId, bootstrapServers, kafka);
  }

  /**
   * Starts the app: it joins its group and restores its state. If starting fails the app is closed
   * and the error thrown.
   */
  public void start() {
    try {
      streams.start();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Calls {@code listener} on every change of the app's state; before {@link #start} only. */
  public void onStateChange(Runnable listener) {
    stateListeners.add(listener);
  }

  /** The app's consumer group, the {@code application.id}. */
  public String applicationId() {
    return applicationId;
  }

  /** The Kafka Streams client, for queries of its metadata and stores. */
  public KafkaStreams streams() {
    return streams;
  }

  /** The app's state now. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Completes the first time the app runs (its partitions assigned and restored). */
  public CompletableFuture<Void> running() {
    return running;
  }

  /** Completes with the reason when the app stops for good; never completes otherwise. */
  public CompletableFuture<String> failed() {
    return failed;
  }

  /** Why the app has stopped (for good, or because it is stopping), or null while it runs. */
  public @Nullable String failure() {
    if (failed.isDone()) {
      return failed.join();
    }
    KafkaStreams.State state = streams.state();
    return switch (state) {
      case ERROR, PENDING_ERROR, NOT_RUNNING, PENDING_SHUTDOWN -> "Kafka Streams is " + state;
      default -> null;
    };
  }

  /** The answer to a stream thread that died of {@code error}, as the app's policy decides. */
  StreamThreadExceptionResponse onThreadDeath(Throwable error) {
    return switch (onThreadDeath.apply(error)) {
      case Replace replace -> {
        log.warn(
            "{}: a stream thread died of {}; starting a new one", name, replace.reason(), error);
        yield StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      case ShutDown shutDown -> {
        if (failed.complete(shutDown.reason())) {
          log.error("{} stops for good: {}", name, shutDown.reason(), error);
        }
        yield StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
    };
  }

  /** The directory of the app's state. */
  Path stateDir() {
    return stateDir;
  }

  /**
   * Commits, leaves the group (so the partitions move now, not after the session times out) and
   * stops, then deletes a temporary state directory.
   */
  @Override
  public void close() {
    streams.close(new KafkaStreams.CloseOptions().timeout(closeTimeout).leaveGroup(true));
    metrics.close();
    if (temporaryState != null) {
      temporaryState.close();
    }
  }

  /**
   * The settings of one app: the ones every Fennel app shares are set; {@link #set} adds the app's
   * own (they win over the shared ones and the pass-through settings).
   */
  public static final class Builder {
    private final String name;
    private final String applicationId;
    private final String bootstrapServers;
    private final Map<String, String> kafka;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private @Nullable String clientId;
    private @Nullable Path stateDir;
    private @Nullable Function<Throwable, Decision> onThreadDeath;
    private List<Tag> meterTags = List.of();
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private boolean workerLiveness;

    private Builder(
        String name, String applicationId, String bootstrapServers, Map<String, String> kafka) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a Streams app needs a name for its logs");
      }
      if (applicationId == null || applicationId.isBlank()) {
        throw new IllegalArgumentException("the application id of " + name + " is blank");
      }
      this.name = name;
      this.applicationId = applicationId;
      this.bootstrapServers = KafkaAddress.require(bootstrapServers);
      this.kafka = Map.copyOf(kafka);
    }

    /** Sets the client id of the app's clients (default: Kafka's, from the application id). */
    public Builder clientId(String newClientId) {
      clientId = newClientId;
      return this;
    }

    /**
     * Keeps the state in {@code dir}, created when missing and left in place on close (default: a
     * temporary directory, deleted on close).
     */
    public Builder stateDir(@Nullable Path dir) {
      stateDir = dir;
      return this;
    }

    /**
     * Lets the app's group notice a dead member as fast as a worker's queue consumers do ({@link
     * MemberLiveness}; {@code -X session.timeout.ms} still wins), for the apps every worker runs:
     * without it a crashed worker's share of the app waits Kafka's 45 s session timeout.
     */
    public Builder workerLiveness() {
      workerLiveness = true;
      return this;
    }

    /** Processes exactly once: every output, store change and offset in one transaction. */
    public Builder exactlyOnce() {
      return set(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    }

    /**
     * Sets one of the app's own settings, e.g. {@code StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG}.
     */
    public Builder set(String key, Object value) {
      settings.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
      return this;
    }

    /**
     * Sets what a dead stream thread gets (default: {@link StreamThreadFailures} with its default
     * budget, for an exactly-once app if {@link #exactlyOnce} was called). The policy runs on the
     * dying thread.
     */
    public Builder onThreadDeath(Function<Throwable, Decision> policy) {
      onThreadDeath = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Sets the tags of the app's {@code kafka.stream.*} meters (default none). */
    public Builder meterTags(List<Tag> tags) {
      meterTags = List.copyOf(tags);
      return this;
    }

    /** Sets how long close waits (default {@link #DEFAULT_CLOSE_TIMEOUT}). */
    public Builder closeTimeout(Duration timeout) {
      closeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets up (without starting) {@code topology} as this app, its meters in {@code registry};
     * creates its state directory.
     */
    public StreamsApp build(Topology topology, MeterRegistry registry) {
      RocksDbLibrary.load();
      Path configured = stateDir;
      @Nullable TemporaryStateDir temporary = null;
      Path dir;
      try {
        if (configured == null) {
          temporary = TemporaryStateDir.create(applicationId);
          dir = temporary.path();
        } else {
          dir = Files.createDirectories(configured);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot create a state directory for the " + name + ": " + e.getMessage(), e);
      }
      try {
        return new StreamsApp(this, dir, temporary, topology, registry);
      } catch (RuntimeException e) {
        if (temporary != null) {
          temporary.close();
        }
        throw e;
      }
    }

    /** The app's settings, with its state in {@code dir}. */
    Properties properties(Path dir) {
      Properties props = KafkaClients.common(bootstrapServers, kafka, clientId);
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
      props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
      // A new app reads its topics from their start, and never a record of an aborted
      // transaction: workers, the scheduler, the coordinator and beat may write transactionally.
      props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
      props.put(
          StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
      if (workerLiveness) {
        MemberLiveness.applyTo(props);
      }
      props.putAll(settings);
      return props;
    }
  }
}
