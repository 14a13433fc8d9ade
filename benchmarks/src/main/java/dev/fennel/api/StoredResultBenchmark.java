package dev.fennel.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The results API's scan of a stored result ({@link StoredResult}), on the seed run's records: a
 * {@code fib(10)} task's {@code STARTED} and its {@code SUCCESS}, as a worker writes them. The
 * store's ingestion scans each record once ({@code asStored}), and a read of a result by id that
 * the API's cache does not answer scans it again ({@code of}). One record, held in cache, scanned
 * over and over: a lower bound of what the running API pays. Each returns the result, never null: a
 * record the scan refused would fail the run rather than be measured.
 *
 * <p>It lives in the API's package to reach {@link StoredResult}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Fewer rounds left errors as large as the means on this 2-core machine (docs/BENCHMARKS.md).
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(2)
public class StoredResultBenchmark {
  private static final String ID = "01a25201-d678-7404-bbb9-0c3bf137a095";

  private final byte[] success =
      ("{\"v\":1,\"id\":\""
              + ID
              + "\",\"task\":\"fib\",\"status\":\"SUCCESS\",\"result\":55,"
              + "\"queue\":\"default\",\"worker\":\"dev\",\"attempts\":1,"
              + "\"submittedAt\":\"2026-12-07T19:36:21.881179356Z\","
              + "\"startedAt\":\"2026-12-07T19:36:21.944558344Z\","
              + "\"finishedAt\":\"2026-12-07T19:36:21.946190919Z\",\"resultTtl\":604800}")
          .getBytes(StandardCharsets.UTF_8);
  private final byte[] started =
      ("{\"v\":1,\"id\":\""
              + ID
              + "\",\"task\":\"fib\",\"status\":\"STARTED\","
              + "\"queue\":\"default\",\"worker\":\"dev\",\"attempts\":1,"
              + "\"submittedAt\":\"2026-12-07T19:36:21.881179356Z\","
              + "\"startedAt\":\"2026-12-07T19:36:21.944558344Z\"}")
          .getBytes(StandardCharsets.UTF_8);
  private final Instant writtenAt = Instant.parse("2026-12-07T19:36:21.947Z");

  /** The ingestion's scan of a final result. */
  @Benchmark
  public Object ingestSuccess() {
    return Objects.requireNonNull(StoredResult.asStored(success, writtenAt));
  }

  /** The ingestion's scan of a {@code STARTED}. */
  @Benchmark
  public Object ingestStarted() {
    return Objects.requireNonNull(StoredResult.asStored(started, writtenAt));
  }

  /** A read by id: the scan of the stored final result. */
  @Benchmark
  public Object readSuccess() {
    return Objects.requireNonNull(StoredResult.of(success, writtenAt));
  }
}
