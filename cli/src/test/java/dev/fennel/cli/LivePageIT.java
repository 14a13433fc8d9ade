package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.processor.TaskPolicy;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;

/**
 * The live page in a real browser: headless Chromium from Debian, driven by Selenium through
 * Debian's {@code chromedriver}, against {@code fennel dev}'s parts (broker, a worker, the API with
 * a token). Tasks with every outcome are submitted; the page must show the backlog, list the ids
 * with their statuses, filter by status, and draw the throughput. It fails, never skips, when
 * Chromium is missing: {@code ./fennel test} installs it ({@code TEST_PACKAGES}).
 */
@ExtendWith(KafkaTestBroker.class)
class LivePageIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String TOKEN = "live-page-it-token";
  private static final String WORKER = "browser-it";
  private static final int BACKLOG = 20;
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  private static void requireChromium() {
    for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      assertThat(Files.isExecutable(binary))
          .as(
              binary
                  + " is missing: this test needs Debian's chromium and chromium-driver."
                  + " Run ./fennel test-deps (as root), or: sudo apt-get install -y chromium"
                  + " chromium-driver")
          .isTrue();
    }
  }

  private static WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1500");
    // The driver is Debian's: Selenium Manager never looks for (or downloads) one.
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }

  /** Topics of this test's own (a unique prefix) with the queue {@code default}. */
  private static Topics topics(KafkaTestBroker.Broker broker) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("default"),
        Duration.ofSeconds(30));
    return topics;
  }

  /** Opens the page of {@code api} and gives it the token, as a user does at the prompt. */
  private static void signIn(WebDriver browser, ResultsApi api) {
    browser.get("http://127.0.0.1:" + api.port() + "/");
    await()
        .ignoreExceptions()
        .atMost(PATIENCE)
        .until(() -> browser.findElement(By.id("token-form")).isDisplayed());
    browser.findElement(By.id("token")).sendKeys(TOKEN);
    browser.findElement(By.cssSelector("#token-form button")).click();
  }

  /**
   * The failure {@code e} of a check of the page, with a screenshot saved as {@code target/file}
   * and the page's text, for whoever reads the test's report.
   */
  private static AssertionError failed(WebDriver browser, String file, String what, Throwable e)
      throws IOException {
    Path failed = Path.of("target", file);
    Files.createDirectories(failed.getParent());
    Files.copy(
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
        failed,
        StandardCopyOption.REPLACE_EXISTING);
    return new AssertionError(
        what
            + " (screenshot: "
            + failed.toAbsolutePath()
            + "); its text:\n"
            + browser.findElement(By.tagName("body")).getText(),
        e);
  }

  private static TaskClient.Options options(String queue, Instant expires, Integer maxRetries) {
    return TaskClient.Options.builder()
        .queue(queue)
        .expires(expires)
        .maxRetries(maxRetries == null ? 0 : maxRetries)
        .build();
  }

  @Test
  void thePageShowsQueuesRecentTasksFilterAndThroughput(KafkaTestBroker.Broker broker)
      throws Exception {
    requireChromium();
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    // The low queue exists but no worker serves it: its tasks stay there as backlog.
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        Topics.STANDARD_QUEUES,
        Duration.ofSeconds(30));
    // A retry waits ten minutes, so a failed task with retries left stays RETRY for this test.
    TaskPolicy policy =
        new TaskPolicy(
            Duration.ofMinutes(5),
            Duration.ofMinutes(30),
            Duration.ofSeconds(2),
            Duration.ofMinutes(10),
            Duration.ofMinutes(10));
    WorkerConfig workerConfig =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("high", "default"))
            .concurrency(2)
            .name(WORKER)
            .policy(policy)
            // The page shows an unknown task's FAILURE: at once, not after the hand-backs.
            .unknownTaskWait(Duration.ZERO)
            .build();
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Worker worker = Worker.start(workerConfig, registry);
        ResultsApi api = ResultsApi.start(apiConfig, registry)) {
      await().atMost(PATIENCE).until(() -> worker.isRunning() && api.isReady());

      Map<String, String> expected = new HashMap<>();
      String waiting;
      Instant past = Instant.now().minusSeconds(60);
      try (TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
        List<TaskClient.Submission> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          TaskClient.Submission s = client.submit("fib", options("default", null, null), 20 + i);
          expected.put(s.id(), "SUCCESS");
          all.add(s);
        }
        for (int i = 0; i < 3; i++) {
          TaskClient.Submission s = client.submit("fail", options("high", null, null), "boom");
          expected.put(s.id(), "FAILURE");
          all.add(s);
        }
        TaskClient.Submission unknown =
            client.submit("no-such-task", options("default", null, null));
        expected.put(unknown.id(), "FAILURE");
        all.add(unknown);
        for (int i = 0; i < 2; i++) {
          TaskClient.Submission s = client.submit("fail", options("default", null, 2), "again");
          expected.put(s.id(), "RETRY");
          all.add(s);
        }
        for (int i = 0; i < 2; i++) {
          TaskClient.Submission s = client.submit("fib", options("default", past, null), 10);
          expected.put(s.id(), "EXPIRED");
          all.add(s);
        }
        for (int i = 0; i < BACKLOG; i++) {
          all.add(client.submit("fib", options("low", null, null), 5));
        }
        waiting = all.getLast().id();
        for (TaskClient.Submission s : all) {
          s.acknowledged().get(30, TimeUnit.SECONDS);
        }
      }

      WebDriver browser = chromium();
      try {
        browser.get("http://127.0.0.1:" + api.port() + "/");
        // The API needs a token: the page asks for it and keeps it in the tab's session only.
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .until(() -> browser.findElement(By.id("token-form")).isDisplayed());
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#token-form button")).click();

        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(
                            browser
                                .findElement(
                                    By.cssSelector("#queues-body tr[data-queue='low'] td.backlog"))
                                .getText())
                        .isEqualTo(Integer.toString(BACKLOG)));

        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(() -> assertThat(rows(browser)).containsAllEntriesOf(expected));

        new Select(browser.findElement(By.id("status-filter"))).selectByValue("FAILURE");
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  Map<String, String> shown = rows(browser);
                  assertThat(shown.values()).containsOnly("FAILURE");
                  assertThat(shown.keySet())
                      .containsExactlyInAnyOrderElementsOf(
                          expected.entrySet().stream()
                              .filter(e -> e.getValue().equals("FAILURE"))
                              .map(Map.Entry::getKey)
                              .toList());
                });
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("");

        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .until(
                () ->
                    Boolean.TRUE.equals(
                        ((JavascriptExecutor) browser)
                            .executeScript(
                                "const c = window.fennelLive.chart();"
                                    + " return !!c && c.data.slice(1)"
                                    + ".some(series => series.some(v => v > 0));")));
        assertThat(browser.findElements(By.cssSelector("#chart canvas"))).isNotEmpty();

        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(
                            browser
                                .findElement(
                                    By.cssSelector(
                                        "#workers-body tr[data-worker='" + WORKER + "']"))
                                .getText())
                        .contains("online")
                        .contains("/ 2"));

        String retried =
            expected.entrySet().stream()
                .filter(e -> e.getValue().equals("RETRY"))
                .findFirst()
                .orElseThrow()
                .getKey();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    browser
                        .findElement(By.cssSelector("#recent-body tr[data-id='" + retried + "']"))
                        .click());
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"id\": \"" + retried + "\"")
                      .contains("\"status\": \"RETRY\"");
                  assertThat(browser.findElement(By.id("revoke")).isDisplayed()).isTrue();
                });

        // Search by id narrows the table to that task.
        browser.findElement(By.id("id-search")).sendKeys(retried);
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(() -> assertThat(rows(browser)).containsOnlyKeys(retried));
        browser.findElement(By.id("id-search")).clear();

        // A task still waiting in its queue has no result: looked up, it is PENDING and revocable.
        browser.findElement(By.id("id-search")).sendKeys(waiting);
        browser.findElement(By.id("lookup")).click();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"status\": \"PENDING\"");
                  assertThat(browser.findElement(By.id("revoke")).isDisplayed()).isTrue();
                });
        // Revoking it from the page is a write: JSON, as the API requires of every POST.
        browser.findElement(By.id("revoke")).click();
        await().ignoreExceptions().atMost(PATIENCE).until(() -> browser.switchTo().alert() != null);
        browser.switchTo().alert().accept();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(browser.findElement(By.id("detail-message")).getText())
                        .startsWith("Revoked " + waiting + ":")
                        .contains("\"revoked\":true"));
        browser.findElement(By.id("id-search")).clear();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    browser
                        .findElement(By.cssSelector("#recent-body tr[data-id='" + retried + "']"))
                        .click());

        // A steady trickle (bounded: 10 tasks every 200 ms for at most 30 s, mixed outcomes) gives
        // the queue rates
        // and the chart something to show, and the screenshot a page in motion.
        try (TaskClient client =
                TaskClient.connect(
                    TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build());
            var trickle = new Trickle(client)) {
          await()
              .ignoreExceptions()
              .atMost(PATIENCE)
              .untilAsserted(
                  () ->
                      assertThat(
                              Double.parseDouble(
                                  browser
                                      .findElement(
                                          By.cssSelector(
                                              "#queues-body tr[data-queue='default'] td.in"))
                                      .getText()))
                          .isPositive());
          Path target = Path.of("target", "live-page.png");
          Files.createDirectories(target.getParent());
          Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
          Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
          assertThat(Files.size(target)).isPositive();
        }
      } catch (AssertionError | RuntimeException e) {
        throw failed(
            browser, "live-page-failed.png", "the live page did not show what it should", e);
      } finally {
        browser.quit();
      }
    }
  }

  @Test
  void theScheduledViewListsWaitingTasksWithWhyAndRevokesOne(KafkaTestBroker.Broker broker)
      throws Exception {
    requireChromium();
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    // A retry waits ten minutes, so a failed task with retries left stays in the scheduler.
    TaskPolicy policy =
        new TaskPolicy(
            Duration.ofMinutes(5),
            Duration.ofMinutes(30),
            Duration.ofSeconds(2),
            Duration.ofMinutes(10),
            Duration.ofMinutes(10));
    WorkerConfig workerConfig =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(1)
            .name(WORKER)
            .policy(policy)
            .build();
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Worker worker = Worker.start(workerConfig, registry);
        ResultsApi api = ResultsApi.start(apiConfig, registry)) {
      await().atMost(PATIENCE).until(() -> worker.isRunning() && api.isReady());
      String countdown;
      String retried;
      try (TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
        countdown =
            client
                .submit(
                    "sleep",
                    TaskClient.Options.builder()
                        .queue("default")
                        .countdown(Duration.ofMinutes(10))
                        .build(),
                    1)
                .id();
        retried = client.submit("fail", options("default", null, 2), "again").id();
        client.flush();
      }

      WebDriver browser = chromium();
      try {
        signIn(browser, api);

        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  WebElement row = scheduledRow(browser, countdown);
                  assertThat(row.findElement(By.cssSelector("td.reason")).getText())
                      .isEqualTo("countdown");
                  assertThat(row.findElement(By.cssSelector("td.due-in")).getText())
                      .matches("(9|10) min");
                  assertThat(row.getText()).contains("sleep", "default");
                  assertThat(
                          scheduledRow(browser, retried)
                              .findElement(By.cssSelector("td.reason"))
                              .getText())
                      .isEqualTo("retry (attempt 2)");
                });

        // The view redraws every second; the button a user is pressing must stay the same element
        // through the redraws, or the press is lost (it was, in a CI run of 2026-12-05).
        WebElement revoke =
            scheduledRow(browser, countdown).findElement(By.cssSelector("button.revoke-scheduled"));
        awaitTwoRedraws(browser);
        revoke.click();
        await().ignoreExceptions().atMost(PATIENCE).until(() -> browser.switchTo().alert() != null);
        browser.switchTo().alert().accept();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("scheduled-message")).getText())
                      .startsWith("Revoked " + countdown);
                  assertThat(scheduledRow(browser, countdown).getText())
                      .contains("revoked: ends REVOKED when due");
                  assertThat(scheduledRow(browser, retried).findElements(By.cssSelector("button")))
                      .hasSize(1);
                });
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "the Scheduled view did not show what it should; the page's text:\n"
                + browser.findElement(By.tagName("body")).getText(),
            e);
      } finally {
        browser.quit();
      }
    }
  }

  /** Waits until the page has polled the API and redrawn at least twice. */
  private static void awaitTwoRedraws(WebDriver browser) {
    for (int i = 0; i < 2; i++) {
      String stamp = browser.findElement(By.id("connection")).getText();
      await()
          .atMost(PATIENCE)
          .until(() -> !browser.findElement(By.id("connection")).getText().equals(stamp));
    }
  }

  private static WebElement scheduledRow(WebDriver browser, String id) {
    return browser.findElement(By.cssSelector("#scheduled-body tr[data-id='" + id + "']"));
  }

  @Test
  void theRetryButtonOfAFailureRunsItAgainUnderItsIdUntilItSucceeds(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    requireChromium();
    Topics topics = topics(broker);
    // fail-if-file fails while this file exists: the failure an operator fixes, then retries.
    Path flag = Files.writeString(dir.resolve("fail-while-here"), "remove me");
    WorkerConfig workerConfig =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(2)
            .name(WORKER)
            .build();
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Worker worker = Worker.start(workerConfig, registry);
        ResultsApi api = ResultsApi.start(apiConfig, registry)) {
      await().atMost(PATIENCE).until(() -> worker.isRunning() && api.isReady());
      String id;
      try (TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
        id = client.submit("fail-if-file", options("default", null, null), flag.toString()).id();
        client.flush();
      }
      ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port(), TOKEN);
      assertThat(results.await(id, PATIENCE).orElseThrow().status()).isEqualTo(Status.FAILURE);

      WebDriver browser = chromium();
      try {
        signIn(browser, api);
        browser.findElement(By.id("id-search")).sendKeys(id);
        browser.findElement(By.id("lookup")).click();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"status\": \"FAILURE\"", "remove it and retry");
                  assertThat(browser.findElement(By.id("retry")).isDisplayed()).isTrue();
                });

        Files.delete(flag);
        browser.findElement(By.id("retry")).click();
        await().ignoreExceptions().atMost(PATIENCE).until(() -> browser.switchTo().alert() != null);
        browser.switchTo().alert().accept();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(browser.findElement(By.id("detail-message")).getText())
                        .startsWith("Retried:")
                        .contains(id));
        assertThat(browser.findElement(By.id("retry")).isDisplayed()).isFalse();

        // The same id runs again and ends SUCCESS (the API answers RETRY until the new run's
        // records replace it); looked up again, the page shows it.
        await()
            .atMost(PATIENCE)
            .until(
                () ->
                    results
                        .await(id, Duration.ofSeconds(1))
                        .filter(r -> r.status() == Status.SUCCESS)
                        .isPresent());
        browser.findElement(By.id("lookup")).click();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-id")).getText()).isEqualTo(id);
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"status\": \"SUCCESS\"", flag.toString());
                  assertThat(browser.findElement(By.id("retry")).isDisplayed()).isFalse();
                });
      } catch (AssertionError | RuntimeException e) {
        throw failed(browser, "live-page-retry-failed.png", "the Retry button did not work", e);
      } finally {
        browser.quit();
      }
    }
  }

  @Test
  void htmlInATaskNameOrAnErrorIsShownAsTextNeverRunAsMarkup(KafkaTestBroker.Broker broker)
      throws Exception {
    requireChromium();
    Topics topics = topics(broker);
    WorkerConfig workerConfig =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(1)
            .name(WORKER)
            // The task with an HTML name is unknown: its FAILURE at once, not after hand-backs.
            .unknownTaskWait(Duration.ZERO)
            .build();
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Each would set a global and leave an element behind if the page ever parsed it as HTML.
    String name = "<img src=x onerror=\"window.fennelXss='name'\">";
    String message = "<img src=x onerror=\"window.fennelXss='error'\"><b id=injected>bold</b>";
    try (Worker worker = Worker.start(workerConfig, registry);
        ResultsApi api = ResultsApi.start(apiConfig, registry)) {
      await().atMost(PATIENCE).until(() -> worker.isRunning() && api.isReady());
      String unknown;
      String failed;
      try (TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
        unknown = client.submit(name, options("default", null, null)).id();
        failed = client.submit("fail", options("default", null, null), message).id();
        client.flush();
      }

      WebDriver browser = chromium();
      try {
        signIn(browser, api);
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(rows(browser))
                        .containsEntry(unknown, "FAILURE")
                        .containsEntry(failed, "FAILURE"));
        assertThat(
                browser
                    .findElement(By.cssSelector("#recent-body tr[data-id='" + unknown + "']"))
                    .findElements(By.tagName("td"))
                    .get(1)
                    .getText())
            .as("the task name, as text")
            .isEqualTo(name);

        browser.findElement(By.cssSelector("#recent-body tr[data-id='" + failed + "']")).click();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(browser.findElement(By.id("detail-json")).getText())
                        .contains(Json.toString(message)));

        JavascriptExecutor page = (JavascriptExecutor) browser;
        assertThat(browser.findElements(By.tagName("img")))
            .as("img elements on the page")
            .isEmpty();
        assertThat(browser.findElements(By.id("injected"))).as("the error's <b>").isEmpty();
        assertThat(page.executeScript("return window.fennelXss === undefined;"))
            .as("no injected handler ran")
            .isEqualTo(true);
      } finally {
        browser.quit();
      }
    }
  }

  @Test
  void theRunningViewListsARunningTaskItsProgressBarMovesAndTerminateStopsIt(
      KafkaTestBroker.Broker broker) throws Exception {
    requireChromium();
    Topics topics = topics(broker);
    WorkerConfig workerConfig =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(2)
            .name(WORKER)
            .build();
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Worker worker = Worker.start(workerConfig, registry);
        ResultsApi api = ResultsApi.start(apiConfig, registry)) {
      await().atMost(PATIENCE).until(() -> worker.isRunning() && api.isReady());
      String id;
      try (TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
        // 0.05 more every 2 s for 80 s: several beats, each a step further, while the page looks.
        id = client.submit("progress", options("default", null, null), 80, 40).id();
        client.flush();
      }

      WebDriver browser = chromium();
      try {
        signIn(browser, api);

        String rowCss = "#running-body tr[data-id='" + id + "']";
        By row = By.cssSelector(rowCss);
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  WebElement shown = browser.findElement(row);
                  assertThat(shown.getDomAttribute("data-worker")).isEqualTo(WORKER);
                  assertThat(shown.getText()).contains(WORKER).contains("progress").contains(id);
                  assertThat(progress(browser, rowCss)).isPositive();
                });
        double first = progress(browser, rowCss);
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(() -> assertThat(progress(browser, rowCss)).isGreaterThan(first));
        assertThat(browser.findElement(By.id("running-count")).getText()).startsWith("1 running");

        browser.findElement(row).findElement(By.cssSelector("button.terminate")).click();
        await().ignoreExceptions().atMost(PATIENCE).until(() -> browser.switchTo().alert() != null);
        browser.switchTo().alert().accept();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(browser.findElement(By.id("running-message")).getText())
                        .startsWith("Terminated " + id)
                        .contains("\"revoked\":true"));
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElements(row)).isEmpty();
                  assertThat(browser.findElement(By.id("running-body")).getText())
                      .contains("no task is running");
                });
        ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port(), TOKEN);
        assertThat(results.await(id, Duration.ofSeconds(30)).orElseThrow().status())
            .isEqualTo(Status.REVOKED);
      } catch (AssertionError | RuntimeException e) {
        throw failed(
            browser,
            "live-page-running-failed.png",
            "the Running view did not show what it should",
            e);
      } finally {
        browser.quit();
      }
    }
  }

  /**
   * The value of the progress bar in the row {@code rowCss}, as the browser holds it, read in one
   * script: the page redraws the Running table on every update, so a row found by one WebDriver
   * call can be gone (stale) by the next, as it was in a CI run of 2026-12-05.
   */
  private static double progress(WebDriver browser, String rowCss) {
    Object value =
        ((JavascriptExecutor) browser)
            .executeScript(
                "const bar = document.querySelector(arguments[0] + ' progress');"
                    + " return bar === null ? null : bar.value;",
                rowCss);
    if (value == null) {
      throw new NoSuchElementException("no progress bar in " + rowCss);
    }
    return ((Number) value).doubleValue();
  }

  /**
   * Submits 10 tasks (8 that succeed, one that fails, one expired) every 200 ms, for 30 s at most,
   * until closed.
   */
  @Test
  void theTaskDetailShowsProgressAsABarOrJsonAndLinksToTheChildren(KafkaTestBroker.Broker broker)
      throws Exception {
    requireChromium();
    Topics topics = topics(broker);
    // Reports a JSON progress value, then holds its slot until the test has seen it.
    CountDownLatch seen = new CountDownLatch(1);
    ContextTaskHandler stages =
        new ContextTaskHandler() {
          @Override
          public String name() {
            return "stages";
          }

          @Override
          public JsonNode run(TaskArgs args, TaskContext context) throws InterruptedException {
            context.progress(
                Json.MAPPER.createObjectNode().put("stage", "copying").put("files", 7));
            seen.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            return IntNode.valueOf(7);
          }
        };
    WorkerConfig workerConfig =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(2)
            .name(WORKER)
            .handlers(List.of(stages))
            .build();
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Worker worker = Worker.start(workerConfig, registry);
        ResultsApi api = ResultsApi.start(apiConfig, registry);
        TaskClient client =
            TaskClient.connect(
                TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      await().atMost(PATIENCE).until(() -> worker.isRunning() && api.isReady());
      WebDriver browser = chromium();
      try {
        signIn(browser, api);

        // Three children, 3 s apart, progress after each: the detail, shown from the start, looks
        // the task up again each second while it runs, so its bar moves.
        String parent = client.submit("fan-out", options("default", null, null), 3, 3).id();
        client.flush();
        browser.findElement(By.id("id-search")).sendKeys(parent);
        browser.findElement(By.id("lookup")).click();
        Set<String> values = new TreeSet<>();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofMillis(200))
            .untilAsserted(
                () -> {
                  WebElement bar = browser.findElement(By.id("detail-progress-bar"));
                  if (bar.isDisplayed()) {
                    values.add(bar.getDomProperty("value"));
                  }
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"status\": \"SUCCESS\"");
                });
        assertThat(values).as("the bar's values while it ran").hasSizeGreaterThanOrEqualTo(2);
        assertThat(values).allSatisfy(v -> assertThat(Double.parseDouble(v)).isBetween(0.0, 1.0));
        List<String> children = List.of(parent + ".c1", parent + ".c2", parent + ".c3");
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () ->
                    assertThat(
                            browser
                                .findElements(By.cssSelector("#detail-children-list a.child"))
                                .stream()
                                .map(WebElement::getText)
                                .toList())
                        .containsExactlyElementsOf(children));
        assertThat(browser.findElement(By.id("detail-progress")).isDisplayed())
            .as("a final result has no progress")
            .isFalse();

        // A child's link opens the child's detail.
        browser
            .findElement(
                By.cssSelector("#detail-children-list a[data-id='" + children.get(1) + "']"))
            .click();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-id")).getText())
                      .isEqualTo(children.get(1));
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"status\": \"SUCCESS\"", "\"result\": 2");
                });

        // Progress that is not a number is shown as its JSON, with no bar.
        String staged = client.submit("stages", options("default", null, null)).id();
        client.flush();
        browser.findElement(By.id("id-search")).clear();
        browser.findElement(By.id("id-search")).sendKeys(staged);
        browser.findElement(By.id("lookup")).click();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-progress-json")).getText())
                      .contains("\"stage\": \"copying\"", "\"files\": 7");
                  assertThat(browser.findElement(By.id("detail-progress")).isDisplayed()).isFalse();
                });
        seen.countDown();
        await()
            .ignoreExceptions()
            .atMost(PATIENCE)
            .untilAsserted(
                () -> {
                  assertThat(browser.findElement(By.id("detail-json")).getText())
                      .contains("\"status\": \"SUCCESS\"");
                  assertThat(browser.findElement(By.id("detail-progress-json")).isDisplayed())
                      .isFalse();
                });
      } catch (AssertionError | RuntimeException e) {
        throw failed(
            browser,
            "live-page-detail-failed.png",
            "the task detail did not show what it should",
            e);
      } finally {
        seen.countDown();
        browser.quit();
      }
    }
  }

  /**
   * Submits 10 tasks (8 that succeed, one that fails, one expired) every 200 ms, for 30 s at most,
   * until closed.
   */
  private static final class Trickle implements AutoCloseable {
    private static final int ROUNDS = 150;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger rounds = new AtomicInteger();

    Trickle(TaskClient client) {
      timer.scheduleAtFixedRate(
          () -> {
            if (rounds.incrementAndGet() > ROUNDS) {
              timer.shutdown();
              return;
            }
            for (int i = 0; i < 8; i++) {
              client.submit("fib", options("default", null, null), 18);
            }
            client.submit("fail", options("high", null, null), "boom");
            client.submit("fib", options("default", Instant.now().minusSeconds(1), null), 18);
          },
          0,
          200,
          TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      timer.shutdownNow();
      timer.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** The recent-tasks table: id to status, as shown. */
  private static Map<String, String> rows(WebDriver browser) {
    Map<String, String> shown = new HashMap<>();
    for (WebElement row : browser.findElements(By.cssSelector("#recent-body tr[data-id]"))) {
      shown.put(row.getDomAttribute("data-id"), row.getDomAttribute("data-status"));
    }
    return shown;
  }
}
