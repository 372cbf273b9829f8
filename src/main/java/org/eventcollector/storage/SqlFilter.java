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
  /** The table alias columns are qualified with ("" or "e."). */
  private final String p;

  private SqlFilter(String prefix) {
    this.p = prefix;
  }

  /** Every row searchable through the index (a filter that is only planned, never run). */
  static SqlFilter of(EventQuery query) {
    return of(query, Long.MAX_VALUE, "");
  }

  /**
   * The filter of {@code query} on {@code events} (aliased {@code prefix}); a search reads the
   * positions up to {@code indexed} through the trigram index and the rows after it directly.
   */
  static SqlFilter of(EventQuery query, long indexed, String prefix) {
    SqlFilter filter = new SqlFilter(prefix);
    String p = prefix;
    filter.in(p + "source_system", query.sourceSystems());
    filter.in(p + "event_type", query.eventTypes());
    filter.in(p + "severity", query.severities().stream().map(Severity::rank).toList());
    filter.in(p + "source_component", query.components());
    if (query.minSeverity() != null) {
      filter.and(p + "severity >= ?", query.minSeverity().rank());
    }
    if (query.start() != null) {
      filter.and(p + "ts >= ?", query.start());
    }
    if (query.end() != null) {
      filter.and(query.endInclusive() ? p + "ts <= ?" : p + "ts < ?", query.end());
    }
    if (query.correlationId() != null) {
      filter.and(p + "correlation_id = ?", query.correlationId());
    }
    for (String tag : query.tags()) {
      filter.and(p + "seq IN (SELECT seq FROM event_tags WHERE tag = ?)", tag);
    }
    if (!query.anyTags().isEmpty()) {
      filter.clause(p + "seq IN (SELECT seq FROM event_tags WHERE tag IN (" + marks(query.anyTags().size()) + "))");
      filter.params.addAll(query.anyTags());
    }
    filter.search(query.searchTerms(), indexed);
    return filter;
  }

  /** Each term a case-folded substring of the title or the description (CONTRACT section 10). */
  private void search(List<String> terms, long indexed) {
    StringBuilder match = new StringBuilder();
    List<String> indexable = new ArrayList<>();
    for (String term : terms) {
      // FTS5 reads its query as a C string: a NUL would cut it, so such a term is matched directly.
      if (indexable(term)) {
        if (match.length() > 0) {
          match.append(' ');
        }
        match.append('"').append(term.replace("\"", "\"\"")).append('"');
        indexable.add(Text.fold(term));
      } else {
        and("(instr(lower(" + p + "title), ?) > 0 OR instr(lower(" + p + "description), ?) > 0)", Text.fold(term));
        params.add(Text.fold(term));
      }
    }
    if (match.length() == 0 || indexed == WITHOUT_INDEXED_TERMS) {
      return;
    }
    if (indexed == Long.MAX_VALUE) {
      and(p + "seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)", match.toString());
      return;
    }
    // The indexed part through the index, the tail the indexer has not reached by a bounded scan.
    StringBuilder tail = new StringBuilder("(" + p + "seq > ?");
    List<Object> tailParams = new ArrayList<>();
    tailParams.add(indexed);
    for (String term : indexable) {
      tail.append(" AND (instr(" + FOLD + "(" + p + "title), ?) > 0 OR instr(" + FOLD + "(" + p + "description), ?) > 0)");
      tailParams.add(term);
      tailParams.add(term);
    }
    tail.append(')');
    clause("(" + p + "seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ? AND rowid <= ?) OR " + tail + ")");
    params.add(match.toString());
    params.add(indexed);
    params.addAll(tailParams);
  }

  /** As {@code indexed}: leave the terms the index can serve to the caller ({@link #matchOf}, {@link #substrings}). */
  static final long WITHOUT_INDEXED_TERMS = Long.MIN_VALUE;

  /** The FTS5 query of the terms the trigram index serves (each a quoted phrase), or null when there is none. */
  static String matchOf(List<String> terms) {
    StringBuilder match = new StringBuilder();
    for (String term : terms) {
      if (indexable(term)) {
        match.append(match.length() > 0 ? " " : "").append('"').append(term.replace("\"", "\"\"")).append('"');
      }
    }
    return match.length() == 0 ? null : match.toString();
  }

  /** Adds the terms the index serves as direct substring checks (the rows the index is not asked about). */
  void substrings(List<String> terms) {
    for (String term : terms) {
      if (indexable(term)) {
        and("(instr(" + FOLD + "(" + p + "title), ?) > 0 OR instr(" + FOLD + "(" + p + "description), ?) > 0)", Text.fold(term));
        params.add(Text.fold(term));
      }
    }
  }

  private static boolean indexable(String term) {
    return term.codePointCount(0, term.length()) >= TRIGRAM && term.indexOf('\0') < 0;
  }

  /** The SQL function that folds case as {@link Text#fold} does (registered on every connection). */
  static final String FOLD = "ec_fold";

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

  void and(String fragment, Object param) {
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
