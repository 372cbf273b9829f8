package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.Severity;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The counting side of the SQLite store: counts, stats and hourly buckets from the rollups where
 * the filters allow (whole hours from {@code event_counts}, edge hours from the rows), durations
 * and error groups from the rows, all on the reader pool.
 */
final class SqliteAnalyses {

  private final Vertx vertx;
  private final Pool reader;
  private final Function<EventQuery, SqlFilter> filters;
  private final Supplier<DataSource> readOnly;

  SqliteAnalyses(Vertx vertx, Pool reader, Function<EventQuery, SqlFilter> filters, Supplier<DataSource> readOnly) {
    this.vertx = vertx;
    this.reader = reader;
    this.filters = filters;
    this.readOnly = readOnly;
  }

  private SqlFilter filter(EventQuery query) {
    return filters.apply(query);
  }

  Future<Long> count(EventQuery query) {
    if (Rollups.serve(query)) {
      Rollups.Statement counted = Rollups.grouped(query, List.of());
      return reader.preparedQuery(counted.text()).execute(Tuple.from(counted.params()))
        .map(rows -> rows.iterator().next().getLong(0));
    }
    SqlFilter filter = filter(query);
    return reader.preparedQuery("SELECT COUNT(*) FROM events" + filter.whereClause())
      .execute(Tuple.from(filter.params))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  Future<Map<String, Long>> countBy(String column, EventQuery query) {
    if (Rollups.serve(query)) {
      return rollup(query, List.of(column)).map(groups -> groups.get(0));
    }
    String expression = Grouping.expression(column);
    SqlFilter filter = filter(query);
    String text = "SELECT " + expression + " AS k, COUNT(*) AS n FROM events" + filter.whereClause()
      + " GROUP BY k ORDER BY n DESC, k";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> Grouping.counts(rows, column));
  }

  /** Counts per value of each of {@code columns} from the rollups, each ordered by count, largest first, then by value. */
  private Future<List<Map<String, Long>>> rollup(EventQuery query, List<String> columns) {
    Rollups.Statement grouped = Rollups.grouped(query, columns);
    return reader.preparedQuery(grouped.text()).execute(Tuple.from(grouped.params())).map(rows -> {
      List<Map<String, Long>> counts = new ArrayList<>();
      columns.forEach(c -> counts.add(new java.util.HashMap<>()));
      for (Row row : rows) {
        long n = row.getLong(columns.size());
        for (int i = 0; i < columns.size(); i++) {
          counts.get(i).merge(Rollups.name(columns.get(i), row.getValue(i)), n, Long::sum);
        }
      }
      List<Map<String, Long>> ordered = new ArrayList<>();
      for (Map<String, Long> byValue : counts) {
        Map<String, Long> sorted = new LinkedHashMap<>();
        byValue.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        ordered.add(sorted);
      }
      return ordered;
    });
  }

  private static final int PASS_CHUNK = 2_000;

  Future<Map<Long, Long>> hourly(EventQuery query) {
    Rollups.Statement statement;
    if (Rollups.serve(query)) {
      statement = Rollups.grouped(query, List.of("hour"));
    } else {
      SqlFilter filter = filter(query);
      statement = new Rollups.Statement("SELECT " + Rollups.HOUR_OF_TS + " AS h, COUNT(*) AS n FROM events"
        + filter.whereClause() + " GROUP BY h", filter.params);
    }
    return reader.preparedQuery(statement.text()).execute(Tuple.from(statement.params())).map(rows -> {
      java.util.TreeMap<Long, Long> counts = new java.util.TreeMap<>();
      for (Row row : rows) {
        if (row.getLong(1) > 0) {
          counts.put(row.getLong(0) * Rollups.HOUR, row.getLong(1));
        }
      }
      return new LinkedHashMap<>(counts);
    });
  }

  Future<DurationStats> durations(EventQuery query, boolean percentiles) {
    return durationsBySort(query, percentiles);
  }

