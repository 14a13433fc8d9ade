package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.beat.Beat;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code fennel beat} processes with an {@code every 1s} schedule; the active one is killed
 * with SIGKILL mid-way. Over 20 s of ticks: each tick is published once, by one process, none is
 * skipped while a process leads, and the standby resumes on the schedule after the killed one's
 * last tick. How long the failover took is printed (docs/beat.md quotes it), not asserted: every
 * {@code atMost} here is Awaitility's give-up bound.
 */
@ExtendWith(KafkaTestBroker.class)
class BeatProcessesIT {
  private static FennelProcess beat(
      KafkaTestBroker.Broker broker, Topics topics, Path schedule, String name, int port) {
    return FennelProcess.start(
        "beat",
        "--bootstrap",
        broker.bootstrapServers(),
        "--topic-prefix",
        topics.prefix(),
        "--beat-schedule",
        schedule.toString(),
        "--partitions",
        "1",
        "-n",
        name,
        "--metrics-port",
        Integer.toString(port));
  }

  private static boolean leads(int port) {
    return FennelProcess.scrapeSum(port, "fennel_beat_leader") == 1;
  }

  @Test
  void aStandbyTakesOverFromAKilledSchedulerWithoutRepeatingATick(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    Path schedule = dir.resolve("beat.yaml");
    Files.writeString(
        schedule,
        """
        schedules:
          - name: tick
            task: echo
            args: ["hello"]
            every: 1s
        """);
    int portA = FennelProcess.freePort();
    int portB = FennelProcess.freePort();
    // Ticks by instant, with the processes that published each.
    TreeMap<Instant, List<String>> ticks = new TreeMap<>();
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    try (FennelProcess a = beat(broker, topics, schedule, "a", portA);
        FennelProcess b = beat(broker, topics, schedule, "b", portB);
        KafkaConsumer<byte[], byte[]> reader =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Runnable read =
          () -> {
            if (reader.assignment().isEmpty()) {
              List<TopicPartition> partitions =
                  reader.partitionsFor(topics.queue("default")).stream()
                      .map(p -> new TopicPartition(p.topic(), p.partition()))
                      .toList();
              reader.assign(partitions);
              reader.seekToBeginning(partitions);
            }
            for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(100))) {
              String id = new String(record.key(), StandardCharsets.UTF_8);
              String by =
                  new String(
                      record.headers().lastHeader(Beat.INSTANCE_HEADER).value(),
                      StandardCharsets.UTF_8);
              ticks
                  .computeIfAbsent(
                      Instant.parse(id.substring("beat:tick:".length())), t -> new ArrayList<>())
                  .add(by);
            }
          };
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> leads(portA) || leads(portB));
      boolean aLeads = leads(portA);
      FennelProcess leader = aLeads ? a : b;
      String leaderName = aLeads ? "a" : "b";
      String standbyName = aLeads ? "b" : "a";
      int standbyPort = aLeads ? portB : portA;
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                read.run();
                return ticks.values().stream().filter(by -> by.contains(leaderName)).count() >= 6;
              });

      leader.kill();
      Instant killed = Instant.now();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> leads(standbyPort));
      Duration failover = Duration.between(killed, Instant.now());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                read.run();
                return Duration.between(ticks.firstKey(), ticks.lastKey()).toSeconds() >= 20
                    && ticks.values().stream().filter(by -> by.contains(standbyName)).count() >= 6;
              });
      read.run();

      System.out.println(
          "failover after SIGKILL took " + failover.toMillis() + " ms; ticks " + ticks);
      assertThat(ticks.values()).as("publishers of each tick").allMatch(by -> by.size() == 1);
      List<Instant> instants = List.copyOf(ticks.keySet());
      Instant lastOfKilled =
          ticks.entrySet().stream()
              .filter(e -> e.getValue().contains(leaderName))
              .map(Map.Entry::getKey)
              .max(Instant::compareTo)
              .orElseThrow();
      Instant firstOfStandby =
          ticks.entrySet().stream()
              .filter(e -> e.getValue().contains(standbyName))
              .map(Map.Entry::getKey)
              .min(Instant::compareTo)
              .orElseThrow();
      assertThat(firstOfStandby)
          .as("no tick of the killed one after the take-over")
          .isAfter(lastOfKilled);
      assertThat(Duration.between(lastOfKilled, firstOfStandby).toMillis() % 1_000)
          .as("the standby's first tick is one of the schedule's")
          .isZero();
      // The ticks are the schedule's instants (their ids), not publish times: outside the
      // failover, each is the one after the tick before it.
      for (int i = 1; i < instants.size(); i++) {
        if (!instants.get(i).equals(firstOfStandby)) {
          assertThat(instants.get(i))
              .as("the tick after " + instants.get(i - 1))
              .isEqualTo(instants.get(i - 1).plusSeconds(1));
        }
      }
      assertThat(aLeads ? b.isAlive() : a.isAlive()).as("the standby still runs").isTrue();
    }
  }
}
