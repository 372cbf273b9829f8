package org.eventcollector.http;

import java.util.List;
import java.util.regex.Pattern;

/** The methods each path answers, for the {@code Allow} header of a 405. */
final class Routes {

  private record Entry(Pattern path, String methods) {
  }

  private static final List<Entry> TABLE = List.of(
    new Entry(Pattern.compile("/events"), "GET, POST, DELETE"),
    new Entry(Pattern.compile("/events/batch"), "POST"),
    new Entry(Pattern.compile("/events/(count|stats|stream)"), "GET"),
    new Entry(Pattern.compile("/events/correlation/[^/]+"), "GET"),
    new Entry(Pattern.compile("/events/[^/]+"), "GET"),
    new Entry(Pattern.compile("/rate-limits"), "GET"),
    new Entry(Pattern.compile("/rate-limits/[^/]+"), "PUT"),
    new Entry(Pattern.compile("/analysis/(errors|patterns|report)"), "GET"),
    new Entry(Pattern.compile("/(queries|alerts)"), "GET"),
    new Entry(Pattern.compile("/(queries|alerts)/[^/]+"), "GET, PUT, DELETE"),
    new Entry(Pattern.compile("/alerts/[^/]+/silence"), "POST"),
    new Entry(Pattern.compile("/v1/logs|/loki/api/v1/push"), "POST"));

  private Routes() {
  }

  /** The methods {@code path} answers: HEAD wherever GET is, and OPTIONS everywhere. */
  static String allowed(String path) {
    String methods = "GET";
    for (Entry entry : TABLE) {
      if (entry.path().matcher(path).matches()) {
        methods = entry.methods();
        break;
      }
    }
    return methods.replace("GET", "GET, HEAD") + ", OPTIONS";
  }
}
