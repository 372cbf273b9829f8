package org.eventcollector;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Locale;

/** Applies {@code log.level} and {@code log.format} to the logback configuration of {@code logback.xml}. */
final class LogSetup {

  private LogSetup() {
  }

  static void apply(JsonObject config) {
    String levelName = Config.string(config, ConfigKeys.Log.LEVEL, "INFO").trim().toUpperCase(Locale.ROOT);
    Level level = Level.toLevel(levelName, null);
    if (level == null || !levelName.equals(level.levelStr)) {
      throw new IllegalArgumentException("log.level must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF, not '" + levelName + "'");
    }
    String format = Config.string(config, ConfigKeys.Log.FORMAT, "text").trim().toLowerCase(Locale.ROOT);
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("log.format must be text or json, not '" + format + "'");
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    if (format.equals("json")) {
      for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
          JsonEncoder encoder = new JsonEncoder();
          encoder.setContext(context);
          // One object per line: timestamp (epoch ms), level, threadName, loggerName, mdc, formattedMessage, throwable.
          encoder.setWithSequenceNumber(false);
          encoder.setWithNanoseconds(false);
          encoder.setWithContext(false);
          encoder.setWithMessage(false);
          encoder.setWithArguments(false);
          encoder.setWithFormattedMessage(true);
          encoder.start();
          appender.stop();
          appender.setEncoder(encoder);
          appender.start();
        }
      }
    }
  }
}
