package dev.fennel.protocol;

/**
 * The headers on a {@code fennel.dead-letters} message, which keeps the original bytes of a message
 * that could not be read (a task on a queue, a due task in the scheduler, a workflow) and says why.
 * Every writer takes the names from here; a reader in another language mirrors them.
 */
public final class DeadLetters {
  /** Why the message was refused, in words (always present). */
  public static final String REASON = "fennel.dlq.reason";

  /** The topic the original was read from. */
  public static final String TOPIC = "fennel.dlq.topic";

  /** The partition the original was read from. */
  public static final String PARTITION = "fennel.dlq.partition";

  /** The offset of the original in that partition. */
  public static final String OFFSET = "fennel.dlq.offset";

  /** The worker that refused it. */
  public static final String WORKER = "fennel.dlq.worker";

  /**
   * On a dead letter whose original was too large to copy (with its headers it would not fit in a
   * message): the original's size in bytes. The original stays at the topic, partition and offset
   * the other headers name, until that topic's retention removes it.
   */
  public static final String VALUE_OMITTED = "fennel.dlq.value-omitted-bytes";

  private DeadLetters() {}
}
