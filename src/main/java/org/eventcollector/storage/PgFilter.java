package org.eventcollector.storage;

import org.eventcollector.event.EventQuery;
import org.eventcollector.event.Severity;

import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL twin of {@link SqlFilter}: a WHERE clause and ORDER BY from fixed fragments with
 * numbered placeholders ({@code $1}, ...). Nothing a client sends is ever part of the SQL text.
 */
final class PgFilter {

  /** The expression of the trigram index {@code events_text_trgm}. */
  static final String SEARCHED = "(title || E'\\n' || description)";

  final StringBuilder where = new StringBuilder();
  final List<Object> params = new ArrayList<>();

  static PgFilter of(EventQuery query) {
    PgFilter filter = new PgFilter();
    filter.anyOf("source_system", query.sourceSystems().toArray(String[]::new));
    filter.anyOf("event_type", query.eventTypes().toArray(String[]::new));
    filter.anyOf("severity", query.severities().stream().map(Severity::rank).toArray(Integer[]::new));
    filter.anyOf("source_component", query.components().toArray(String[]::new));
    if (query.minSeverity() != null) {
      filter.clause("severity >= " + filter.param(query.minSeverity().rank()));
    }
    if (query.start() != null) {
      filter.clause("ts >= " + filter.param(query.start()));
    }
    if (query.end() != null) {
      filter.clause((query.endInclusive() ? "ts <= " : "ts < ") + filter.param(query.end()));
    }
    if (query.correlationId() != null) {
      filter.clause("correlation_id = " + filter.param(query.correlationId()));
    }
    // The GIN index events_tags serves both: @> (holds every tag) and && (holds one of them).
    if (!query.tags().isEmpty()) {
      filter.clause("tags @> " + filter.param(query.tags().toArray(String[]::new)) + "::text[]");
    }
    if (!query.anyTags().isEmpty()) {
      filter.clause("tags && " + filter.param(query.anyTags().toArray(String[]::new)) + "::text[]");
    }
    for (String term : query.searchTerms()) {
      // The trigram GIN index on the joined text serves ILIKE (all terms in one index scan); terms
      // too short for trigrams are rechecked on the rows the other conditions select. Terms are
      // split on whitespace, so none can span the line feed that joins title and description.
      filter.clause(SEARCHED + " ILIKE " + filter.param("%" + likeLiteral(term) + "%"));
    }
    return filter;
  }

  /** {@code value} as a LIKE pattern matching itself only ({@code \} is LIKE's default escape). */
  static String likeLiteral(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == '%' || c == '_') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  String whereClause() {
    return where.length() == 0 ? "" : " WHERE " + where;
  }

  static String orderBy(EventQuery query) {
    String dir = query.ascending() ? " ASC" : " DESC";
    String tail = "ts" + dir + ", event_id COLLATE \"C\"" + dir;
    return switch (query.sortBy()) {
      case TIMESTAMP -> " ORDER BY " + tail;
      case DURATION_MS -> " ORDER BY duration_ms" + dir + " NULLS LAST, " + tail;
      case SEVERITY -> " ORDER BY severity" + dir + ", " + tail;
      case EVENT_TYPE -> " ORDER BY event_type COLLATE \"C\"" + dir + ", " + tail;
      case SOURCE_SYSTEM -> " ORDER BY source_system COLLATE \"C\"" + dir + ", " + tail;
    };
  }

  /** Adds a parameter and answers its placeholder. */
  String param(Object value) {
    if (value instanceof String text) {
      value = text(text);
    } else if (value instanceof String[] texts) {
      value = java.util.Arrays.stream(texts).map(PgFilter::text).toArray(String[]::new);
    }
    params.add(value);
    return "$" + params.size();
  }

  /** {@code value} as PostgreSQL text can hold it: U+0000 becomes U+FFFD (see {@code events.exact}). */
  static String text(String value) {
    return value == null || value.indexOf('\u0000') < 0 ? value : value.replace('\u0000', '\uFFFD');
  }

  private void anyOf(String column, Object[] values) {
    if (values.length == 1) {
      clause(column + " = " + param(values[0]));
    } else if (values.length > 1) {
      clause(column + " = ANY(" + param(values) + ")");
    }
  }

  void clause(String fragment) {
    if (where.length() > 0) {
      where.append(" AND ");
    }
    where.append(fragment);
  }
}
