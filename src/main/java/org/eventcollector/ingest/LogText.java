package org.eventcollector.ingest;

import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Fields;

import java.util.Locale;

/** The mapping rules that OTLP logs and Loki lines share (CONTRACT.md section 11). */
final class LogText {

  /** Longest title, in code points. */
  static final int MAX_TITLE = 1024;

  private LogText() {
  }

  /** A system name as shippers write it: lower case, {@code -} read as {@code _}; null stays null. */
  static String system(String value) {
    return value == null ? null : value.toLowerCase(Locale.ROOT).replace('-', '_');
  }

  /**
   * A severity word, read case-insensitively: {@code debug}, {@code info}, {@code warn} or
   * {@code warning}, {@code error}, {@code fatal} or {@code critical}; anything else is {@code info}.
   */
  static String severity(String word) {
    if (word == null) {
      return "info";
    }
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "debug" -> "debug";
      case "warn", "warning" -> "warning";
      case "error" -> "error";
      case "fatal", "critical" -> "critical";
      default -> "info";
    };
  }

  /**
   * Puts {@code title} (the first line of {@code text}, at most {@link #MAX_TITLE} code points) and
   * {@code description} (the whole text, when it is longer than the title) into {@code event}.
   */
  static void titleAndDescription(JsonObject event, String text) {
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.codePointCount(0, line.length()) > MAX_TITLE) {
      line = line.substring(0, line.offsetByCodePoints(0, MAX_TITLE));
    }
    event.put(Fields.TITLE, line);
    event.put(Fields.DESCRIPTION, text.length() > line.length() ? text : "");
  }
}
