package org.eventcollector;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.vertx.core.http.HttpClosedException;
import org.slf4j.Marker;

/**
 * Keeps normal events out of WARN and ERROR (set in {@code logback.xml}): a browser tab that closes
 * its SockJS connection, and Micrometer noting that Vert.x registered one of its gauges twice (it
 * keeps the first, which is right).
 */
public final class NormalEventsFilter extends TurboFilter {

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN)) {
      return FilterReply.NEUTRAL;
    }
    String name = logger.getName();
    if (name.startsWith("io.vertx.ext.web.handler.sockjs") && closed(t, params)) {
      return FilterReply.DENY;
    }
    if (name.startsWith("io.micrometer") && format != null && format.contains("has been already registered")
        && format.contains("name='vertx.")) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }

  private static boolean closed(Throwable t, Object[] params) {
    Throwable error = t;
    if (error == null && params != null && params.length > 0 && params[params.length - 1] instanceof Throwable last) {
      error = last;
    }
    for (int depth = 0; error != null && depth < 5; depth++, error = error.getCause()) {
      // A tab that closes ends its connection cleanly, or resets it (connection reset, broken pipe).
      if (error instanceof HttpClosedException || error instanceof java.io.IOException) {
        return true;
      }
    }
    return false;
  }
}
