package dev.fennel.protocol;

/**
 * How workers show in Kafka: one consumer group per queue, shared by every worker serving it, and
 * per worker and queue a client id that names the worker, so that a queue's group members say which
 * workers serve it. Workers use these names; the queues overview ({@code GET /queues}) reads them.
 */
public final class WorkerGroups {
  private WorkerGroups() {}

  /** The consumer group of {@code queue}'s workers, e.g. {@code fennel-worker-high}. */
  public static String groupId(Topics topics, String queue) {
    return topics.applicationId("worker-" + queue);
  }

  /** The client id of worker {@code worker}'s consumer of {@code queue}, e.g. {@code w1-high}. */
  public static String clientId(String worker, String queue) {
    return worker + "-" + queue;
  }

  /**
   * The worker a member of {@code queue}'s group is, from its client id: {@code w1} from {@code
   * w1-high}; any other client id (kcat, a tool, a client id set by hand) as it is.
   */
  public static String workerName(String clientId, String queue) {
    String suffix = "-" + queue;
    return clientId.endsWith(suffix) && clientId.length() > suffix.length()
        ? clientId.substring(0, clientId.length() - suffix.length())
        : clientId;
  }
}
