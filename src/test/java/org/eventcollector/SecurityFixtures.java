package org.eventcollector;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.http.Access;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Shared set-up of the security and reliability tests: real nodes, real key files, captured logs. */
public final class SecurityFixtures {

  private SecurityFixtures() {
  }

  /** The built-in config on a free port, SQLite in {@code dir}, limits high enough never to interfere. */
  public static JsonObject config(Path dir) {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.Http.PORT, 0);
    Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    Config.set(config, ConfigKeys.RateLimit.PER_SECOND, 1_000_000);
    Config.set(config, ConfigKeys.RateLimit.BURST, 1_000_000);
    return config;
  }

  public static Main.Node start(JsonObject config) throws Exception {
    return Main.Node.start(config).get(60, TimeUnit.SECONDS);
  }

  /** Writes a key file holding one entry per key: {@code {key_sha256, systems, scopes}}. */
  public static Path keyFile(Path dir, List<Key> keys) throws IOException {
    JsonArray entries = new JsonArray();
    for (Key key : keys) {
      entries.add(new JsonObject()
        .put("key_sha256", Access.sha256(key.secret()))
        .put("systems", new JsonArray(key.systems()))
        .put("scopes", new JsonArray(key.scopes())));
    }
    Path file = dir.resolve("keys.json");
    Files.writeString(file, entries.encodePrettily());
    return file;
  }

  /** A key and what it may do. */
  public record Key(String secret, List<String> systems, List<String> scopes) {
    public static Key of(List<String> systems, String... scopes) {
      return new Key("k-" + UUID.randomUUID(), systems, List.of(scopes));
    }
  }

  /** A minimal valid event of {@code system} with a fresh id. */
  public static JsonObject event(String system) {
    return new JsonObject()
      .put("event_id", "ev-" + UUID.randomUUID())
      .put("source_system", system)
      .put("event_type", "test.run");
  }

  /** Captures every log line (message and stack trace) of a logger while open. */
  public static final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger;
    private final List<ILoggingEvent> events = new ArrayList<>();

    private LogCapture(String name) {
      this.logger = (Logger) LoggerFactory.getLogger(name);
      setContext(logger.getLoggerContext());
      start();
      logger.addAppender(this);
    }

    /** Captures {@code name} and everything below it ({@link org.slf4j.Logger#ROOT_LOGGER_NAME} for all). */
    public static LogCapture of(String name) {
      return new LogCapture(name);
    }

    @Override
    protected synchronized void append(ILoggingEvent event) {
      events.add(event);
    }

    public synchronized void clear() {
      events.clear();
    }

    public synchronized List<ILoggingEvent> events() {
      return List.copyOf(events);
    }

    /** Every captured line as text: logger, formatted message, stack trace. */
    public synchronized List<String> lines() {
      List<String> lines = new ArrayList<>();
      for (ILoggingEvent event : events) {
        String trace = event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy());
        lines.add(event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage() + " " + trace);
      }
      return lines;
    }

    @Override
    public void close() {
      logger.detachAppender(this);
      stop();
    }
  }
}
