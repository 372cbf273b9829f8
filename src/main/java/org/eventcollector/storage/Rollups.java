package org.eventcollector.storage;

import org.eventcollector.event.EventQuery;

import java.util.ArrayList;
import java.util.List;

/**
 * Exact counts from {@code event_counts} (events per clock hour and system, type, severity,
 * component, kept in the commit): the whole hours of a window are read from it, the partial
 * hours at its edges from the rows, through the indexes that end in {@code ts}.
 */
final class Rollups {

  static final long HOUR = 3_600_000L;
  /** The hour of a row's {@code ts}, rounded down also before 1970. */
  static final String HOUR_OF_TS = "(CASE WHEN ts >= 0 THEN ts / 3600000 ELSE (ts - 3599999) / 3600000 END)";
  /** The columns a rollup can group by. */
  static final List<String> KEYS = List.of("hour", "source_system", "event_type", "severity", "source_component");
  /** How {@code event_counts} keeps a missing component (a component never holds a comma). */
  static final String NO_COMPONENT = ",";

  /** One statement: its text and its parameters. */
  record Statement(String text, List<Object> params) {
  }

  private Rollups() {
  }

  /** True when the rollups hold every filter of {@code query} (no tags, correlation or search). */
  static boolean serve(EventQuery query) {
    return query.correlationId() == null && query.tags().isEmpty() && query.anyTags().isEmpty()
      && query.searchTerms().isEmpty();
  }

  /**
   * Counts of the events matching {@code query} grouped by {@code keys} (of {@link #KEYS}): rows of
   * the keys in order and then the count. Without keys, one row with the count.
   */
  static Statement grouped(EventQuery query, List<String> keys) {
    EventQuery filters = SqliteEventStore.severitiesListed(withoutWindow(query));
    long from = query.start() == null ? Long.MIN_VALUE : query.start();
    long to = query.end() == null ? Long.MAX_VALUE : query.endInclusive() ? query.end() + 1 : query.end();
    long firstHour = query.start() == null ? Long.MIN_VALUE : Math.floorDiv(from, HOUR) + (Math.floorMod(from, HOUR) == 0 ? 0 : 1);
    long endHour = query.end() == null ? Long.MAX_VALUE : Math.floorDiv(to, HOUR);
    List<String> parts = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    if (firstHour < endHour) {
      SqlFilter filter = SqlFilter.of(filters);
      if (firstHour != Long.MIN_VALUE) {
        filter.and("hour >= ?", firstHour);
      }
      if (endHour != Long.MAX_VALUE) {
        filter.and("hour < ?", endHour);
      }
      parts.add("SELECT " + select(keys, false) + "SUM(n) AS n FROM event_counts" + filter.whereClause() + groupBy(keys));
      params.addAll(filter.params);
      if (firstHour != Long.MIN_VALUE && from < firstHour * HOUR) {
        rows(parts, params, filters, keys, from, firstHour * HOUR);
      }
      if (endHour != Long.MAX_VALUE && endHour * HOUR < to) {
        rows(parts, params, filters, keys, endHour * HOUR, to);
      }
    } else if (from < to) {
      rows(parts, params, filters, keys, from, to);
    }
    if (parts.isEmpty()) {
      parts.add("SELECT " + select(keys, false) + "0 AS n FROM event_counts WHERE 0");
    }
    StringBuilder text = new StringBuilder("SELECT ");
    for (int i = 0; i < keys.size(); i++) {
      text.append('k').append(i).append(", ");
    }
    text.append("COALESCE(SUM(n), 0) FROM (").append(String.join(" UNION ALL ", parts)).append(')');
    if (!keys.isEmpty()) {
      text.append(" GROUP BY ");
      for (int i = 0; i < keys.size(); i++) {
        text.append(i == 0 ? "" : ", ").append('k').append(i);
      }
    }
    return new Statement(text.toString(), params);
  }

  /** The rows of the window part {@code [from, to)} counted per key. */
  private static void rows(List<String> parts, List<Object> params, EventQuery filters, List<String> keys, long from, long to) {
    SqlFilter filter = SqlFilter.of(filters);
    filter.and("ts >= ?", from);
    if (to != Long.MAX_VALUE) {
      filter.and("ts < ?", to);
    }
    parts.add("SELECT " + select(keys, true) + "COUNT(*) AS n FROM events" + filter.whereClause() + groupBy(keys));
    params.addAll(filter.params);
  }

  private static String select(List<String> keys, boolean rows) {
    StringBuilder select = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      select.append(rows ? rowExpression(keys.get(i)) : keys.get(i)).append(" AS k").append(i).append(", ");
    }
    return select.toString();
  }

  private static String groupBy(List<String> keys) {
    if (keys.isEmpty()) {
      return "";
    }
    StringBuilder group = new StringBuilder(" GROUP BY ");
    for (int i = 0; i < keys.size(); i++) {
      group.append(i == 0 ? "" : ", ").append('k').append(i);
    }
    return group.toString();
  }

  private static String rowExpression(String key) {
    return switch (key) {
      case "hour" -> HOUR_OF_TS;
      case "source_component" -> "COALESCE(source_component, '" + NO_COMPONENT + "')";
      case "source_system", "event_type", "severity" -> key;
      default -> throw new IllegalArgumentException("cannot group by " + key);
    };
  }

  /** The wire name of a grouped value: severities by name, a missing component as {@code unknown}. */
  static String name(String key, Object value) {
    if (key.equals("severity")) {
      return org.eventcollector.event.Severity.ofRank(((Number) value).intValue()).wire();
    }
    if (key.equals("source_component") && NO_COMPONENT.equals(value)) {
      return "unknown";
    }
    return String.valueOf(value);
  }

  static EventQuery withoutWindow(EventQuery q) {
    return new EventQuery(q.sourceSystems(), q.eventTypes(), q.severities(), q.components(), q.minSeverity(), null, null,
      false, q.correlationId(), q.tags(), q.anyTags(), q.searchTerms(), q.limit(), q.offset(), q.sortBy(), q.ascending(),
      q.echo());
  }
}
