package org.eventcollector.storage;

import org.eventcollector.event.EventQuery;
import org.eventcollector.event.Severity;
import org.eventcollector.event.Text;

import java.util.ArrayList;
import java.util.List;

/**
 * Assembles a WHERE clause and ORDER BY from fixed fragments with {@code ?} placeholders. Nothing a
 * client sends is ever part of the SQL text.
 */
final class SqlFilter {

  /** The shortest term the trigram index can serve. */
  static final int TRIGRAM = 3;

  final StringBuilder where = new StringBuilder();
  final List<Object> params = new ArrayList<>();

  static SqlFilter of(EventQuery query) {
    SqlFilter filter = new SqlFilter();
    filter.in("source_system", query.sourceSystems());
    filter.in("event_type", query.eventTypes());
    filter.in("severity", query.severities().stream().map(Severity::rank).toList());
    filter.in("source_component", query.components());
    if (query.minSeverity() != null) {
      filter.and("severity >= ?", query.minSeverity().rank());
    }
    if (query.start() != null) {
      filter.and("ts >= ?", query.start());
    }
    if (query.end() != null) {
      filter.and(query.endInclusive() ? "ts <= ?" : "ts < ?", query.end());
    }
    if (query.correlationId() != null) {
      filter.and("correlation_id = ?", query.correlationId());
    }
    for (String tag : query.tags()) {
      filter.and("seq IN (SELECT seq FROM event_tags WHERE tag = ?)", tag);
    }
    if (!query.anyTags().isEmpty()) {
      filter.clause("seq IN (SELECT seq FROM event_tags WHERE tag IN (" + marks(query.anyTags().size()) + "))");
      filter.params.addAll(query.anyTags());
    }
    StringBuilder match = new StringBuilder();
    for (String term : query.searchTerms()) {
      // FTS5 reads its query as a C string: a NUL would cut it, so such a term is matched directly.
      if (term.codePointCount(0, term.length()) >= TRIGRAM && term.indexOf('\0') < 0) {
        if (match.length() > 0) {
          match.append(' ');
        }
        match.append('"').append(term.replace("\"", "\"\"")).append('"');
      } else {
        filter.and("(instr(lower(title), ?) > 0 OR instr(lower(description), ?) > 0)", Text.fold(term));
        filter.params.add(Text.fold(term));
      }
    }
    if (match.length() > 0) {
      filter.and("seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)", match.toString());
    }
    return filter;
  }

  String whereClause() {
    return where.length() == 0 ? "" : " WHERE " + where;
  }

  static String orderBy(EventQuery query) {
    String dir = query.ascending() ? " ASC" : " DESC";
    String tail = "ts" + dir + ", event_id" + dir;
    return switch (query.sortBy()) {
      case TIMESTAMP -> " ORDER BY " + tail;
      case DURATION_MS -> " ORDER BY duration_ms IS NULL, duration_ms" + dir + ", " + tail;
      case SEVERITY -> " ORDER BY severity" + dir + ", " + tail;
      case EVENT_TYPE -> " ORDER BY event_type" + dir + ", " + tail;
      case SOURCE_SYSTEM -> " ORDER BY source_system" + dir + ", " + tail;
    };
  }

  private void in(String column, List<?> values) {
    if (values.isEmpty()) {
      return;
    }
    if (values.size() == 1) {
      and(column + " = ?", values.get(0));
    } else {
      clause(column + " IN (" + marks(values.size()) + ")");
      params.addAll(values);
    }
  }

  private void and(String fragment, Object param) {
    clause(fragment);
    params.add(param);
  }

  void clause(String fragment) {
    if (where.length() > 0) {
      where.append(" AND ");
    }
    where.append(fragment);
  }

  static String marks(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }
}
