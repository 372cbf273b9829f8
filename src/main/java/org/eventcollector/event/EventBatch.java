package org.eventcollector.event;

import java.util.List;

/**
 * Events that travel together between the collector's own verticles: a write on its way to storage
 * (no positions), or the events one commit stored, with their commit positions.
 *
 * <p>Immutable, so the local event bus hands the same object over without a copy
 * ({@link EventCodecs}); between cluster nodes it travels in a compact binary form.
 *
 * @param events the events, in order
 * @param seqs   the commit position of each event, or null for a write not yet committed
 */
public record EventBatch(List<Event> events, long[] seqs) {

  public EventBatch {
    events = List.copyOf(events);
    if (seqs != null && seqs.length != events.size()) {
      throw new IllegalArgumentException("one position per event");
    }
  }

  /** A write: events without positions. */
  public static EventBatch of(List<Event> events) {
    return new EventBatch(events, null);
  }

  public int size() {
    return events.size();
  }

  /** The position of event {@code i}. */
  public long seq(int i) {
    return seqs[i];
  }
}
