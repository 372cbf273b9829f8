package org.eventcollector.event;

/**
 * The answer to a write: for each event, its commit position, or -1 when its {@code event_id} was
 * stored already (a duplicate). Travels like {@link EventBatch}, through {@link EventCodecs}.
 */
public record StoreResult(long[] seqs) {

  public int size() {
    return seqs.length;
  }

  /** Whether event {@code i} was stored by this write (not a duplicate). */
  public boolean collected(int i) {
    return seqs[i] > 0;
  }

  /** {@code collected} or {@code duplicate}, as the REST answers say it. */
  public String status(int i) {
    return collected(i) ? "collected" : "duplicate";
  }
}
