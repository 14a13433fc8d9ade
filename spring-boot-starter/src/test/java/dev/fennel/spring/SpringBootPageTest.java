package dev.fennel.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * The properties table of {@code docs/spring-boot.md} is the starter's metadata (what IDEs
 * complete, written by the configuration processor): a row for every property and a property for
 * every row, each described, and each default the metadata knows shown in the table and equal to
 * the code's.
 */
class SpringBootPageTest {
  private static final Path PAGE = Path.of("..", "docs", "spring-boot.md");
  private static final Pattern ROW =
      Pattern.compile("\\| `(fennel\\.[a-z.*-]+)` \\| ([^|]+) \\|.*");
  private static final Map<String, JsonNode> METADATA = new TreeMap<>();
  private static final Map<String, String> DEFAULTS_IN_THE_TABLE = new TreeMap<>();

  @BeforeAll
  static void readTheMetadataAndThePage() throws IOException {
    try (InputStream in =
        SpringBootPageTest.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("the configuration processor's metadata").isNotNull();
      for (JsonNode property : new ObjectMapper().readTree(in).path("properties")) {
        String name = property.path("name").asText();
        // A map is one row, its keys written as '*': fennel.kafka.*
        boolean map = property.path("type").asText().startsWith("java.util.Map");
        METADATA.put(map ? name + ".*" : name, property);
      }
    }
    for (String line : Files.readAllLines(PAGE)) {
      Matcher row = ROW.matcher(line);
      if (row.matches()) {
        DEFAULTS_IN_THE_TABLE.put(row.group(1), row.group(2).strip());
      }
    }
  }

  @Test
  void theTableHasARowForEveryPropertyEachDescribed() {
    assertThat(DEFAULTS_IN_THE_TABLE.keySet()).isEqualTo(METADATA.keySet());
    assertThat(METADATA)
        .allSatisfy(
            (name, property) -> assertThat(property.path("description").asText()).isNotBlank());
  }

  @Test
  void everyDefaultOfTheMetadataIsTheTablesAndTheCodes() {
    List<String> withDefaults = new ArrayList<>();
    METADATA.forEach(
        (name, property) -> {
          JsonNode value = property.path("defaultValue");
          if (!value.isMissingNode()) {
            withDefaults.add(name);
            assertThat(DEFAULTS_IN_THE_TABLE.get(name)).as(name).isEqualTo("`" + text(value) + "`");
          }
        });
    assertThat(withDefaults).hasSizeGreaterThanOrEqualTo(9);

    assertThat(text(METADATA.get("fennel.topic-prefix").path("defaultValue")))
        .isEqualTo(Topics.DEFAULT_PREFIX);
    assertThat(text(METADATA.get("fennel.worker.queues").path("defaultValue")))
        .isEqualTo(String.join(",", Topics.STANDARD_QUEUES));
    assertThat(text(METADATA.get("fennel.worker.priority-queues").path("defaultValue")))
        .isEqualTo(String.join(",", WorkerConfig.DEFAULT_PRIORITY_QUEUES));
    assertThat(duration("fennel.client.max-block")).isEqualTo(TaskClient.Config.DEFAULT_MAX_BLOCK);
    assertThat(duration("fennel.worker.shutdown-timeout"))
        .isEqualTo(WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT);
  }

  /** A default as the table writes it: a list joined with commas, the rest as text. */
  private static String text(JsonNode value) {
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      value.forEach(item -> items.add(item.asText()));
      return String.join(",", items);
    }
    return value.asText();
  }

  private static Duration duration(String name) {
    return DurationStyle.detectAndParse(METADATA.get(name).path("defaultValue").asText());
  }
}
