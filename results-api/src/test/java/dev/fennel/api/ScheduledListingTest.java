package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.ScheduledKey;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The decisions of {@code GET /scheduled}, over a sorted map as the store, with no Kafka. */
class ScheduledListingTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  /** A store as the scheduler keeps it: sorted by key, so by due time. */
  private final TreeMap<String, byte[]> store = new TreeMap<>();

  private void waits(Task task, Instant due) {
    store.put(
        new ScheduledKey(due.toEpochMilli(), task.queue(), task.id()).text(),
        TaskCodec.encode(task));
  }

  private static Task task(String id, String queue) {
    return Task.builder(id, "sleep").queue(queue).submittedAt(T0).build();
  }

  private ScheduledListing.Page page(String queue, String limit) {
    return ScheduledListing.page(store.entrySet().iterator(), ScheduledListing.query(queue, limit));
  }

  @Test
  void tasksAreListedDueSoonestFirstWhateverOrderTheyCameIn() {
    List<Integer> seconds = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      seconds.add(i);
    }
    Collections.shuffle(seconds, new Random(7));
    for (int s : seconds) {
      // Due times of 9 s and 10 s: a key sorts by time, not by the text of the number.
      waits(task("t-" + s, s % 2 == 0 ? "high" : "low"), T0.plusSeconds(s == 0 ? 9 : s * 10L));
    }

    ScheduledListing.Page page = page(null, "5");

    assertThat(page.tasks())
        .extracting(ScheduledListing.Waiting::id)
        .containsExactly("t-0", "t-1", "t-2", "t-3", "t-4");
    assertThat(page.tasks().get(0).dueAt()).isEqualTo(T0.plusSeconds(9));
    assertThat(page.tasks().get(1).dueAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(page.more()).isTrue();
  }

  @Test
  void aQueueListsOnlyItsOwnTasksAndAFullListSaysThereIsNoMore() {
    waits(task("h-1", "high"), T0.plusSeconds(1));
    waits(task("l-1", "low"), T0.plusSeconds(2));
    waits(task("h-2", "high"), T0.plusSeconds(3));

    ScheduledListing.Page high = page("high", null);

    assertThat(high.tasks()).extracting(ScheduledListing.Waiting::id).containsExactly("h-1", "h-2");
    assertThat(high.tasks()).allMatch(t -> t.queue().equals("high"));
    assertThat(high.more()).isFalse();
    assertThat(page("high", "2").more()).isFalse();
    assertThat(page("high", "1").more()).isTrue();
    assertThat(page("default", null).tasks()).isEmpty();
  }

  @Test
  void eachTaskSaysWhyItWaitsAndAnUnsaidReasonIsDerivedFromItsAttempt() {
    Task countdown = task("c", "default").toBuilder().delayReason(DelayReasons.COUNTDOWN).build();
    Task retryLater =
        task("r", "default").nextAttempt(T0.plusSeconds(60), DelayReasons.RETRY_LATER);
    Task olderClientsRetry = task("o", "default").withAttempt(3);
    Task olderClientsEta = task("e", "default");
    waits(countdown, T0.plusSeconds(1));
    waits(retryLater, T0.plusSeconds(2));
    waits(olderClientsRetry, T0.plusSeconds(3));
    waits(olderClientsEta, T0.plusSeconds(4));

    List<ScheduledListing.Waiting> tasks = page(null, null).tasks();

    assertThat(tasks)
        .extracting(ScheduledListing.Waiting::reason)
        .containsExactly(
            DelayReasons.COUNTDOWN, DelayReasons.RETRY_LATER, DelayReasons.RETRY, DelayReasons.ETA);
    assertThat(tasks.get(1).attempt()).isEqualTo(2);
    assertThat(tasks.get(0))
        .isEqualTo(
            new ScheduledListing.Waiting(
                "c", "sleep", "default", T0.plusSeconds(1), "countdown", 1, T0));
  }

  @Test
  void recordsTheSchedulerDidNotWriteAreLeftOutAndDoNotCountAgainstTheLimit() {
    store.put("not a key", TaskCodec.encode(task("x", "default")));
    store.put(
        new ScheduledKey(T0.toEpochMilli(), "default", "bad").text(),
        "{not json".getBytes(StandardCharsets.UTF_8));
    waits(task("good", "default"), T0.plusSeconds(5));

    ScheduledListing.Page page = page(null, "1");

    assertThat(page.tasks()).extracting(ScheduledListing.Waiting::id).containsExactly("good");
    assertThat(page.more()).isFalse();
  }

  @Test
  void theLimitIsAWholeNumberFromOneToTheMaximumAndDefaultsToAHundred() {
    assertThat(ScheduledListing.query(null, null).limit()).isEqualTo(100);
    assertThat(ScheduledListing.query("", "").limit()).isEqualTo(100);
    assertThat(ScheduledListing.query(null, "1000").limit()).isEqualTo(1000);
    for (String bad : new String[] {"0", "-3", "1001", "ten", "2.5", "99999999999"}) {
      assertThatThrownBy(() -> ScheduledListing.query(null, bad))
          .as(bad)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("limit must be a whole number from 1 to 1000")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void aQueueThatCannotBeAQueueNameIsRefusedNamingTheRule() {
    assertThat(ScheduledListing.query("high", null).queue()).isEqualTo("high");
    assertThat(ScheduledListing.query(null, null).queue()).isNull();
    for (String bad : new String[] {"High", "a b", "x".repeat(65), "../etc"}) {
      assertThatThrownBy(() -> ScheduledListing.query(bad, null))
          .as(bad)
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageStartingWith("queue must be a queue name, 1 to 64 of a-z 0-9 _ -");
    }
  }

  @Test
  void aLongTaskNameIsCutAsOnTheLivePage() {
    waits(Task.builder("long", "n".repeat(5000)).queue("default").build(), T0);

    assertThat(page(null, null).tasks().get(0).task()).hasSize(TaskSummary.MAX_TEXT);
  }

  @Test
  void anEmptyStoreListsNothing() {
    assertThat(
            ScheduledListing.page(
                Map.<String, byte[]>of().entrySet().iterator(), ScheduledListing.query(null, null)))
        .isEqualTo(new ScheduledListing.Page(List.of(), false));
  }
}
