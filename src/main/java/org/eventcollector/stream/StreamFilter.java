package org.eventcollector.stream;

import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.QueryParser;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The filter of one WebSocket stream (CONTRACT.md section 10): {@code source_system},
 * {@code event_type}, {@code source_component} (any of, comma-separated), {@code min_severity}
 * or {@code severity} (both a minimum), {@code tags} (all), {@code any_tags}, {@code correlation_id},
 * plus {@code after} (resume) and {@code api_key}. Anything else is a 400 naming the parameter.
 */
record StreamFilter(EventQuery query, String after) {

  static final String AFTER = "after";
  static final String API_KEY = "api_key";
  private static final Set<String> LISTS = Set.of("source_system", "event_type", "source_component", "tags", "any_tags");
  private static final Set<String> SINGLE = Set.of("min_severity", "severity", "correlation_id", AFTER, API_KEY);
  /** The filters a saved query used on the stream may set. */
  static final Set<String> FILTERS = Set.of("source_system", "event_type", "source_component", "tags", "any_tags",
    "min_severity", "severity", "correlation_id");

  /** Parses the upgrade request's query parameters; throws a 400 {@link CodedException} on a bad one. */
  static StreamFilter parse(Map<String, List<String>> params, QueryParser parser) {
    Map<String, List<String>> rest = new LinkedHashMap<>();
    String after = null;
    for (Map.Entry<String, List<String>> entry : params.entrySet()) {
      String name = entry.getKey();
      List<String> values = entry.getValue();
      if (!LISTS.contains(name) && !SINGLE.contains(name)) {
        throw CodedException.badRequest(name, "unknown stream filter '" + abbreviate(name)
          + "' (source_system, event_type, min_severity, severity, tags, any_tags, correlation_id, source_component, after)");
      }
      if (SINGLE.contains(name) && values.size() > 1) {
        throw CodedException.badRequest(name, name + " may be given only once");
      }
      switch (name) {
        case API_KEY -> {
          // Authentication only; never a filter.
        }
        case AFTER -> {
          after = values.get(0);
          if (after.isEmpty() || after.length() > 64) {
            throw CodedException.badRequest(AFTER, "after must be an event_id of 1 to 64 characters");
          }
        }
        case "severity", "min_severity" -> {
          if (rest.containsKey("min_severity")) {
            throw CodedException.badRequest(name, "give one of severity and min_severity (both mean a minimum)");
          }
          rest.put("min_severity", values);
        }
        default -> rest.put(name, values);
      }
    }
    EventQuery query = parser.parse(rest, System.currentTimeMillis());
    return new StreamFilter(query, after);
  }

  boolean matches(Event event) {
    return query.matches(event);
  }

  /** The filter as a bus query object (REST names) for {@code events.storage.replay}. */
  JsonObject busQuery() {
    JsonObject echo = query.echo().copy();
    echo.remove("limit");
    echo.remove("offset");
    echo.remove("sort_by");
    echo.remove("sort_order");
    return echo;
  }

  private static String abbreviate(String text) {
    return text.length() > 64 ? text.substring(0, 64) + "…" : text;
  }
}
