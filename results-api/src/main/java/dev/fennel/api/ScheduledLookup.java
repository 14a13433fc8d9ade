package dev.fennel.api;

/**
 * What {@code GET /scheduled} asks of the copy of the scheduler's store: a page of the tasks that
 * wait. The Kafka Streams global store implements it; a test fakes it with a sorted map.
 */
interface ScheduledLookup {
  /**
   * The tasks {@code query} asks for, due soonest first.
   *
   * @throws ApiException (503) when the store cannot answer now
   */
  ScheduledListing.Page list(ScheduledListing.Query query);
}
