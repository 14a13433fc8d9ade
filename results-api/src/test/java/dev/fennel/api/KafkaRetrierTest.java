package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Topics;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.junit.jupiter.api.Test;

/** What the retries of a failed transaction fail with; the writing itself is KafkaRetrierIT's. */
class KafkaRetrierTest {

  @Test
  void aRefusalOfAccessSaysWhatToGrantUnderTheInstallationsPrefix() {
    RuntimeException initTransactions =
        new TransactionalIdAuthorizationException("Transactional Id authorization failed.");

    RuntimeException failure = KafkaRetrier.failure(initTransactions, new Topics("acme.jobs."));

    assertThat(failure).isInstanceOf(RetryRoute.Refused.class).hasCause(initTransactions);
    assertThat(failure.getMessage())
        .contains(
            "Transactional Id authorization failed.",
            "WRITE on acme.jobs.results",
            "acme.jobs.tasks.q for queue q",
            "WRITE and DESCRIBE on the transactional ids prefixed acme-jobs-results-api-retry",
            "Asking again will not help");
    RuntimeException commit =
        new KafkaException(
            "Cannot execute transactional method because we are in an error state",
            new TopicAuthorizationException(
                "Not authorized to access topics: [acme.jobs.results]"));
    assertThat(KafkaRetrier.failure(commit, Topics.defaults()))
        .isInstanceOf(RetryRoute.Refused.class)
        .hasMessageContaining("Not authorized to access topics");
  }

  @Test
  void anyOtherFailureIsKeptAsItIsForTheClientToAskAgain() {
    RuntimeException timeout = new TimeoutException("no broker answered");

    assertThat(KafkaRetrier.failure(timeout, Topics.defaults())).isSameAs(timeout);
  }
}
