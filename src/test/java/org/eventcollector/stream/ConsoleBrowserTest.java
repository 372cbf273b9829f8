package org.eventcollector.stream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives the console in headless Chromium (Debian {@code chromium} and {@code chromium-driver}):
 * a new event appears in the live tail, a query pages through results, the stats render, and an
 * event's correlation trace opens as a timeline. Screenshots go to {@code console.screenshots}
 * ({@code target/screenshots} unless set, {@code docs} for the README).
 */
class ConsoleBrowserTest {

  private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");
  private static final String DRIVER = System.getProperty("chromedriver", "/usr/bin/chromedriver");

  @TempDir
  Path dir;
  private TestNode node;
  private WebDriver browser;
  private WebDriverWait wait;
  private Path shots;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dir, config -> {
    });
    shots = Path.of(System.getProperty("console.screenshots", "target/screenshots"));
    Files.createDirectories(shots);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "--window-size=1400,900", "--user-data-dir=" + dir.resolve("chromium-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
      .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    node.close();
  }

  private static JsonObject demo(String id, String system, String type, String severity, String title, long at,
                                 Long duration, String correlation, String component) {
    return TestNode.event(id, system, type).put("severity", severity).put("title", title)
      .put("timestamp", Event.formatTime(at)).put("duration_ms", duration).put("correlation_id", correlation)
      .put("source_component", component).put("tags", new JsonArray().add("production"));
  }

  private JsonArray demoEvents() {
    long now = System.currentTimeMillis();
    long t0 = now - 600_000;
    JsonArray events = new JsonArray()
      .add(demo("wf-1-start", "mahavishnu", "workflow.started", "info", "Nightly release workflow started", t0, null, "wf-7f3a", "orchestrator"))
      .add(demo("wf-1-lint", "crackerjack", "lint.completed", "info", "Lint passed", t0 + 9_600, 8_400L, "wf-7f3a", "ruff"))
      .add(demo("wf-1-tests", "crackerjack", "test.failed", "error", "3 tests failed in test_sync.py", t0 + 51_250, 41_250L, "wf-7f3a", "pytest"))
      .add(demo("wf-1-index", "akosha", "index.rebuilt", "warning", "Index rebuilt with 2 stale shards", t0 + 36_000, 22_000L, "wf-7f3a", "indexer"))
      .add(demo("wf-1-notes", "session_buddy", "session.checkpoint", "info", "Checkpoint saved", t0 + 52_900, 900L, "wf-7f3a", "checkpoints"))
      .add(demo("wf-1-end", "mahavishnu", "workflow_complete", "critical", "Workflow failed: tests", t0 + 53_500, 53_500L, "wf-7f3a", "orchestrator"));
    String[] systems = {"mahavishnu", "crackerjack", "akosha", "oneiric", "session_buddy"};
    String[] types = {"build.finished", "test.passed", "config.loaded", "cache.miss", "request.slow"};
    String[] severities = {"debug", "info", "info", "info", "warning", "error"};
    for (int i = 0; i < 54; i++) {
      events.add(demo("bg-" + i, systems[i % 5], types[(i / 5) % 5], severities[i % 6], "Background event " + i,
        now - 3_000_000 + i * 50_000L, (long) (i * 37 % 900), "bg-" + (i % 9), "worker-" + (i % 3)));
    }
    return events;
  }

  private void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(shots.resolve(name), png);
  }

  private void show(String tab) {
    browser.findElement(By.id("tab-" + tab)).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("view-" + tab)));
  }

  @Test
  void consoleOpensOnTheNewestEventsInTheLiveTailAndTheQueryView() throws Exception {
    node.ingest(demoEvents()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    browser.get("http://127.0.0.1:" + node.port + "/");
    // Nothing is ingested after the page opens: what the tail shows was stored before.
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-body tr[data-id='bg-53']")));
    List<WebElement> live = browser.findElements(By.cssSelector("#live-body tr"));
    assertEquals(50, live.size(), "the 50 newest events");
    assertEquals("bg-53", live.get(0).getAttribute("data-id"), "newest first");
    assertTrue(browser.findElements(By.cssSelector("#live-body tr[data-id='bg-0']")).isEmpty(), "only the newest 50");
    show("query");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#q-body tr[data-id='bg-53']")));
    assertEquals("bg-53", browser.findElements(By.cssSelector("#q-body tr")).get(0).getAttribute("data-id"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("q-summary"), "of 60"));
  }

  @Test
  void consoleShowsLiveEventsRunsAQueryAndOpensATrace() throws Exception {
    JsonArray events = demoEvents();
    node.ingest(events).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    browser.get("http://127.0.0.1:" + node.port + "/");

    // Live tail: a new event arrives over the SockJS bridge.
    wait.until(ExpectedConditions.textToBe(By.id("bus-state"), "bridge: live"));
    JsonArray live = new JsonArray();
    for (int i = 0; i < 6; i++) {
      live.add(TestNode.event("live-" + i, i % 2 == 0 ? "mahavishnu" : "crackerjack", i % 3 == 0 ? "deploy.started" : "test.passed")
        .put("severity", i == 4 ? "error" : "info").put("title", "Live event " + i).put("duration_ms", 120 + i * 40));
    }
    // The registration travels on the SockJS connection, the ingest on another: probe until the tail shows one.
    boolean seen = false;
    int attempt = 0;
    for (; attempt < 5 && !seen; attempt++) {
      String probe = "probe-" + attempt;
      node.ingest(new JsonArray().add(TestNode.event(probe, "akosha", "probe").put("title", "Bridge probe")))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      try {
        new WebDriverWait(browser, Duration.ofSeconds(3))
          .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-body tr[data-id='" + probe + "']")));
        seen = true;
      } catch (org.openqa.selenium.TimeoutException e) {
        // not yet registered: try again
      }
    }
    assertTrue(seen, "a newly ingested event appears in the live tail");
    node.ingest(new JsonArray().add(live.getValue(0))).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-body tr[data-id='live-0']")));
    node.ingest(new JsonArray(live.getList().subList(1, 6))).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-body tr[data-id='live-5']")));
    screenshot("console-live.png");

    // Pause holds new events back; resume shows them.
    browser.findElement(By.id("live-pause")).click();
    node.ingest(new JsonArray().add(TestNode.event("held-1", "oneiric", "held").put("title", "Held while paused")))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live-status"), "1 waiting"));
    assertTrue(browser.findElements(By.cssSelector("#live-body tr[data-id='held-1']")).isEmpty());
    browser.findElement(By.id("live-pause")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-body tr[data-id='held-1']")));

    // Query with paging.
    int total = events.size() + attempt + live.size() + 1;
    show("query");
    new Select(browser.findElement(By.id("q-limit"))).selectByVisibleText("25");
    browser.findElement(By.id("q-submit")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("q-summary"), "of " + total));
    assertEquals(25, browser.findElements(By.cssSelector("#q-body tr")).size());
    browser.findElement(By.id("q-next")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("q-summary"), "events 26–50 of " + total));
    new Select(browser.findElement(By.id("q-system"))).selectByVisibleText("crackerjack");
    new Select(browser.findElement(By.id("q-severity"))).selectByVisibleText("warning");
    browser.findElement(By.id("q-submit")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#q-body tr[data-id='wf-1-tests']")));
    List<WebElement> rows = browser.findElements(By.cssSelector("#q-body tr"));
    for (WebElement row : rows) {
      assertEquals("crackerjack", row.findElements(By.tagName("td")).get(1).getText());
    }
    screenshot("console-query.png");

    // Event detail, then its correlation trace.
    browser.findElement(By.cssSelector("#q-body tr[data-id='wf-1-tests']")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("detail")));
    assertTrue(browser.findElement(By.id("detail-json")).getText().contains("\"correlation_id\" : \"wf-7f3a\"")
      || browser.findElement(By.id("detail-json")).getText().contains("\"correlation_id\": \"wf-7f3a\""));
    screenshot("console-detail.png");
    browser.findElement(By.id("detail-trace")).click();
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#trace-timeline .trace-row"), 6));
    assertEquals("6 events", browser.findElement(By.id("trace-summary")).getText());
    WebElement longest = browser.findElement(By.cssSelector("#trace-timeline .trace-row[data-id='wf-1-end'] .trace-bar"));
    WebElement lint = browser.findElement(By.cssSelector("#trace-timeline .trace-row[data-id='wf-1-lint'] .trace-bar"));
    assertTrue(longest.getSize().getWidth() > 4 * lint.getSize().getWidth(), "bars are sized by duration");
    screenshot("console-trace.png");

    // Stats at a glance.
    show("stats");
    wait.until(ExpectedConditions.textToBe(By.id("stats-total"), String.valueOf(total)));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#stats-severity .bar-row")));
    assertEquals(5, browser.findElements(By.cssSelector("#stats-system .bar-row")).size());
    new Select(browser.findElement(By.id("stats-window"))).selectByVisibleText("last hour");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#stats-timeline[data-window='1'] .uplot canvas")));
    wait.until(ExpectedConditions.textToBe(By.id("stats-total"), String.valueOf(total)));
    screenshot("console-stats.png");
  }
}
