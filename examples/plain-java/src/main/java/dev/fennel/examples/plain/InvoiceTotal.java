package dev.fennel.examples.plain;

import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.TaskClient;
import dev.fennel.producer.TaskRef;
import dev.fennel.protocol.Topics;
import dev.fennel.task.BadArguments;
import dev.fennel.task.Tasks;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One program that embeds a worker and a client: it registers the typed task {@code invoice-total}
 * in code, submits an invoice, and prints the typed total. Kafka and the results API are those of
 * {@code FENNEL_BOOTSTRAP} and {@code FENNEL_API}, as for {@code ./fennel} (defaults {@code
 * localhost:9092}, {@code http://127.0.0.1:8080}: {@code ./fennel dev}).
 */
public final class InvoiceTotal {
  /** The queue of this program's task, which its own worker serves. */
  static final String QUEUE = "invoices";

  /** The task's name and types, as the client sees it. */
  static final TaskRef<Invoice, Total> TOTAL =
      TaskRef.of("invoice-total", Invoice.class, Total.class);

  /**
   * The task's input.
   *
   * @param customer who pays
   * @param cents the amount of each line, in cents
   */
  public record Invoice(String customer, List<Long> cents) {}

  /**
   * The task's output.
   *
   * @param customer who pays
   * @param lines how many lines the invoice has
   * @param cents their sum
   */
  public record Total(String customer, int lines, long cents) {}

  private InvoiceTotal() {}

  /** The task itself: plain Java on records. */
  static Total total(Invoice invoice) {
    if (invoice.cents().stream().anyMatch(cents -> cents < 0)) {
      throw new BadArguments("an invoice line is never negative: " + invoice.cents());
    }
    long sum = invoice.cents().stream().mapToLong(Long::longValue).sum();
    return new Total(invoice.customer(), invoice.cents().size(), sum);
  }

  /** Submits one invoice to a worker of its own and prints its total. */
  public static void main(String[] args) throws Exception {
    String bootstrap =
        Objects.requireNonNullElse(System.getenv("FENNEL_BOOTSTRAP"), "localhost:9092");
    String api = Objects.requireNonNullElse(System.getenv("FENNEL_API"), "http://127.0.0.1:8080");
    Invoice invoice = new Invoice("ACME", List.of(1999L, 250L, 5L));
    System.out.println(run(bootstrap, api, Topics.defaults(), invoice));
  }

  /**
   * Starts a worker serving {@link #QUEUE} with the task, submits {@code invoice} there, waits up
   * to a minute for its total and stops both.
   */
  static Total run(String bootstrap, String api, Topics topics, Invoice invoice)
      throws InterruptedException, ExecutionException, TimeoutException {
    WorkerConfig config =
        WorkerConfig.builder(bootstrap)
            .topics(topics)
            .queues(List.of(QUEUE))
            .concurrency(2)
            .handlers(List.of(Tasks.of(TOTAL.name(), Invoice.class, InvoiceTotal::total)))
            .shutdownTimeout(Duration.ofSeconds(10))
            .build();
    try (Worker worker = Worker.start(config, new SimpleMeterRegistry());
        TaskClient client =
            TaskClient.connect(
                TaskClient.Config.builder(bootstrap).topics(topics).api(api).build())) {
      TaskClient.Options options = TaskClient.Options.builder().queue(QUEUE).build();
      return client.submit(TOTAL, invoice, options).result().get(1, TimeUnit.MINUTES);
    }
  }
}
