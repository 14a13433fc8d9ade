package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.TaskIds;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the ids of a {@code POST /tasks/batch} body, {@code {"ids": ["<task id>", …]}}: each id
 * once, in the order asked. The body is read as it streams past (no copy of it, no tree of up to
 * 100,000 ids first), other fields are skipped whatever they hold, and a batch over either limit
 * (ids, bytes: also a chunked body, whose length nobody announced) is refused as soon as it is.
 */
final class BatchIds {
  private final int max;
  private final long maxBytes;

  /** Reads batches of at most {@code max} ids in at most {@code maxBytes} bytes. */
  BatchIds(int max, long maxBytes) {
    this.max = max;
    this.maxBytes = maxBytes;
  }

  /**
   * The ids {@code body} asks for.
   *
   * @throws ApiException 400 for a body that is not such an object or an id that is not valid, 413
   *     for more than the limits
   */
  List<String> parse(byte[] body) {
    return parse(new ByteArrayInputStream(body), body.length);
  }

  /**
   * The ids the body {@code in} streams asks for; {@code announced} is its length as the request
   * said, or -1 when it did not (chunked).
   *
   * @throws ApiException 400 for a body that is not such an object or an id that is not valid, 413
   *     for more than the limits
   */
  List<String> parse(InputStream in, long announced) {
    if (announced > maxBytes) {
      throw tooLarge();
    }
    try (JsonParser parser = Json.MAPPER.createParser(new Bounded(in, maxBytes))) {
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
    } catch (TooLarge e) {
      throw tooLarge();
    } catch (JsonParseException e) {
      if (e.getCause() instanceof TooLarge) {
        throw tooLarge();
      }
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

  private ApiException tooLarge() {
    return new ApiException(
        413,
        "too_large",
        "the body is more than "
            + maxBytes
            + " bytes, the limit (--max-request-bytes): split the batch into several requests");
  }

  /** Thrown by {@link Bounded} past its limit. */
  private static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("the body is over the limit", null);
    }
  }

  /** An input stream that fails with {@link TooLarge} once more than {@code limit} bytes pass. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && --left < 0) {
        throw new TooLarge();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        left -= n;
        if (left < 0) {
          throw new TooLarge();
        }
      }
      return n;
    }
  }

  private static ApiException notABatch() {
    return ApiException.badRequest("send a JSON object {\"ids\": [\"<task id>\", ...]}");
  }
}
