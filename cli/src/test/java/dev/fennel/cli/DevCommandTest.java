package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DevCommandTest {
  @Test
  void withoutTheDevBrokerItSaysWhatToDo() {
    ClassLoader withoutBroker = new ClassLoader(null) {};

    assertThatThrownBy(() -> DevCommand.requireDevBroker(withoutBroker))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fennel-dev-broker.jar")
        .hasMessageContaining("--bootstrap");
  }

  @Test
  void withTheDevBrokerItGoesOn() {
    assertThatCode(() -> DevCommand.requireDevBroker(DevCommand.class.getClassLoader()))
        .doesNotThrowAnyException();
  }

  @Test
  void onItsDefaultPortsTheBannerPrintsTheCommandsAlone() {
    assertThat(DevCommand.tryLines("localhost:9092", "http://127.0.0.1:8080", null, name -> null))
        .containsExactly(
            "  try:  ./fennel submit fib 20 --wait",
            "        curl \"http://127.0.0.1:8080/tasks/$(./fennel submit fib 20)?wait=5s\"");
  }

  @Test
  void onOtherPortsTheBannerExportsTheAddressesTheCommandsThenUse() {
    // Before, dev on other ports printed "./fennel submit …" and "curl …:8080", which went to
    // 9092 and 8080: another Kafka, or nothing.
    assertThat(DevCommand.tryLines("localhost:19092", "http://127.0.0.1:18080", null, name -> null))
        .containsExactly(
            "  try:  export FENNEL_BOOTSTRAP=localhost:19092 FENNEL_API=http://127.0.0.1:18080",
            "        ./fennel submit fib 20 --wait",
            "        curl \"http://127.0.0.1:18080/tasks/$(./fennel submit fib 20)?wait=5s\"");
  }

  @Test
  void theBannerNamesTheTokenButNeverPrintsIt() {
    String token = "s3cret-token-0123456789";

    assertThat(
            DevCommand.tryLines(
                "localhost:9092",
                "http://127.0.0.1:8080",
                null,
                Map.of("FENNEL_API_TOKEN", token)::get))
        .noneMatch(line -> line.contains(token))
        .anyMatch(line -> line.contains("-H \"Authorization: Bearer $FENNEL_API_TOKEN\""));
    assertThat(
            DevCommand.tryLines(
                "localhost:9092", "http://127.0.0.1:8080", Path.of("/run/token"), name -> null))
        .first()
        .isEqualTo("  try:  export FENNEL_API_TOKEN_FILE=/run/token");
  }
}
