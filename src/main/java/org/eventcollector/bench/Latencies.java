package org.eventcollector.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, bounded in memory; percentiles are nearest-rank. */
final class Latencies {

  private static final int MAX_SAMPLES = 4_000_000;
  private long[] samples = new long[1024];
  private int size;
  private long dropped;

  synchronized void add(long nanos) {
    if (size == samples.length) {
      if (size >= MAX_SAMPLES) {
        dropped++;
        return;
      }
      samples = Arrays.copyOf(samples, Math.min(MAX_SAMPLES, size * 2));
    }
    samples[size++] = nanos;
  }

  synchronized int count() {
    return size;
  }

  /** The nearest-rank percentile in milliseconds, NaN without samples. */
  synchronized double percentileMs(double percentile) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(percentile / 100.0 * size);
    return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
  }
}
