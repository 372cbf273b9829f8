package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.eventcollector.event.EventQuery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A search page newest first without reading every match: positions are committed in about
 * time order, so the trigram index is asked about ranges of positions, newest first, in growing
 * chunks, until the page is full. Rows the indexer has not reached (after the watermark) are
 * checked directly; so are rows below the chunks read that are newer than the page's last
 * event (late timestamps), through the {@code (ts)} index. The page is exact at every moment.
 */
final class SqliteSearch {

  /** Positions asked about first; each next chunk is four times larger, up to {@link #MAX_CHUNK}. */
  private static final long FIRST_CHUNK = 8_192;
  private static final long MAX_CHUNK = 1L << 21;
  private static final Comparator<Hit> NEWEST_FIRST = Comparator.comparingLong(Hit::ts)
    .thenComparing(Hit::id).reversed();

  /** One matching event with its sort key. */
  private record Hit(long ts, String id, JsonObject event) {
  }

  private final Pool reader;
  private final String columns;

  SqliteSearch(Pool reader, String columns) {
    this.reader = reader;
    this.columns = columns;
  }

  /** True when this walk serves {@code query}: a search of indexable terms, newest first, without a window. */
  static boolean serves(EventQuery query) {
    return SqlFilter.matchOf(query.searchTerms()) != null && query.sortBy() == EventQuery.SortField.TIMESTAMP
      && !query.ascending() && query.start() == null && query.end() == null && query.tags().isEmpty();
  }

  Future<List<JsonObject>> page(EventQuery query, long indexed) {
    int wanted = query.offset() + query.limit();
    String match = SqlFilter.matchOf(query.searchTerms());
    // The tail after the watermark, checked directly (bounded by the indexer's lag).
    SqlFilter tail = SqlFilter.of(query, SqlFilter.WITHOUT_INDEXED_TERMS, "");
    tail.and("seq > ?", indexed);
    tail.substrings(query.searchTerms());
    Future<List<Hit>> found = select(tail, " FROM events", wanted).map(ArrayList::new);
    return found.compose(rows -> chunk(query, match, indexed, FIRST_CHUNK, rows, wanted)).map(rows -> {
      rows.sort(NEWEST_FIRST);
      int from = Math.min(rows.size(), query.offset());
      return rows.subList(from, Math.min(rows.size(), wanted)).stream().map(Hit::event).toList();
    });
  }

  /** The matches at positions {@code (hi - size, hi]}; then the next chunk, or the late rows below and done. */
  private Future<List<Hit>> chunk(EventQuery query, String match, long hi, long size, List<Hit> rows, int wanted) {
    if (hi <= 0) {
      return Future.succeededFuture(rows);
    }
    long lo = Math.max(0, hi - size);
    SqlFilter filter = SqlFilter.of(query, SqlFilter.WITHOUT_INDEXED_TERMS, "");
    filter.clause("seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ? AND rowid > ? AND rowid <= ?)");
    filter.params.add(match);
    filter.params.add(lo);
    filter.params.add(hi);
    return select(filter, " FROM events", wanted).compose(more -> {
      keep(rows, more, wanted);
      if (lo == 0) {
        return Future.succeededFuture(rows);
      }
      if (rows.size() < wanted) {
        return chunk(query, match, lo, Math.min(MAX_CHUNK, size * 4), rows, wanted);
      }
      // Full: only rows below lo at least as new as the page's last one can still belong to it.
      long last = rows.get(rows.size() - 1).ts();
      SqlFilter late = SqlFilter.of(query, SqlFilter.WITHOUT_INDEXED_TERMS, "");
      late.and("ts >= ?", last);
      late.and("seq <= ?", lo);
      late.substrings(query.searchTerms());
      return select(late, " FROM events INDEXED BY events_ts", wanted).map(older -> {
        keep(rows, older, wanted);
        return rows;
      });
    });
  }

  /** Merges {@code more} into {@code rows}, keeping the newest {@code wanted}, newest first. */
  private static void keep(List<Hit> rows, List<Hit> more, int wanted) {
    rows.addAll(more);
    rows.sort(NEWEST_FIRST);
    if (rows.size() > wanted) {
      rows.subList(wanted, rows.size()).clear();
    }
  }

  private Future<List<Hit>> select(SqlFilter filter, String from, int wanted) {
    String text = "SELECT " + columns + from + filter.whereClause() + " ORDER BY ts DESC, event_id DESC LIMIT ?";
    List<Object> params = new ArrayList<>(filter.params);
    params.add(wanted);
    return reader.preparedQuery(text).execute(Tuple.from(params)).map(result -> {
      List<Hit> hits = new ArrayList<>(result.size());
      for (Row row : result) {
        hits.add(new Hit(row.getLong(2), row.getString(1), SqliteEventStore.toJson(row)));
      }
      return hits;
    });
  }
}
