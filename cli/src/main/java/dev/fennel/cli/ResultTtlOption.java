package dev.fennel.cli;

import dev.fennel.api.ApiConfig;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.ResultExpiry;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --result-ttl}: how long results are kept, one option for {@code worker} (and its
 * coordinator), {@code api} and {@code dev}, which runs both and takes it once.
 */
final class ResultTtlOption {
  @Option(
      names = "--result-ttl",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_RESULT_TTL:-" + ResultExpiry.DEFAULT_TTL_TEXT + "}",
      converter = Converter.class,
      description =
          "How long a result is kept after it is written, unless its task asked otherwise (resultTtl): then it is deleted "
              + "everywhere and GET /tasks/{id} answers 404. 0 keeps results forever; a bare number is seconds "
              + "(env FENNEL_RESULT_TTL; default ${DEFAULT-VALUE}). Finished workflows' state follows it too.")
  Duration resultTtl = ResultExpiry.DEFAULT_TTL;

  /** {@code config} keeping results for {@code --result-ttl}. */
  WorkerConfig applyTo(WorkerConfig config) {
    return config.toBuilder().resultTtl(resultTtl).build();
  }

  /** {@code config} keeping results for {@code --result-ttl}. */
  ApiConfig applyTo(ApiConfig config) {
    return config.toBuilder().resultTtl(resultTtl).build();
  }

  /** Reads a TTL: a duration in Fennel's syntax, or 0 (forever); refuses anything else. */
  static final class Converter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return ResultExpiry.parseTtl(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
