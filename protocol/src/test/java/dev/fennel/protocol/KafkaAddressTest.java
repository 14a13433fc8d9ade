package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KafkaAddressTest {
  @Test
  void anAddressIsKeptAsGiven() {
    assertThat(KafkaAddress.require("a:9092,b:9092")).isEqualTo("a:9092,b:9092");
  }

  @Test
  void aMissingOrBlankAddressSaysHowToGiveOne() {
    for (String missing : new String[] {null, "", "  "}) {
      assertThatThrownBy(() -> KafkaAddress.require(missing))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
  }
}
