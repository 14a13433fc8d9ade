package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HandlersTest {
  @Test
  void findsBuiltInsAndServiceLoaderRegistrations() {
    Handlers handlers = Handlers.discover(List.of());

    assertThat(handlers.names()).contains("fib", "echo", "sleep", "fail", "sum", "greet");
    assertThat(handlers.get("greet")).isInstanceOf(ServiceLoadedTask.class);
  }
}
