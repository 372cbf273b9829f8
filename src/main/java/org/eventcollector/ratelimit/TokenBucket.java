package org.eventcollector.ratelimit;

/** A token bucket: {@code perSecond} tokens a second, at most {@code burst}, starting full. Not thread-safe. */
final class TokenBucket {

  private double perSecond;
  private double burst;
  private double tokens;
  private long last;

  TokenBucket(double perSecond, double burst, long nowNanos) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.last = nowNanos;
  }

  /** Takes up to {@code wanted} whole tokens; the answer is how many were taken. */
  long take(long wanted, long nowNanos) {
    refill(nowNanos);
    long granted = Math.min(wanted, (long) Math.floor(tokens));
    tokens -= granted;
    return granted;
  }

  /** Milliseconds until one token is available (at least 1). */
  long retryAfterMillis(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      return 1;
    }
    if (perSecond <= 0) {
      return 60_000;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / perSecond));
  }

  void configure(double perSecond, double burst, long nowNanos) {
    refill(nowNanos);
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = Math.min(tokens, burst);
  }

  double perSecond() {
    return perSecond;
  }

  double burst() {
    return burst;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - last;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * perSecond / 1e9);
      last = nowNanos;
    }
  }
}
