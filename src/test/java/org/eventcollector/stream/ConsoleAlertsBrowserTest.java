package org.eventcollector.stream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console's alerts page in headless Chromium: a rule added through the form fires and shows
 * its state, it is silenced with a click, its alert event is highlighted in the live tail, and a
 * query is saved and picked again.
 */
class ConsoleAlertsBrowserTest {

  private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");
  private static final String DRIVER = System.getProperty("chromedriver", "/usr/bin/chromedriver");

  @TempDir
  Path dir;
  private TestNode node;
  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dir, config -> {
    });
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "--window-size=1400,900", "--user-data-dir=" + dir.resolve("chromium-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
      .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    node.close();
  }

  @Test
  void alertRuleIsAddedFiresIsSilencedAndHighlightedInTheLiveTail() throws Exception {
    node.ingest(new JsonArray()
      .add(TestNode.event("a-1", "akosha", "db.error").put("severity", "error").put("title", "Lost"))
      .add(TestNode.event("c-1", "crackerjack", "test.run"))).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    browser.get("http://127.0.0.1:" + node.port + "/#alerts");
    wait.until(ExpectedConditions.textToBe(By.id("bus-state"), "bridge: live"));

    browser.findElement(By.id("a-name")).sendKeys("akosha-errors");
    new Select(browser.findElement(By.id("a-kind"))).selectByVisibleText("threshold");
    browser.findElement(By.id("a-params")).sendKeys("{\"source_system\": \"akosha\"}");
    WebElement value = browser.findElement(By.id("a-value"));
    value.clear();
    value.sendKeys("1");
    browser.findElement(By.id("a-submit")).click();

    By state = By.cssSelector("tr[data-rule='akosha-errors'] .state");
    wait.until(ExpectedConditions.textToBe(state, "firing"));
    // The table is redrawn on every refresh: each look finds its element again.
    wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-rule='akosha-errors'] td.num"), "1"));
    screenshot("console-alerts.png");

    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(driver -> {
      driver.findElement(By.cssSelector("tr[data-rule='akosha-errors'] button")).click();
      return true;
    });
    wait.until(ExpectedConditions.textToBe(state, "silenced"));

    // The alert event of the change, highlighted in the live tail once it streams in.
    browser.findElement(By.id("tab-live")).click();
    node.ingest(new JsonArray().add(TestNode.event("alert-like", "mahavishnu", "alert.fired").put("severity", "warning")
      .put("data", new JsonObject().put("rule", "akosha-errors")))).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-body tr.alert-event[data-id='alert-like']")));
  }

  @Test
  void queryIsSavedAndPickedAgain() throws Exception {
    node.ingest(new JsonArray()
      .add(TestNode.event("a-1", "akosha", "db.error"))
      .add(TestNode.event("c-1", "crackerjack", "test.run"))).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    browser.get("http://127.0.0.1:" + node.port + "/#query");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("view-query")));
    new Select(browser.findElement(By.id("q-system"))).selectByVisibleText("akosha");
    browser.findElement(By.id("q-save")).click();
    Alert prompt = wait.until(ExpectedConditions.alertIsPresent());
    prompt.sendKeys("only-akosha");
    prompt.accept();
    wait.until(ExpectedConditions.textToBe(By.id("q-error"), "saved as only-akosha"));
    JsonObject stored = node.web.get(node.port, "127.0.0.1", "/queries/only-akosha").send()
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).bodyAsJsonObject();
    assertEquals("akosha", stored.getJsonObject("params").getString("source_system"));

    // The saved query applies with the form's own fields: with "any" system, still akosha only.
    new Select(browser.findElement(By.id("q-system"))).selectByVisibleText("any");
    browser.findElement(By.id("q-submit")).click();
    wait.until(ExpectedConditions.textToBe(By.id("q-summary"), "events 1–1 of 1"));
    new Select(browser.findElement(By.id("q-saved"))).selectByVisibleText("none");
    wait.until(ExpectedConditions.textToBe(By.id("q-summary"), "events 1–2 of 2"));
    new Select(browser.findElement(By.id("q-saved"))).selectByVisibleText("only-akosha");
    wait.until(ExpectedConditions.textToBe(By.id("q-summary"), "events 1–1 of 1"));
    assertTrue(browser.findElement(By.cssSelector("#q-body tr")).getText().contains("akosha"));
  }

  private void screenshot(String name) throws Exception {
    Path shots = Path.of(System.getProperty("console.screenshots", "target/screenshots"));
    Files.createDirectories(shots);
    Files.write(shots.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }
}
