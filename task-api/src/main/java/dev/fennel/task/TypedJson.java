package dev.fennel.task;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The mapper of {@link TaskArgs} made without one (a unit test's), built on first use. */
final class TypedJson {
  private TypedJson() {}

  /** Unknown fields ignored, as the worker's mapper ignores them; modules on the class path too. */
  static ObjectMapper defaultMapper() {
    return Holder.MAPPER;
  }

  private static final class Holder {
    static final ObjectMapper MAPPER =
        JsonMapper.builder()
            .findAndAddModules()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
  }
}
