package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;

import java.util.List;
import java.util.Map;

/** A storage backend. Calls come from one event loop; futures complete on it. */
interface EventStore {

  Future<Void> open();

  /**
   * Stores {@code events} in one transaction, in order. The answer holds, for each event, its commit
   * position ({@code seq}, increasing) or -1 when its id was already stored (or earlier in the list).
   */
  Future<long[]> insert(List<Event> events);

  /** The stored event, or null. */
  Future<JsonObject> get(String eventId);

  Future<List<JsonObject>> query(EventQuery query);

  Future<Long> count(EventQuery query);

  /** Counts of the events matching {@code query} grouped by a column ({@code source_system}, ...). */
  Future<Map<String, Long>> countBy(String column, EventQuery query);

  /**
   * Events matching {@code filter} committed after {@code eventId}, in commit order, at most
   * {@code max + 1}; null when the id is unknown. Each event carries its position as {@code _seq}.
   */
  default Future<List<JsonObject>> after(String eventId, EventQuery filter, int max) {
    return position(eventId).compose(seq -> seq == null ? Future.succeededFuture(null) : afterPosition(seq, filter, max));
  }

  /**
   * Events matching {@code filter} committed after position {@code seq}, in commit order, at most
   * {@code max + 1}, each with its position as {@code _seq}.
   */
  Future<List<JsonObject>> afterPosition(long seq, EventQuery filter, int max);

  /** The commit position of a stored event, or null when the id is unknown. */
  Future<Long> position(String eventId);

  /** Most events one {@link #range} answer holds. */
  int RANGE_MAX = 10_000;

  /**
   * The stored events at positions {@code afterSeq < seq <= toSeq}, in position order, at most
   * {@link #RANGE_MAX}, each with its position as {@code _seq}; positions not stored (never taken,
   * deleted, evicted) are simply absent.
   */
  Future<List<JsonObject>> range(long afterSeq, long toSeq);

  /** Deletes up to {@code chunk} events older than {@code before}; the answer is how many. */
  Future<Integer> deleteBefore(long before, int chunk);

  /** Deletes up to {@code chunk} events of {@code system} older than {@code before}; the answer is how many. */
  Future<Integer> deleteBefore(long before, int chunk, String system);

  /** Backend details for {@code /health}. */
  Future<JsonObject> health();

  Future<Void> close();

  /** Counts of the events matching {@code query} per clock hour (key: the hour's start, epoch ms); empty hours absent. */
  default Future<Map<Long, Long>> hourly(EventQuery query) {
    return unsupported();
  }

  /**
   * Durations of the events matching {@code query} that have one: {@code count}, {@code min},
   * {@code max}, {@code avg}, and with {@code percentiles} the nearest-rank {@code p50}, {@code p95},
   * {@code p99} (null when there is none).
   */
  default Future<DurationStats> durations(EventQuery query, boolean percentiles) {
    return unsupported();
  }

  /**
   * Error groups of the events matching {@code query} by {@link org.eventcollector.event.Fingerprint},
   * computed in one streaming pass; at most {@link ErrorGroups#MAX_GROUPS} kept.
   */
  default Future<ErrorGroups> errorGroups(EventQuery query) {
    return unsupported();
  }

  /**
   * {@code {total, groups: {column: {value: count}}}} of the events matching {@code query}, each
   * grouping ordered by count, largest first, then by value.
   */
  default Future<JsonObject> aggregate(EventQuery query, List<String> columns) {
    Future<Long> total = count(query);
    List<Future<Map<String, Long>>> groups = new java.util.ArrayList<>();
    for (String column : columns) {
      groups.add(countBy(column, query));
    }
    List<Future<?>> parts = new java.util.ArrayList<>(groups);
    parts.add(total);
    return Future.all(parts).map(v -> {
      JsonObject byColumn = new JsonObject();
      for (int i = 0; i < columns.size(); i++) {
        JsonObject counts = new JsonObject();
        groups.get(i).result().forEach(counts::put);
        byColumn.put(columns.get(i), counts);
      }
      return new JsonObject().put("total", total.result()).put("groups", byColumn);
    });
  }

  /** What a backend without the analysis operations answers: 503, as for an unavailable storage. */
  private static <T> Future<T> unsupported() {
    return Future.failedFuture(new org.eventcollector.bus.CodedException(org.eventcollector.bus.Failure.UNAVAILABLE,
      "storage unavailable: this backend does not support analyses"));
  }
}
