package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.TaskIds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the ids of a {@code POST /tasks/batch} body, {@code {"ids": ["<task id>", …]}}: each id
 * once, in the order asked. The body is read as it streams past (no tree of up to 100,000 ids
 * first), other fields are skipped whatever they hold, and a batch over the limit is refused as
 * soon as it is.
 */
final class BatchIds {
  private final int max;

  /** Reads batches of at most {@code max} ids. */
  BatchIds(int max) {
    this.max = max;
  }

  /**
   * The ids {@code body} asks for.
   *
   * @throws ApiException 400 for a body that is not such an object or an id that is not valid, 413
   *     for more than the limit
   */
  List<String> parse(byte[] body) {
    try (JsonParser parser = Json.MAPPER.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw notABatch();
      }
      Set<String> unique = null;
      String field;
      while ((field = parser.nextFieldName()) != null) {
        JsonToken value = parser.nextToken();
        if (!field.equals("ids")) {
          parser.skipChildren();
        } else if (value != JsonToken.START_ARRAY) {
          throw notABatch();
        } else {
          unique = ids(parser);
        }
      }
      if (unique == null) {
        throw notABatch();
      }
      return new ArrayList<>(unique);
    } catch (JsonParseException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("the body could not be read: " + e.getMessage());
    }
  }

  /** The ids of the array the parser stands at, checked one by one. */
  private Set<String> ids(JsonParser parser) throws IOException {
    Set<String> unique = new LinkedHashSet<>();
    JsonToken token;
    for (int i = 0; (token = parser.nextToken()) != JsonToken.END_ARRAY; i++) {
      if (i == max) {
        throw new ApiException(
            413,
            "too_many_ids",
            "a batch asks for more than "
                + max
                + " ids, the limit: split it into several requests");
      }
      String id = token == JsonToken.VALUE_STRING ? parser.getText() : null;
      if (id == null || !TaskIds.isValid(id)) {
        throw ApiException.badRequest(
            "ids["
                + i
                + "]: "
                + (id != null
                    ? TaskIds.describeInvalid(id)
                    : "must be a string, was " + Json.kindOf(token)));
      }
      unique.add(id);
    }
    return unique;
  }

  private static ApiException notABatch() {
    return ApiException.badRequest("send a JSON object {\"ids\": [\"<task id>\", ...]}");
  }
}
