package org.eventcollector.ingest;

import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.http.Responses;

/** A 429: the bucket of {@code system} is empty for {@code retryAfterMs}. */
final class RateLimitedException extends CodedException implements Responses.Retryable {

  private final long retryAfterMs;

  RateLimitedException(String system, long retryAfterMs) {
    super(Failure.RATE_LIMITED, "rate limit exceeded for " + system, null);
    this.retryAfterMs = retryAfterMs;
  }

  @Override
  public long retryAfterMs() {
    return retryAfterMs;
  }
}
