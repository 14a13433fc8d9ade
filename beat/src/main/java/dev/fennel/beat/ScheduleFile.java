package dev.fennel.beat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a schedule file: YAML (so JSON too) with a {@code schedules} list.
 *
 * <pre>{@code
 * schedules:
 *   - name: tick
 *     task: echo
 *     args: ["hello"]
 *     every: 10s
 *   - name: nightly-report
 *     task: report
 *     queue: low
 *     cron: "0 2 * * *"
 *     timezone: Europe/Berlin
 * }</pre>
 *
 * Durations ({@code every}, {@code options.expires}, {@code options.timeLimit}) are written in
 * Fennel's one syntax ({@link Durations}); {@code timeLimit} may also be a bare number of seconds.
 *
 * <p>A bad file is an {@link IllegalArgumentException} that lists every problem with its line and
 * schedule name, and says what to write instead.
 *
 * <p>One file over 350 lines, on purpose: one parser whose every step adds to one list of problems
 * with its line, so that a bad file is reported in full at once.
 */
public final class ScheduleFile {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Set<String> FIELDS =
      Set.of("name", "task", "args", "kwargs", "queue", "options", "every", "cron", "timezone");
  private static final Set<String> OPTIONS = Set.of("maxRetries", "timeLimit", "expires");

  private ScheduleFile() {}

