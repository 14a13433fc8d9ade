package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void defaultNamesAreTheDocumentedOnes() {
    Topics topics = Topics.defaults();

    assertThat(Topics.STANDARD_QUEUES.stream().map(topics::queue))
        .containsExactly("fennel.tasks.high", "fennel.tasks.default", "fennel.tasks.low");
    assertThat(topics.results()).isEqualTo("fennel.results");
    assertThat(topics.deadLetters()).isEqualTo("fennel.dead-letters");
    assertThat(topics.priorityResults()).isEqualTo("fennel.priority-results");
    assertThat(topics.applicationId("worker-high")).isEqualTo("fennel-worker-high");
  }

  @Test
  void aResultGoesToTheResultsAndToTheCopiesItsPartAndPriorityAskFor() {
    Topics topics = Topics.defaults();

    assertThat(topics.resultTopics("t-1")).containsExactly("fennel.results");
    assertThat(topics.resultTopics("wf@0"))
        .containsExactly("fennel.results", "fennel.workflow-results");
    assertThat(topics.resultTopics("t-1", true))
        .containsExactly("fennel.results", "fennel.priority-results");
    assertThat(topics.resultTopics("wf@0", true))
        .containsExactly("fennel.results", "fennel.workflow-results", "fennel.priority-results");
  }

  @Test
  void prefixIsConfigurable() {
    Topics topics = new Topics("acme.prod.");

    assertThat(topics.queue("low")).isEqualTo("acme.prod.tasks.low");
    assertThat(topics.applicationId("results-api")).isEqualTo("acme-prod-results-api");
  }

  @Test
  void badNamesAreRejectedWithTheRule() {
    assertThatThrownBy(() -> new Topics("fennel")).hasMessageContaining("ending with a dot");
    assertThatThrownBy(() -> Topics.defaults().queue("High Priority"))
        .hasMessageContaining("a-z 0-9");
  }

  @Test
  void aQueueNameIsOneToSixtyFourOfLowerCaseLettersDigitsUnderscoreAndDash() {
    assertThat(Topics.isQueueName("a")).isTrue();
    assertThat(Topics.isQueueName("high")).isTrue();
    assertThat(Topics.isQueueName("0_z-9")).isTrue();
    assertThat(Topics.isQueueName("q".repeat(64))).isTrue();

    assertThat(Topics.isQueueName(null)).isFalse();
    assertThat(Topics.isQueueName("")).isFalse();
    assertThat(Topics.isQueueName("q".repeat(65))).isFalse();
    for (String bad : List.of("High", "a b", "a.b", "a/b", "ä", "a\n", "`", "{", "@", "[", ":")) {
      assertThat(Topics.isQueueName(bad)).as(bad).isFalse();
    }
  }
}
