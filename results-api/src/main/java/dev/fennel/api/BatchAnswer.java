package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.TaskIds;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the answer of {@code POST /tasks/batch}, {@code {"results": […], "unknown": […]}}, in one
 * array of its exact size: the stored results are valid JSON (checked when they were read) and go
 * in as their bytes, and ids are plain ASCII (checked on the way in), so nothing is parsed, escaped
 * or copied twice. Its size is counted in a {@code long} and checked against the limit before the
 * array is made.
 */
final class BatchAnswer {
  private static final byte[] HEAD = "{\"results\":[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MIDDLE = "],\"unknown\":[".getBytes(StandardCharsets.US_ASCII);

  private BatchAnswer() {}

  /**
   * The answer: the results found here, then those other instances sent, then the ids nobody knows.
   *
   * @throws ApiException 413 when it would be more than {@code limit} bytes
   */
  static byte[] write(
      List<StoredResult> found, List<JsonNode> remoteFound, List<String> unknown, long limit) {
    List<byte[]> results = new ArrayList<>(found.size() + remoteFound.size());
    found.forEach(result -> results.add(result.json()));
    remoteFound.forEach(result -> results.add(Json.write(result)));
    List<byte[]> ids = new ArrayList<>(unknown.size());
    for (String id : unknown) {
      // Remote answers come back through JSON: re-check before writing an id without escaping.
      ids.add(TaskIds.requireValid(id).getBytes(StandardCharsets.US_ASCII));
    }
    long size = HEAD.length + MIDDLE.length + 2L + Math.max(0, results.size() - 1);
    size += Math.max(0, ids.size() - 1);
    for (byte[] result : results) {
      size += result.length;
    }
    for (byte[] id : ids) {
      size += id.length + 2L;
    }
    if (size > limit) {
      throw ApiException.answerTooLarge("this batch", limit);
    }
    ByteBuffer out = ByteBuffer.allocate((int) size);
    out.put(HEAD);
    for (int i = 0; i < results.size(); i++) {
      if (i > 0) {
        out.put((byte) ',');
      }
      out.put(results.get(i));
    }
    out.put(MIDDLE);
    for (int i = 0; i < ids.size(); i++) {
      if (i > 0) {
        out.put((byte) ',');
      }
      out.put((byte) '"').put(ids.get(i)).put((byte) '"');
    }
    out.put((byte) ']').put((byte) '}');
    return out.array();
  }
}
