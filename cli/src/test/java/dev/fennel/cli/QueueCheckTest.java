package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link QueueCheck}'s two bounds, against sockets of this test rather than Kafka: an address
 * nothing listens on is an error at once, and one that accepts a connection but never speaks Kafka
 * has its time to answer and then an error saying so.
 */
class QueueCheckTest {
  @Test
  void anAddressNothingListensOnIsNamedWithWhyWithoutKafkasClient() throws IOException {
    String address = "127.0.0.1:" + closedPort();

    assertThatThrownBy(() -> QueueCheck.requireListening(address))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot reach Kafka at " + address + " (" + address + ": ")
        .hasMessageContaining("Connection refused")
        .hasMessageContaining("./fennel dev starts one");
  }

  @Test
  void oneAddressOfTheListThatAcceptsIsEnough() throws IOException {
    try (ServerSocket listening = listening()) {
      String bootstrap = "127.0.0.1:" + closedPort() + ", 127.0.0.1:" + listening.getLocalPort();

      assertThatCode(() -> QueueCheck.requireListening(bootstrap)).doesNotThrowAnyException();
    }
  }

  @Test
  void anAddressItCannotReadIsLeftToKafkasClient() {
    for (String bootstrap : List.of("localhost", "localhost:port", ":9092", "localhost:70000")) {
      assertThatCode(() -> QueueCheck.requireListening(bootstrap))
          .as(bootstrap)
          .doesNotThrowAnyException();
    }
  }

  @Test
  void aListenerThatNeverAnswersKafkaIsAnErrorAfterItsTimeToAnswer() throws IOException {
    try (ServerSocket silent = listening()) {
      KafkaOptions kafka = new KafkaOptions();
      kafka.bootstrap = "127.0.0.1:" + silent.getLocalPort();
      kafka.topicPrefix = Topics.DEFAULT_PREFIX;

      assertThatThrownBy(() -> QueueCheck.require(kafka, List.of("default"), Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "cannot reach Kafka at "
                  + kafka.bootstrap
                  + ": it accepts connections but did not list its topics within 1 s.");
    }
  }

  /** A socket that accepts connections (the kernel's backlog) and never reads or writes. */
  private static ServerSocket listening() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  /** A loopback port nothing listens on any more. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = listening()) {
      return socket.getLocalPort();
    }
  }
}
