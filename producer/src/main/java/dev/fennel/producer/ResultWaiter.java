package dev.fennel.producer;

import dev.fennel.protocol.TaskResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The one waiter of a client: holds long-poll requests ({@code POST /tasks/batch?wait=}) for the
 * ids whose results someone waits for, and completes their futures when the API answers. No thread
 * of its own and no polling loop: a request is sent when ids need one and answered by the API as
 * soon as one of its ids is final (or its wait ends), and the answer's handler sends the next.
 *
 * <p>The rule: at most {@link #MAX_REQUESTS} requests are held at once, each for at most {@link
 * #MAX_IDS} ids. An id that is waited for is in exactly one held request, or queued for the next
 * one. A new id goes out at once in a request of its own while fewer than {@code MAX_REQUESTS} are
 * held; when all are held, the ids that came within {@link #MERGE_DELAY} are gathered and the
 * smallest held request is replaced by one for its ids and the new ones (while they fit), so a new
 * task's result is never behind a long wait for older ones, and a burst of submits costs one new
 * request per {@code MERGE_DELAY}, not one per submit. An id nobody waits for any more (its futures
 * cancelled or completed) is not asked again; a held request whose ids are all such is cancelled.
 * An API that cannot be reached, or answers 5xx or 503, is asked again after a pause that doubles
 * from 250 ms to 5 s; an answer that will not change by asking again (401, 400) fails the futures
 * of its ids.
 *
 * <p>One piece of about 400 lines: the rule above is one state (who waits, what is queued, what is
 * held) under one lock, and each event (an await, an answer, a pause's end, a cancel, a close)
 * changes it in one place; {@code ResultWaiterTest} drives it with a fake API and clock.
 */
final class ResultWaiter implements AutoCloseable {
  /** The most requests held at once. */
  static final int MAX_REQUESTS = 4;

  /** The most ids one request asks for. */
  static final int MAX_IDS = 1_000;

  /** How long one request asks the API to hold it. */
  static final Duration WAIT = Duration.ofSeconds(30);

  /** How long new ids are gathered before a held request is replaced to take them. */
  static final Duration MERGE_DELAY = Duration.ofMillis(5);

  /** The pause before ids answered early without a final result are asked again. */
  static final Duration EARLY_PAUSE = Duration.ofMillis(200);

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  /** Asks the API for the results of some ids, held until one is final or {@code wait} ends. */
  interface BatchWait {
    /**
     * The results the API knows of {@code ids} (final or not); fails with {@link Refused} for an
     * answer that asking again will not change, with anything else for one that may.
     */
    CompletableFuture<List<TaskResult>> ask(List<String> ids, Duration wait);

    /** Lets go of what asking holds (connections, threads); called once, when the waiter closes. */
    default void close() {}
  }

  /** An answer that asking again will not change (401, 400): the futures of its ids fail. */
  static final class Refused extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /** One held request. */
  private static final class Held {
    final List<String> ids;
    final long sentNanos;
    volatile @Nullable CompletableFuture<List<TaskResult>> answer;
    volatile boolean superseded;

    Held(List<String> ids, long sentNanos) {
      this.ids = ids;
      this.sentNanos = sentNanos;
    }
  }

  private final BatchWait api;
  private final Function<Duration, Executor> later;
  private final LongSupplier nanos;
  private final String closedMessage;

  // Guarded by this. Completions and sends happen after the lock is let go.
  private final Map<String, Set<CompletableFuture<TaskResult>>> waiting = new HashMap<>();
  private final LinkedHashSet<String> queued = new LinkedHashSet<>();
  private final Map<String, Held> heldBy = new HashMap<>();
  private final Set<Held> held = new LinkedHashSet<>();
  private final Set<String> paused = new HashSet<>();
  private int failures;
  private boolean backingOff;
  private boolean mergeScheduled;
  private boolean closed;

  /**
   * A waiter asking {@code api}; {@code later} runs a task after a pause, {@code nanos} reads a
   * monotonic clock, {@code closedMessage} is why the futures outstanding at {@link #close} fail.
   */
  ResultWaiter(
      BatchWait api, Function<Duration, Executor> later, LongSupplier nanos, String closedMessage) {
    this.api = api;
    this.later = later;
    this.nanos = nanos;
    this.closedMessage = closedMessage;
  }

  /** A waiter over {@code api} with real pauses and clock. */
  static ResultWaiter over(BatchWait api, String closedMessage) {
    return new ResultWaiter(
        api,
        pause -> CompletableFuture.delayedExecutor(pause.toMillis(), TimeUnit.MILLISECONDS),
        System::nanoTime,
        closedMessage);
  }

  /**
   * A future of the final result of {@code id}; cancel it to stop waiting. It completes on the
   * thread that handles the API's answer.
   */
  CompletableFuture<TaskResult> await(String id) {
    CompletableFuture<TaskResult> future = new CompletableFuture<>();
    List<Held> sends;
    synchronized (this) {
      if (closed) {
        future.completeExceptionally(new IllegalStateException(closedMessage + " " + id));
        return future;
      }
      waiting.computeIfAbsent(id, key -> new LinkedHashSet<>()).add(future);
      if (!heldBy.containsKey(id) && !paused.contains(id)) {
        queued.add(id);
      }
      sends = plan(false);
    }
    future.whenComplete((result, error) -> forget(id, future));
    send(sends);
    return future;
  }

  /** How many ids are waited for now. */
  synchronized int waitingIds() {
    return waiting.size();
  }

  /** How many requests are held now. */
  synchronized int heldRequests() {
    return held.size();
  }

  // A future is its own identity: the set finds it by identity, which is what is meant.
  @SuppressWarnings("UndefinedEquals")
  private void forget(String id, CompletableFuture<TaskResult> future) {
    CompletableFuture<List<TaskResult>> cancel = null;
    synchronized (this) {
      Set<CompletableFuture<TaskResult>> futures = waiting.get(id);
      if (futures == null || !futures.remove(future) || !futures.isEmpty()) {
        return;
      }
      waiting.remove(id);
      queued.remove(id);
      paused.remove(id);
      Held request = heldBy.get(id);
      if (request != null && request.ids.stream().noneMatch(waiting::containsKey)) {
        cancel = request.answer;
      }
    }
    if (cancel != null) {
      cancel.cancel(true);
    }
  }

  /**
   * The requests to send now, taken from the queue: new ones while fewer than {@link #MAX_REQUESTS}
   * are held; then, with {@code merge}, the smallest held one replaced by one with the queued ids
   * too (its answer is then ignored), else a merge planned after {@link #MERGE_DELAY}. Called with
   * the lock held.
   */
  private List<Held> plan(boolean merge) {
    List<Held> sends = new ArrayList<>();
    if (closed || backingOff) {
      return sends;
    }
    while (!queued.isEmpty()) {
      if (held.size() >= MAX_REQUESTS) {
        if (!merge) {
          if (!mergeScheduled) {
            mergeScheduled = true;
            later.apply(MERGE_DELAY).execute(this::merge);
          }
          break;
        }
        // The smallest, the oldest of equals (held keeps the order requests were sent in).
        Held smallest = null;
        for (Held request : held) {
          if (smallest == null || request.ids.size() < smallest.ids.size()) {
            smallest = request;
          }
        }
        if (smallest == null || smallest.ids.size() >= MAX_IDS) {
          break;
        }
        smallest.superseded = true;
        held.remove(smallest);
        List<String> again = new ArrayList<>();
        for (String id : smallest.ids) {
          heldBy.remove(id);
          if (waiting.containsKey(id)) {
            again.add(id);
          }
        }
        if (smallest.answer != null) {
          sends.add(smallest); // Sent with no ids: marks the held request to cancel.
        }
        LinkedHashSet<String> merged = new LinkedHashSet<>(again);
        merged.addAll(queued);
        queued.clear();
        queued.addAll(merged);
      }
      List<String> ids = new ArrayList<>(Math.min(queued.size(), MAX_IDS));
      Iterator<String> next = queued.iterator();
      while (next.hasNext() && ids.size() < MAX_IDS) {
        ids.add(next.next());
        next.remove();
      }
      Held request = new Held(List.copyOf(ids), nanos.getAsLong());
      held.add(request);
      ids.forEach(id -> heldBy.put(id, request));
      sends.add(request);
    }
    return sends;
  }

  /**
   * Sends the new requests of {@code sends} and cancels the superseded ones; a request superseded
   * or a waiter closed while it was being sent is cancelled at once.
   */
  private void send(List<Held> sends) {
    for (Held request : sends) {
      if (request.superseded) {
        CompletableFuture<List<TaskResult>> answer = request.answer;
        if (answer != null) {
          answer.cancel(true);
        }
        continue;
      }
      CompletableFuture<List<TaskResult>> answer;
      try {
        answer = api.ask(request.ids, WAIT);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      boolean dropped;
      synchronized (this) {
        request.answer = answer;
        dropped = request.superseded || closed;
      }
      if (dropped) {
        answer.cancel(true);
      } else {
        answer.whenComplete((results, error) -> answered(request, results, error));
      }
    }
  }

  private void answered(
      Held request, @Nullable List<TaskResult> results, @Nullable Throwable error) {
    Map<CompletableFuture<TaskResult>, TaskResult> done = new LinkedHashMap<>();
    Map<CompletableFuture<TaskResult>, RuntimeException> failed = new LinkedHashMap<>();
    List<Held> sends;
    Duration pause = null;
    List<String> pauseIds = List.of();
    synchronized (this) {
      if (request.superseded || closed) {
        return;
      }
      held.remove(request);
      request.ids.forEach(heldBy::remove);
      Throwable cause = error instanceof CompletionException ? error.getCause() : error;
      if (cause != null || results == null) {
        pause = unanswered(request, cause, failed);
      } else {
        failures = 0;
        boolean anyFinal = false;
        for (TaskResult result : results) {
          if (result.status().isFinal()) {
            anyFinal = true;
            Set<CompletableFuture<TaskResult>> futures = waiting.remove(result.id());
            if (futures != null) {
              futures.forEach(future -> done.put(future, result));
            }
          }
        }
        List<String> again = request.ids.stream().filter(waiting::containsKey).toList();
        long heldFor = nanos.getAsLong() - request.sentNanos;
        if (!anyFinal && !again.isEmpty() && heldFor < WAIT.toNanos() / 2) {
          // Answered early with nothing final: an API without ?wait= on batches, or one whose
          // --max-wait is short. Asking again at once would be a busy loop.
          paused.addAll(again);
          pauseIds = again;
          pause = EARLY_PAUSE;
        } else {
          queued.addAll(again);
        }
      }
      sends = plan(false);
    }
    done.forEach(CompletableFuture::complete);
    failed.forEach(CompletableFuture::completeExceptionally);
    send(sends);
    if (pause != null) {
      List<String> resume = pauseIds;
      later.apply(pause).execute(() -> resume(resume));
    }
  }

  /** After {@link #MERGE_DELAY}: the ids queued meanwhile go out, replacing a held request. */
  private void merge() {
    List<Held> sends;
    synchronized (this) {
      mergeScheduled = false;
      sends = plan(true);
    }
    send(sends);
  }

  /**
   * Settles a request that got no answer ({@code cause}): its ids' futures fail for a refusal (put
   * in {@code failed}), else they wait for the next request, after a backoff (returned) unless it
   * was cancelled. Called with the lock held.
   */
  private @Nullable Duration unanswered(
      Held request,
      @Nullable Throwable cause,
      Map<CompletableFuture<TaskResult>, RuntimeException> failed) {
    if (cause instanceof Refused refused) {
      for (String id : request.ids) {
        Set<CompletableFuture<TaskResult>> futures = waiting.remove(id);
        if (futures != null) {
          futures.forEach(future -> failed.put(future, refused));
        }
      }
      return null;
    }
    request.ids.stream().filter(waiting::containsKey).forEach(queued::add);
    if (cause instanceof CancellationException) {
      return null;
    }
    failures++;
    if (backingOff) {
      return null;
    }
    backingOff = true;
    return backoff(failures);
  }

  private static Duration backoff(int failures) {
    Duration pause = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 5));
    return pause.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : pause;
  }

  /** After a pause: the paused {@code ids} (or, after a backoff, everything queued) go out. */
  private void resume(List<String> ids) {
    List<Held> sends;
    synchronized (this) {
      if (ids.isEmpty()) {
        backingOff = false;
      }
      for (String id : ids) {
        if (paused.remove(id) && waiting.containsKey(id)) {
          queued.add(id);
        }
      }
      sends = plan(false);
    }
    send(sends);
  }

  /** Fails every outstanding future with the closed message and stops the held requests. */
  @Override
  public void close() {
    Map<String, Set<CompletableFuture<TaskResult>>> outstanding;
    List<CompletableFuture<List<TaskResult>>> answers = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      outstanding = new LinkedHashMap<>(waiting);
      waiting.clear();
      queued.clear();
      paused.clear();
      heldBy.clear();
      for (Held request : held) {
        CompletableFuture<List<TaskResult>> answer = request.answer;
        if (answer != null) {
          answers.add(answer);
        }
      }
      held.clear();
    }
    outstanding.forEach(
        (id, futures) ->
            List.copyOf(futures)
                .forEach(
                    future ->
                        future.completeExceptionally(
                            new IllegalStateException(closedMessage + " " + id))));
    answers.forEach(answer -> answer.cancel(true));
    api.close();
  }
}
