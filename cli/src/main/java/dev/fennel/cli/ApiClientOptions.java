package dev.fennel.cli;

import dev.fennel.api.ApiConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ApiToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** How a command reaches the results API: its address and the bearer token it may require. */
final class ApiClientOptions {
  /**
   * The API a command talks to when neither {@code --api} nor FENNEL_API says: the client library's
   * default, which is where {@code fennel api} listens by default ({@link ApiConfig#DEFAULT_HOST},
   * {@link ApiConfig#DEFAULT_PORT}; a test holds the two together).
   */
  static final String DEFAULT_API = TaskClient.Config.DEFAULT_API;

  @Option(
      names = "--api",
      paramLabel = "URL",
      defaultValue = "${env:FENNEL_API:-" + DEFAULT_API + "}",
      description = "Results API (env FENNEL_API; default ${DEFAULT-VALUE}).")
  String api;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_TOKEN_FILE}",
      description =
          "A file holding the bearer token the API requires (env FENNEL_API_TOKEN_FILE, or the"
              + " token itself in FENNEL_API_TOKEN).")
  @Nullable Path tokenFile;

  /** A client of {@link #api} that sends the token, if one is given. */
  ResultsClient client() {
    return new ResultsClient(api, token(tokenFile, System::getenv));
  }

  /**
   * The bearer token: the content of {@code tokenFile} when given, else {@code FENNEL_API_TOKEN},
   * normalized by {@link ApiToken#normalize} (no surrounding white space; blank is none): the API
   * server and its clients read it the same way.
   */
  static @Nullable String token(@Nullable Path tokenFile, Function<String, @Nullable String> env) {
    return secret(tokenFile, "--token-file", "FENNEL_API_TOKEN", env);
  }

  /**
   * A secret: the content of {@code file} (given by {@code option}) when given, else the variable
   * {@code variable}, normalized as a token is.
   */
  static @Nullable String secret(
      @Nullable Path file, String option, String variable, Function<String, @Nullable String> env) {
    if (file != null) {
      try {
        return ApiToken.normalize(Files.readString(file));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read " + option + " " + file + ": " + e.getMessage(), e);
      }
    }
    return ApiToken.normalize(env.apply(variable));
  }
}
