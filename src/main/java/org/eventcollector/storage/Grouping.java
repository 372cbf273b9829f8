package org.eventcollector.storage;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.eventcollector.event.Severity;

import java.util.LinkedHashMap;
import java.util.Map;

/** The group-by columns every SQL store answers, and how their counts read back. */
final class Grouping {

  private Grouping() {
  }

  /** The SQL expression grouped for {@code column}; a missing component groups as {@code unknown}. */
  static String expression(String column) {
    return switch (column) {
      case "source_system", "event_type", "severity" -> column;
      case "source_component" -> "COALESCE(source_component, 'unknown')";
      default -> throw new IllegalArgumentException("cannot group by " + column);
    };
  }

  /** Rows of {@code (key, count)} as a map in row order, severities by their wire name. */
  static Map<String, Long> counts(RowSet<Row> rows, String column) {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Row row : rows) {
      Object key = row.getValue(0);
      String name = column.equals("severity") ? Severity.ofRank(((Number) key).intValue()).wire() : String.valueOf(key);
      counts.put(name, row.getLong(1));
    }
    return counts;
  }
}
