package dev.fennel.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The wire codecs, one operation each, on the seed run's message: a {@code fib(10)} task and its
 * result. Each task costs one encode in the client and one decode in the worker; each result one
 * encode in the worker and one read in the API (and one decode in a client that fetches it).
 *
 * <p>It lives in the protocol's package to reach {@link IsoInstant} and {@link TaskIds}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  private Task task;
  private byte[] taskBytes;
  private byte[] key;
  private TaskResult result;
  private byte[] resultBytes;
  private Instant instant;
  private String instantText;
  private String id;

  /** Builds one task and its result, as a worker sees them. */
  @Setup
  public void setUp() {
    id = TaskIds.newId();
    ArrayNode args = Json.MAPPER.createArrayNode().add(10);
    Instant submitted = Instant.parse("2026-11-28T13:24:35.123456Z");
    task = Task.builder(id, "fib").args(args).queue("default").submittedAt(submitted).build();
    taskBytes = TaskCodec.encode(task);
    key = id.getBytes(StandardCharsets.UTF_8);
    result =
        TaskResult.success(
            task,
            IntNode.valueOf(55),
            "worker-1",
            submitted.plusMillis(2),
            submitted.plusMillis(3));
    resultBytes = ResultCodec.encode(result);
    instant = submitted;
    instantText = submitted.toString();
  }

  /** The client's cost per task published. */
  @Benchmark
  public byte[] taskEncode() {
    return TaskCodec.encode(task);
  }

  /** The worker's cost per message taken. */
  @Benchmark
  public TaskCodec.Decoded taskDecode() {
    return TaskCodec.decode(key, taskBytes);
  }

  /** The worker's cost per result written. */
  @Benchmark
  public byte[] resultEncode() {
    return ResultCodec.encode(result);
  }

  /** A Java client's cost per result fetched. */
  @Benchmark
  public TaskResult resultDecode() {
    return ResultCodec.decode(resultBytes);
  }

  /** One instant written; a result has three. */
  @Benchmark
  public String instantFormat() {
    return IsoInstant.format(instant);
  }

  /** The JDK's way, for comparison. */
  @Benchmark
  public String instantFormatJdk() {
    return instant.toString();
  }

  /** One instant read. */
  @Benchmark
  public Instant instantParse() {
    return IsoInstant.parse(instantText);
  }

  /** The JDK's way, for comparison. */
  @Benchmark
  public Instant instantParseJdk() {
    return Instant.parse(instantText);
  }

  /** The id check every message and every batch lookup makes. */
  @Benchmark
  public boolean idCheck() {
    return TaskIds.isValid(id);
  }
}
