package org.eventcollector.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;

import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the query parameters of {@code GET /events} and {@code GET /events/count} (or the same
 * names in a bus query object) into an {@link EventQuery}. Every bad value is a 400 naming the
 * parameter.
 */
public final class QueryParser {

  static final Set<String> ANY_OF = Set.of("source_system", "event_type", "severity", "source_component");
  static final Set<String> LISTS = Set.of("source_system", "event_type", "severity", "source_component", "tags",
    "any_tags");
  static final Set<String> KNOWN = Set.of("source_system", "event_type", "severity", "source_component",
    "min_severity", "start_time", "end_time", "minutes", "hours", "days", "correlation_id", "tags", "any_tags",
    "search", "limit", "offset", "sort_by", "sort_order");

  private final Set<String> systems;

  public QueryParser(Set<String> systems) {
    this.systems = systems;
  }

  /** From REST parameters: name to every value given (repeatable lists, or comma-separated). */
  public EventQuery parse(Map<String, List<String>> params, long now) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> entry : params.entrySet()) {
      String name = entry.getKey();
      if (!KNOWN.contains(name)) {
        throw CodedException.badRequest(name, "unknown query parameter '" + EventValidator.abbreviate(name) + "'");
      }
      List<String> given = entry.getValue();
      if (!LISTS.contains(name) && given.size() > 1) {
        throw CodedException.badRequest(name, name + " may be given only once");
      }
      values.put(name, given);
    }
    return build(values, now);
  }

  /** From a bus query object: the same names, arrays for any-of, numbers or strings for integers. */
  public EventQuery parse(JsonObject query, long now) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String name : query.fieldNames()) {
      if (!KNOWN.contains(name)) {
        throw CodedException.badRequest(name, "unknown query parameter '" + EventValidator.abbreviate(name) + "'");
      }
      Object value = query.getValue(name);
      if (value == null) {
        continue;
      }
      List<String> list = new ArrayList<>();
      if (value instanceof JsonArray array) {
        if (!LISTS.contains(name)) {
          throw CodedException.badRequest(name, name + " must be a single value");
        }
        for (Object item : array) {
          if (!(item instanceof String s)) {
            throw CodedException.badRequest(name, name + " must hold strings");
          }
          list.add(s);
        }
      } else if (value instanceof String || value instanceof Number || value instanceof Boolean) {
        list.add(String.valueOf(value));
      } else {
        throw CodedException.badRequest(name, name + " has a value of the wrong type");
      }
      values.put(name, list);
    }
    return build(values, now);
  }

  private EventQuery build(Map<String, List<String>> values, long now) {
    JsonObject echo = new JsonObject();
    List<String> sourceSystems = list(values, "source_system");
    for (String system : sourceSystems) {
      if (!systems.contains(system)) {
        throw CodedException.badRequest("source_system", "unknown source_system '" + EventValidator.abbreviate(system) + "'");
      }
    }
    List<String> eventTypes = list(values, "event_type");
    List<String> severityNames = list(values, "severity");
    List<Severity> severities = new ArrayList<>();
    for (String name : severityNames) {
      severities.add(severity("severity", name));
    }
    List<String> components = list(values, "source_component");
    putList(echo, "source_system", sourceSystems);
    putList(echo, "event_type", eventTypes);
    putList(echo, "severity", severityNames);
    putList(echo, "source_component", components);

    Severity minSeverity = null;
    String min = single(values, "min_severity");
    if (min != null) {
      minSeverity = severity("min_severity", min);
      echo.put("min_severity", min);
    }
    Long start = time(values, "start_time", echo);
    Long end = time(values, "end_time", echo);
    if (start != null && end != null && start > end) {
      throw CodedException.badRequest("start_time", "start_time is after end_time");
    }
    boolean endInclusive = false;
    String window = null;
    for (String name : List.of("minutes", "hours", "days")) {
      if (values.containsKey(name)) {
        if (window != null) {
          throw CodedException.badRequest(name, "give at most one of minutes, hours, days");
        }
        window = name;
      }
    }
    if (window != null) {
      if (start != null || end != null) {
        throw CodedException.badRequest(window, window + " may not be combined with start_time or end_time");
      }
      long amount = positive(window, single(values, window), Integer.MAX_VALUE);
      long unit = switch (window) {
        case "minutes" -> 60_000L;
        case "hours" -> 3_600_000L;
        default -> 86_400_000L;
      };
      start = now - Math.min(amount * unit, now + 62_135_596_800_000L);
      end = now;
      endInclusive = true;
      echo.put(window, amount);
    }
    String correlation = single(values, "correlation_id");
    if (correlation != null) {
      echo.put("correlation_id", correlation);
    }
    List<String> tags = list(values, "tags");
    List<String> anyTags = list(values, "any_tags");
    putList(echo, "tags", tags);
    putList(echo, "any_tags", anyTags);
    List<String> terms = List.of();
    String search = single(values, "search");
    if (search != null) {
      terms = Arrays.stream(search.trim().split("\\s+")).filter(t -> !t.isEmpty()).distinct().toList();
      echo.put("search", search);
    }
    int limit = EventQuery.DEFAULT_LIMIT;
    String limitValue = single(values, "limit");
    if (limitValue != null) {
      limit = (int) integer("limit", limitValue, 1, EventQuery.MAX_LIMIT);
    }
    int offset = 0;
    String offsetValue = single(values, "offset");
    if (offsetValue != null) {
      offset = (int) integer("offset", offsetValue, 0, Integer.MAX_VALUE);
    }
    EventQuery.SortField sortBy = EventQuery.SortField.TIMESTAMP;
    String sortValue = single(values, "sort_by");
    if (sortValue != null) {
      sortBy = EventQuery.SortField.parse(sortValue);
      if (sortBy == null) {
        throw CodedException.badRequest("sort_by",
          "sort_by must be one of timestamp, duration_ms, severity, event_type, source_system");
      }
    }
    String order = single(values, "sort_order");
    if (order != null && !order.equals("asc") && !order.equals("desc")) {
      throw CodedException.badRequest("sort_order", "sort_order must be asc or desc");
    }
    boolean ascending = "asc".equals(order);
    echo.put("limit", limit).put("offset", offset).put("sort_by", sortBy.wire()).put("sort_order", ascending ? "asc" : "desc");
    return new EventQuery(sourceSystems, eventTypes, severities, components, minSeverity, start, end, endInclusive,
      correlation, tags, anyTags, terms, limit, offset, sortBy, ascending, echo);
  }

  private static void putList(JsonObject echo, String name, List<String> values) {
    if (!values.isEmpty()) {
      echo.put(name, EventQuery.array(values));
    }
  }

  private static List<String> list(Map<String, List<String>> values, String name) {
    List<String> given = values.get(name);
    if (given == null) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    for (String value : given) {
      for (String part : value.split(",")) {
        String trimmed = part.trim();
        if (trimmed.isEmpty()) {
          throw CodedException.badRequest(name, name + " has an empty value");
        }
        out.add(trimmed);
      }
    }
    if (out.size() > 100) {
      throw CodedException.badRequest(name, name + " has more than 100 values");
    }
    return List.copyOf(out);
  }

  private static String single(Map<String, List<String>> values, String name) {
    List<String> given = values.get(name);
    if (given == null || given.isEmpty()) {
      return null;
    }
    String value = given.get(0);
    if (value.isEmpty()) {
      throw CodedException.badRequest(name, name + " is empty");
    }
    return value;
  }

  private static Severity severity(String name, String value) {
    Severity severity = Severity.parse(value);
    if (severity == null) {
      throw CodedException.badRequest(name, name + " must be one of debug, info, warning, error, critical");
    }
    return severity;
  }

  private static Long time(Map<String, List<String>> values, String name, JsonObject echo) {
    String value = single(values, name);
    if (value == null) {
      return null;
    }
    try {
      long time = Event.parseTime(value);
      echo.put(name, Event.formatTime(time));
      return time;
    } catch (DateTimeException e) {
      throw CodedException.badRequest(name, name + ": " + e.getMessage());
    }
  }

  private static long positive(String name, String value, long max) {
    return integer(name, value, 1, max);
  }

  static long integer(String name, String value, long min, long max) {
    long parsed;
    try {
      parsed = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw CodedException.badRequest(name, name + " must be an integer");
    }
    if (parsed < min || parsed > max) {
      throw CodedException.badRequest(name, name + " must be between " + min + " and " + max);
    }
    return parsed;
  }
}
