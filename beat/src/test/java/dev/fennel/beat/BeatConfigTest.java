package dev.fennel.beat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link BeatConfig}'s builder: the defaults of fennel beat, and refusals that name the value. */
class BeatConfigTest {
  private static final List<Schedule> TICK =
      List.of(Schedule.of("tick", "echo", new Trigger.Every(Duration.ofSeconds(1))));

  @Test
  void theBuildersDefaultsAreFennelBeats() {
    BeatConfig config = BeatConfig.builder("k:9").name("b1").schedules(TICK).build();

    assertThat(config)
        .isEqualTo(
            new BeatConfig(
                "k:9",
                Topics.defaults(),
                Map.of(),
                TopicLayout.DEFAULT,
                "b1",
                TICK,
                BeatConfig.DEFAULT_SESSION_TIMEOUT));
    assertThat(BeatConfig.of("k:9", Topics.defaults(), "b1", TICK)).isEqualTo(config);
    assertThat(config.toBuilder().build()).isEqualTo(config);
    assertThat(config.toBuilder().sessionTimeout(Duration.ofSeconds(9)).build().sessionTimeout())
        .isEqualTo(Duration.ofSeconds(9));
  }

  @Test
  void missingOrBadSettingsAreRefusedOnBuild() {
    assertThatThrownBy(() -> BeatConfig.builder("k:9").schedules(TICK).build())
        .hasMessage("beat name is not set: give -n NAME");
    assertThatThrownBy(() -> BeatConfig.builder("k:9").name("b1").build())
        .hasMessageStartingWith("no schedules");
    assertThatThrownBy(
            () ->
                BeatConfig.builder("k:9")
                    .name("b1")
                    .schedules(TICK)
                    .sessionTimeout(Duration.ofMillis(500))
                    .build())
        .hasMessage("session timeout (--session-timeout) must be at least 1s, was 500ms");
  }
}