  private Future<DurationStats> durationsBySort(EventQuery query, boolean percentiles) {
    SqlFilter filter = filter(query);
    filter.clause("duration_ms IS NOT NULL");
    if (!percentiles) {
      String text = "SELECT COUNT(duration_ms), MIN(duration_ms), MAX(duration_ms), AVG(duration_ms) FROM events"
        + filter.whereClause();
      return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
        Row row = rows.iterator().next();
        long n = row.getLong(0);
        return n == 0 ? DurationStats.EMPTY : new DurationStats(n, row.getLong(1), row.getLong(2),
          ((Number) row.getValue(3)).doubleValue(), null, null, null);
      });
    }
    // One sort: row numbers over the ordered durations, keeping the ranks that are asked for.
    String text = "SELECT rn, d, n, a FROM (SELECT duration_ms AS d, ROW_NUMBER() OVER (ORDER BY duration_ms) AS rn,"
      + " COUNT(*) OVER () AS n, AVG(duration_ms) OVER () AS a FROM events" + filter.whereClause() + ")"
      + " WHERE rn = 1 OR rn = n OR rn = (n * 50 + 99) / 100 OR rn = (n * 95 + 99) / 100 OR rn = (n * 99 + 99) / 100";
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(DurationStats::ofRanks);
  }

  Future<ErrorGroups> errorGroups(EventQuery query) {
    // A streaming pass on a worker thread over a plain JDBC cursor: one matching row in memory at
    // a time, each folded into its group; the (severity, ts) index serves the window per severity.
    SqlFilter filter = filter(SqliteEventStore.severitiesListed(query));
    String text = "SELECT event_id, ts, source_system, event_type, title, substr(description, 1, "
      + org.eventcollector.event.Fingerprint.DESCRIPTION_CHARS + ") FROM events" + filter.whereClause();
    return vertx.executeBlocking(() -> {
      ErrorGroups groups = new ErrorGroups();
      try (java.sql.Connection conn = readOnly.get().getConnection();
           java.sql.PreparedStatement statement = conn.prepareStatement(text)) {
        for (int i = 0; i < filter.params.size(); i++) {
          statement.setObject(i + 1, filter.params.get(i));
        }
        statement.setFetchSize(PASS_CHUNK);
        try (java.sql.ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            groups.add(rows.getString(1), rows.getLong(2), rows.getString(3), rows.getString(4), rows.getString(5),
              rows.getString(6));
          }
        }
      }
      return groups;
    }, false);
  }

  /**
   * Filters the rollups hold: whole hours from them, edge hours from the rows, every column in one
   * statement. Any other filter: one GROUP BY over every column at once (one pass over the
   * matching rows), the totals per column summed from it. A minimum severity becomes the list of
   * severities, so the {@code (severity, ts)} index serves the window of each.
   */
  Future<JsonObject> aggregate(EventQuery query, List<String> columns) {
    if (Rollups.serve(query)) {
      List<String> keys = columns.isEmpty() ? List.of("severity") : columns;
      return rollup(query, keys).map(groups -> {
        JsonObject byColumn = new JsonObject();
        long total = 0;
        for (long n : groups.get(0).values()) {
          total += n;
        }
        for (int i = 0; i < columns.size(); i++) {
          JsonObject counts = new JsonObject();
          groups.get(i).forEach(counts::put);
          byColumn.put(columns.get(i), counts);
        }
        return new JsonObject().put("total", total).put("groups", byColumn);
      });
    }
    if (columns.isEmpty()) {
      return count(query).map(n -> new JsonObject().put("total", n).put("groups", new JsonObject()));
    }
    EventQuery bySeverity = SqliteEventStore.severitiesListed(query);
    SqlFilter filter = filter(bySeverity);
    List<String> expressions = new ArrayList<>();
    for (String column : columns) {
      expressions.add(column.equals("source_component") ? "COALESCE(source_component, 'unknown')" : column);
    }
    String keys = String.join(", ", expressions);
    String text = "SELECT " + keys + ", COUNT(*) FROM events" + filter.whereClause() + " GROUP BY " + keys;
    return reader.preparedQuery(text).execute(Tuple.from(filter.params)).map(rows -> {
      List<Map<String, Long>> counts = new ArrayList<>();
      columns.forEach(c -> counts.add(new java.util.HashMap<>()));
      long total = 0;
      for (Row row : rows) {
        long n = row.getLong(columns.size());
        total += n;
        for (int i = 0; i < columns.size(); i++) {
          Object key = row.getValue(i);
          String name = columns.get(i).equals("severity") ? Severity.ofRank(((Number) key).intValue()).wire() : String.valueOf(key);
          counts.get(i).merge(name, n, Long::sum);
        }
      }
      JsonObject groups = new JsonObject();
      for (int i = 0; i < columns.size(); i++) {
        JsonObject ordered = new JsonObject();
        counts.get(i).entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        groups.put(columns.get(i), ordered);
      }
      return new JsonObject().put("total", total).put("groups", groups);
    });
  }

}
