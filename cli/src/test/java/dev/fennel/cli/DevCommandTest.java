package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
