package dev.fennel.cli;

import dev.fennel.devbroker.EmbeddedKafka;
import java.nio.file.Path;

/**
 * {@code fennel dev}'s embedded broker, behind a type of the cli's own: {@link DevCommand} never
 * names {@link EmbeddedKafka}, not even in a lambda's signature, because picocli reads every method
 * of a command and the image's class path leaves the dev broker out (its {@code --help} failed with
 * {@code NoClassDefFoundError}). Only a started {@code dev} loads this class.
 */
final class DevBroker implements AutoCloseable {
  private final EmbeddedKafka kafka;

  private DevBroker(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  /** A single-broker KRaft cluster on {@code localhost:port}, keeping its data in {@code dir}. */
  static DevBroker start(int port, Path dir) {
    return new DevBroker(EmbeddedKafka.start(new EmbeddedKafka.Options("localhost", port, dir, 1)));
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  @Override
  public void close() {
    kafka.close();
  }
}
