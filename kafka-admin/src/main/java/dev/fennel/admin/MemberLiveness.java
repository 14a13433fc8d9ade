package dev.fennel.admin;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * How fast a consumer group notices that a worker died (SIGKILL, a lost host): the session timeout
 * and heartbeat of every group member a worker process runs, its queue consumers and the Streams
 * apps it runs beside them (the scheduler of delayed tasks, the workflow coordinator), so that a
 * crashed worker's tasks, delayed tasks and workflow steps all move to the others after the same
 * few seconds instead of Kafka's 45. These hold under the classic group protocol, where the client
 * chooses its session; under KIP-848's the broker does ({@code docs/operations.md}, "Rebalances and
 * crashes", weighs the two and the trade-off of a short session).
 */
public final class MemberLiveness {
  /**
   * How long a group waits for a member it no longer hears from before its partitions go to others:
   * the broker's smallest by default ({@code group.min.session.timeout.ms}); {@code -X
   * session.timeout.ms} changes it.
   */
  public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

  /** How often a member tells its group it is alive: a sixth of the session timeout. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  private MemberLiveness() {}

  /**
   * Sets the session timeout and heartbeat on {@code props} (a consumer's, or a Streams app's,
   * whose consumers take them) unless they are set already, by the pass-through settings ({@code
   * -X}); returns {@code props}.
   */
  public static Properties applyTo(Properties props) {
    props.putIfAbsent(
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(SESSION_TIMEOUT.toMillis()));
    props.putIfAbsent(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(HEARTBEAT_INTERVAL.toMillis()));
    return props;
  }
}