  /** The schedules of {@code file}; throws naming every problem in it. */
  public static List<Schedule> load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "beat schedule " + file.toAbsolutePath() + " does not exist: check --beat-schedule", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the beat schedule " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /** The schedules in {@code text}; {@code source} names it in error messages. */
  public static List<Schedule> parse(String text, String source) {
    List<String> problems = new ArrayList<>();
    List<Schedule> schedules = new ArrayList<>();
    try {
      List<Entry> entries = entries(text, source);
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < entries.size(); i++) {
        Entry entry = entries.get(i);
        String where = where(entry, i);
        List<String> own = new ArrayList<>();
        Schedule schedule = schedule(entry.node(), own);
        own.forEach(problem -> problems.add(where + ": " + problem));
        if (schedule != null) {
          Integer first = seen.putIfAbsent(schedule.name(), entry.line());
          if (first != null) {
            problems.add(
                where
                    + ": the name is already used on line "
                    + first
                    + "; names must be unique (they are part of every task id)");
          } else {
            schedules.add(schedule);
          }
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "beat schedule "
              + source
              + " is not valid YAML or JSON (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + "): "
              + e.getOriginalMessage(),
          e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the beat schedule " + source + ": " + e.getMessage(), e);
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "beat schedule "
              + source
              + " has "
              + problems.size()
              + " problem(s):\n  "
              + String.join("\n  ", problems));
    }
    return List.copyOf(schedules);
  }

  private record Entry(int line, JsonNode node) {}

  private static String where(Entry entry, int index) {
    JsonNode name = entry.node().get("name");
    String label =
        name != null && name.isTextual()
            ? "schedule '" + name.asText() + "'"
            : "schedule #" + (index + 1);
    return "line " + entry.line() + ", " + label;
  }

  /** The entries of the {@code schedules} list, each with the line it starts on. */
  private static List<Entry> entries(String text, String source) throws IOException {
    List<Entry> entries = new ArrayList<>();
    String usage =
        "beat schedule "
            + source
            + " must be a mapping with a 'schedules' list, e.g.\n"
            + "schedules:\n  - name: tick\n    task: echo\n    every: 10s";
    try (JsonParser parser = YAML.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(usage);
      }
      boolean found = false;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        int line = parser.currentTokenLocation().getLineNr();
        JsonToken value = parser.nextToken();
        if (!"schedules".equals(field)) {
          throw new IllegalArgumentException(
              "beat schedule "
                  + source
                  + " line "
                  + line
                  + ": unknown top-level field '"
                  + field
                  + "'; the file holds one field, 'schedules'");
        }
        if (value != JsonToken.START_ARRAY) {
          throw new IllegalArgumentException(
              "beat schedule " + source + " line " + line + ": 'schedules' must be a list");
        }
        found = true;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          int entryLine = parser.currentTokenLocation().getLineNr();
          entries.add(new Entry(entryLine, YAML.readTree(parser)));
        }
      }
      if (!found) {
        throw new IllegalArgumentException(usage);
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(
          "beat schedule " + source + " has no schedules: add at least one to the list");
    }
    return entries;
  }

  /** The schedule of one entry, or null with {@code problems} saying why not. */
  private static @Nullable Schedule schedule(JsonNode node, List<String> problems) {
    if (!node.isObject()) {
      problems.add("each schedule is a mapping with name, task and every or cron");
      return null;
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!FIELDS.contains(field)) {
        problems.add(
            "unknown field '" + field + "'; a schedule has " + String.join(", ", sorted(FIELDS)));
      }
    }
    String name = text(node, "name", problems, true);
    String task = text(node, "task", problems, true);
    ArrayNode args = JsonNodeFactory.instance.arrayNode();
    if (node.has("args")) {
      if (node.get("args").isArray()) {
        args = (ArrayNode) node.get("args");
      } else {
        problems.add("args must be a list, e.g. args: [\"hello\"]");
      }
    }
    ObjectNode kwargs = JsonNodeFactory.instance.objectNode();
    if (node.has("kwargs")) {
      if (node.get("kwargs").isObject()) {
        kwargs = (ObjectNode) node.get("kwargs");
      } else {
        problems.add("kwargs must be a mapping, e.g. kwargs: {greeting: hello}");
      }
    }
    String queue = text(node, "queue", problems, false);
    if (queue == null) {
      queue = Topics.DEFAULT_QUEUE;
    }
    Options options = options(node.get("options"), problems);
    Trigger trigger = trigger(node, problems);
    // A missing name, task or trigger has added its problem already.
    if (!problems.isEmpty() || name == null || task == null || trigger == null) {
      return null;
    }
    try {
      return new Schedule(
          name,
          task,
          args,
          kwargs,
          queue,
          options.maxRetries(),
          options.timeLimit(),
          options.expires(),
          trigger);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return null;
    }
  }

  /** An entry's options: retries, time limit and expiry, each with its default when not given. */
  private record Options(int maxRetries, @Nullable Double timeLimit, @Nullable Duration expires) {}

  /**
   * The options in {@code options} (null: none given), with {@code problems} saying what is wrong.
   */
  private static Options options(@Nullable JsonNode options, List<String> problems) {
    if (options == null) {
      return new Options(0, null, null);
    }
    if (!options.isObject()) {
      problems.add("options must be a mapping, e.g. options: {maxRetries: 3, expires: 30s}");
      return new Options(0, null, null);
    }
    for (Iterator<String> names = options.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!OPTIONS.contains(field)) {
        problems.add(
            "unknown option '" + field + "'; options are " + String.join(", ", sorted(OPTIONS)));
      }
    }
    int maxRetries = 0;
    JsonNode retries = options.get("maxRetries");
    if (retries != null) {
      if (retries.canConvertToInt() && retries.isIntegralNumber() && retries.asInt() >= 0) {
        maxRetries = retries.asInt();
      } else {
        problems.add("options.maxRetries must be a whole number, 0 or more");
      }
    }
    Double timeLimit = null;
    JsonNode limit = options.get("timeLimit");
    if (limit != null) {
      Duration duration = duration(limit, "options.timeLimit", ChronoUnit.SECONDS, problems);
      if (duration != null) {
        timeLimit = Durations.toSeconds(duration);
      }
    }
    JsonNode expiry = options.get("expires");
    Duration expires = expiry == null ? null : duration(expiry, "options.expires", null, problems);
    return new Options(maxRetries, timeLimit, expires);
  }

  private static @Nullable Trigger trigger(JsonNode node, List<String> problems) {
    boolean every = node.has("every");
    boolean cron = node.has("cron");
    if (every == cron) {
      problems.add(
          every
              ? "give either every or cron, not both"
              : "missing when to run: give every (e.g. every: 10s) or cron (e.g. cron: \"0 2 * * *\")");
      return null;
    }
    if (every) {
      if (node.has("timezone")) {
        problems.add("timezone applies to cron only; every ticks on a fixed period");
      }
      Duration period = duration(node.get("every"), "every", null, problems);
      if (period == null) {
        return null;
      }
      try {
        return new Trigger.Every(period);
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
        return null;
      }
    }
    String expression = text(node, "cron", problems, true);
    ZoneId zone = ZoneOffset.UTC;
    String zoneName = text(node, "timezone", problems, false);
    if (zoneName != null) {
      try {
        zone = ZoneId.of(zoneName);
      } catch (DateTimeException e) {
        problems.add(
            "timezone '"
                + zoneName
                + "' is not a time zone; give a region id such as Europe/Berlin or UTC");
      }
    }
    if (expression == null) {
      return null;
    }
    try {
      Trigger.Cron trigger = new Trigger.Cron(expression, zone);
      if (trigger.nextAfter(Instant.EPOCH).isEmpty()) {
        problems.add("cron '" + expression + "' never fires");
        return null;
      }
      return trigger;
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return null;
    }
  }

  /**
   * The duration of {@code field}, positive, in the one syntax; a bare number is in {@code
   * bareUnit}, or refused when that is null.
   */
  private static @Nullable Duration duration(
      JsonNode node, String field, @Nullable ChronoUnit bareUnit, List<String> problems) {
    if (!node.isTextual() && !node.isNumber()) {
      problems.add(field + " must be a duration: " + Durations.SYNTAX);
      return null;
    }
    Duration duration;
    try {
      duration =
          bareUnit == null
              ? Durations.parse(node.asText())
              : Durations.parse(node.asText(), bareUnit);
    } catch (IllegalArgumentException e) {
      problems.add(field + " " + e.getMessage());
      return null;
    }
    if (duration.isZero()) {
      problems.add(field + " must be more than 0");
      return null;
    }
    return duration;
  }

  private static @Nullable String text(
      JsonNode node, String field, List<String> problems, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        problems.add("missing " + field);
      }
      return null;
    }
    if (!value.isValueNode() || value.asText().isBlank()) {
      problems.add(field + " must be a non-empty text");
      return null;
    }
    return value.asText();
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }
}
