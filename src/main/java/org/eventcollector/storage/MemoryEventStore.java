package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Events in memory, bounded: past {@code maxEvents} the oldest are dropped (and counted). */
final class MemoryEventStore implements EventStore {

  /** An event as ingest made it (immutable, so kept as it is); its JSON is built on read. */
  private record Stored(long seq, Event event) {
    JsonObject json() {
      return event.toJson();
    }
  }

  private final int maxEvents;
  private final Runnable onEvicted;
  private final LinkedHashMap<String, Stored> events = new LinkedHashMap<>();
  private long nextSeq = 1;

  MemoryEventStore(int maxEvents, Runnable onEvicted) {
    this.maxEvents = maxEvents;
    this.onEvicted = onEvicted;
  }

  @Override
  public Future<Void> open() {
    return Future.succeededFuture();
  }

  @Override
  public Future<long[]> insert(List<Event> batch) {
    long[] seqs = new long[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      Event event = batch.get(i);
      if (events.containsKey(event.eventId())) {
        seqs[i] = -1;
        continue;
      }
      seqs[i] = nextSeq;
      events.put(event.eventId(), new Stored(nextSeq++, event));
      if (events.size() > maxEvents) {
        Iterator<Stored> oldest = events.values().iterator();
        oldest.next();
        oldest.remove();
        onEvicted.run();
      }
    }
    return Future.succeededFuture(seqs);
  }

  @Override
  public Future<JsonObject> get(String eventId) {
    Stored stored = events.get(eventId);
    return Future.succeededFuture(stored == null ? null : stored.json());
  }

  @Override
  public Future<List<JsonObject>> query(EventQuery query) {
    List<JsonObject> page = matching(query)
      .sorted(comparator(query))
      .skip(query.offset())
      .limit(query.limit())
      .map(s -> s.json())
      .toList();
    return Future.succeededFuture(page);
  }

  @Override
  public Future<Long> count(EventQuery query) {
    return Future.succeededFuture(matching(query).count());
  }

  @Override
  public Future<Map<String, Long>> countBy(String column, EventQuery query) {
    Map<String, Long> counts = new HashMap<>();
    matching(query).forEach(s -> counts.merge(key(column, s.event()), 1L, Long::sum));
    Map<String, Long> sorted = new LinkedHashMap<>();
    counts.entrySet().stream()
      .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
      .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return Future.succeededFuture(sorted);
  }

  private static String key(String column, Event event) {
    return switch (column) {
      case "source_system" -> event.sourceSystem();
      case "event_type" -> event.eventType();
      case "severity" -> event.severity().wire();
      case "source_component" -> event.sourceComponent() == null ? "unknown" : event.sourceComponent();
      default -> throw new IllegalArgumentException("cannot group by " + column);
    };
  }

  @Override
  public Future<List<JsonObject>> afterPosition(long seq, EventQuery filter, int max) {
    List<JsonObject> replay = new ArrayList<>();
    for (Stored stored : events.values()) {
      if (stored.seq() > seq && filter.matches(stored.event())) {
        replay.add(stored.json().put("_seq", stored.seq()));
        if (replay.size() > max) {
          break;
        }
      }
    }
    return Future.succeededFuture(replay);
  }

  @Override
  public Future<Long> position(String eventId) {
    Stored stored = events.get(eventId);
    return Future.succeededFuture(stored == null ? null : stored.seq());
  }

  @Override
  public Future<List<JsonObject>> range(long afterSeq, long toSeq) {
    List<JsonObject> found = new ArrayList<>();
    // Insertion order is position order.
    for (Stored stored : events.values()) {
      if (stored.seq() > toSeq || found.size() >= RANGE_MAX) {
        break;
      }
      if (stored.seq() > afterSeq) {
        found.add(stored.json().put("_seq", stored.seq()));
      }
    }
    return Future.succeededFuture(found);
  }

  @Override
  public Future<Integer> deleteBefore(long before, int chunk) {
    int deleted = 0;
    Iterator<Stored> it = events.values().iterator();
    while (it.hasNext() && deleted < chunk) {
      if (it.next().event().timestamp() < before) {
        it.remove();
        deleted++;
      }
    }
    return Future.succeededFuture(deleted);
  }

  @Override
  public Future<Integer> deleteBefore(long before, int chunk, String system) {
    int deleted = 0;
    Iterator<Stored> it = events.values().iterator();
    while (it.hasNext() && deleted < chunk) {
      Event event = it.next().event();
      if (event.timestamp() < before && event.sourceSystem().equals(system)) {
        it.remove();
        deleted++;
      }
    }
    return Future.succeededFuture(deleted);
  }

  @Override
  public Future<JsonObject> health() {
    return Future.succeededFuture(new JsonObject()
      .put("status", "healthy")
      .put("storage_type", "memory")
      .put("max_events", maxEvents)
      .put("total_events", events.size()));
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private Stream<Stored> matching(EventQuery query) {
    return events.values().stream().filter(s -> query.matches(s.event()));
  }

  static Comparator<Stored> comparator(EventQuery query) {
    Comparator<Stored> primary = switch (query.sortBy()) {
      case TIMESTAMP -> (a, b) -> 0;
      case DURATION_MS -> Comparator.comparing(s -> s.event().durationMs(), Comparator.nullsLast(Comparator.naturalOrder()));
      case SEVERITY -> Comparator.comparingInt(s -> s.event().severity().rank());
      case EVENT_TYPE -> Comparator.comparing(s -> s.event().eventType());
      case SOURCE_SYSTEM -> Comparator.comparing(s -> s.event().sourceSystem());
    };
    Comparator<Stored> tail = Comparator.<Stored>comparingLong(s -> s.event().timestamp())
      .thenComparing(s -> s.event().eventId());
    if (query.ascending()) {
      return primary.thenComparing(tail);
    }
    if (query.sortBy() == EventQuery.SortField.DURATION_MS) {
      // Nulls last in both orders: reverse only the non-null values.
      Comparator<Stored> byDuration = Comparator.comparing(s -> s.event().durationMs(),
        Comparator.nullsLast(Comparator.<Long>reverseOrder()));
      return byDuration.thenComparing(tail.reversed());
    }
    return primary.reversed().thenComparing(tail.reversed());
  }

  @Override
  public Future<Map<Long, Long>> hourly(EventQuery query) {
    Map<Long, Long> counts = new java.util.TreeMap<>();
    matching(query).forEach(s -> counts.merge(Math.floorDiv(s.event().timestamp(), HOUR) * HOUR, 1L, Long::sum));
    return Future.succeededFuture(counts);
  }

  @Override
  public Future<DurationStats> durations(EventQuery query, boolean percentiles) {
    long[] values = new long[64];
    int n = 0;
    for (Stored stored : events.values()) {
      Long duration = stored.event().durationMs();
      if (duration != null && query.matches(stored.event())) {
        if (n == values.length) {
          values = java.util.Arrays.copyOf(values, n * 2);
        }
        values[n++] = duration;
      }
    }
    java.util.Arrays.sort(values, 0, n);
    return Future.succeededFuture(DurationStats.of(values, n, percentiles));
  }

  @Override
  public Future<ErrorGroups> errorGroups(EventQuery query) {
    ErrorGroups groups = new ErrorGroups();
    matching(query).forEach(s -> {
      Event e = s.event();
      groups.add(e.eventId(), e.timestamp(), e.sourceSystem(), e.eventType(), e.title(), e.description());
    });
    return Future.succeededFuture(groups);
  }

  private static final long HOUR = 3_600_000L;
}
