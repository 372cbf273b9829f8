package org.eventcollector;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.eventcollector.SecurityFixtures.LogCapture;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A node on a Vert.x whose blocked-thread checker is strict (an event-loop task over 1 s is
 * reported, checked every 100 ms) with its warnings captured: tests assert there are none.
 */
public final class StrictNode implements AutoCloseable {

  /** The logger of Vert.x's blocked-thread checker. */
  public static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
  static final long MAX_EVENT_LOOP_MS = 1000;

  private final Vertx vertx;
  private final int port;
  private final LogCapture warnings;

  private StrictNode(Vertx vertx, int port, LogCapture warnings) {
    this.vertx = vertx;
    this.port = port;
    this.warnings = warnings;
  }

  static VertxOptions options() {
    return new VertxOptions()
      .setBlockedThreadCheckInterval(100)
      .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
      .setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_MS)
      .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
      .setWarningExceptionTime(MAX_EVENT_LOOP_MS)
      .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
  }

  /** Proves the capture sees a blocked event loop, then deploys every role with {@code config}. */
  public static StrictNode start(JsonObject config) throws Exception {
    LogCapture warnings = LogCapture.of(CHECKER);
    selfCheck(warnings);
    Vertx vertx = Vertx.vertx(options());
    MainVerticle main = new MainVerticle();
    vertx.deployVerticle(main, new DeploymentOptions().setConfig(config)).toCompletionStage().toCompletableFuture()
      .get(60, TimeUnit.SECONDS);
    // Start-up (class loading, opening the store) is not request handling: only what follows counts.
    warnings.clear();
    return new StrictNode(vertx, main.httpPort(), warnings);
  }

  /** Blocks an event loop of a throw-away Vert.x on purpose: the warning must reach the capture. */
  private static void selfCheck(LogCapture warnings) throws Exception {
    Vertx probe = Vertx.vertx(options());
    try {
      probe.runOnContext(v -> {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_EVENT_LOOP_MS * 2);
        while (System.nanoTime() < end) {
          Thread.onSpinWait();
        }
      });
      for (int i = 0; i < 200 && warnings.events().isEmpty(); i++) {
        Thread.sleep(25); // the checker reports on its own timer thread
      }
    } finally {
      probe.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (warnings.events().isEmpty()) {
      throw new AssertionError("blocked-thread warnings do not reach the log capture");
    }
    warnings.clear();
  }

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return port;
  }

  /** Blocked-thread warnings since start, each with the blocked thread's stack. */
  public List<String> blockedThreadWarnings() {
    return warnings.lines();
  }

  @Override
  public void close() throws Exception {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      warnings.close();
    }
  }
}
