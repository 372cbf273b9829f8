package org.eventcollector.ingest;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import org.eventcollector.bus.Addresses;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The ingest node's side of the cluster-wide rate limit, shared by every ingest instance of the
 * node. The buckets live only at the {@code ratelimit} owner; this class asks it for tokens
 * (one request in flight per system, with every caller that arrives meanwhile folded into the
 * next request) and keeps a small lease of extra tokens (about {@link #PREFETCH_SECONDS} of the
 * system's rate) so that steady traffic is admitted locally without a round trip. Leased tokens
 * expire after {@link #LEASE_MS} and are dropped when the limit changes. A refusal is remembered
 * until the owner's {@code retry_after_ms}, so a flood of rejected events costs no bus traffic.
 */
final class RateLimitLeases implements Shareable {

  /** How much of a system's rate one node prefetches, in seconds of tokens. */
  static final double PREFETCH_SECONDS = 0.02;
  /** How long leased tokens stay usable. */
  static final long LEASE_MS = 500;
  /** How long a refusal is remembered at most (the owner is asked again after that). */
  static final long MAX_REMEMBERED_MS = 100;
  // Short: a request stuck on a dead owner holds every caller of its system until it times out.
  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(2_000);

  private final Vertx vertx;
  private final Map<String, Lease> leases = new HashMap<>();

  private RateLimitLeases(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The leases of this node, created (with its change listener) on first use. */
  static RateLimitLeases of(Vertx vertx) {
    LocalMap<String, RateLimitLeases> map = vertx.sharedData().getLocalMap("event-collector.ratelimit.leases");
    synchronized (RateLimitLeases.class) {
      RateLimitLeases leases = map.get("node");
      if (leases == null) {
        leases = new RateLimitLeases(vertx);
        map.put("node", leases);
        RateLimitLeases created = leases;
        vertx.eventBus().<JsonObject>consumer(Addresses.RATELIMIT_CHANGED, m -> created.changed(m.body()));
      }
      return leases;
    }
  }

  /** Takes up to {@code count} tokens for {@code system}: {@code {granted, retry_after_ms?}}. */
  Future<JsonObject> acquire(String system, int count) {
    Context context = vertx.getOrCreateContext();
    Waiter waiter;
    boolean send = false;
    synchronized (this) {
      Lease lease = leases.computeIfAbsent(system, s -> new Lease());
      long now = now();
      if (now >= lease.expiresAt) {
        lease.tokens = 0;
      }
      if (lease.waiting.isEmpty()) {
        if (lease.tokens >= count) {
          lease.tokens -= count;
          return Future.succeededFuture(new JsonObject().put("granted", count));
        }
        if (now < lease.emptyUntil) {
          long granted = lease.tokens;
          lease.tokens = 0;
          return Future.succeededFuture(refusal(granted, lease.retryAt - now));
        }
      }
      waiter = new Waiter(count, context, Promise.promise());
      lease.waiting.add(waiter);
      if (!lease.inFlight) {
        lease.inFlight = true;
        send = true;
      }
    }
    if (send) {
      request(system);
    }
    return waiter.promise.future();
  }

  private void request(String system) {
    long want;
    synchronized (this) {
      Lease lease = leases.get(system);
      long needed = lease.waiting.stream().mapToLong(w -> w.count).sum();
      long prefetch = (long) Math.ceil(lease.perSecond * PREFETCH_SECONDS);
      want = Math.max(1, needed + prefetch - lease.tokens);
    }
    vertx.eventBus().<JsonObject>request(Addresses.RATELIMIT_ACQUIRE,
      new JsonObject().put("source_system", system).put("count", want), TIMEOUT).onComplete(ar -> {
        boolean again;
        synchronized (this) {
          Lease lease = leases.get(system);
          if (ar.failed()) {
            lease.inFlight = false;
            lease.waiting.forEach(w -> w.context.runOnContext(v -> w.promise.fail(ar.cause())));
            lease.waiting.clear();
            return;
          }
          JsonObject grant = ar.result().body();
          long now = now();
          long granted = grant.getLong("granted", 0L);
          lease.perSecond = grant.getDouble("per_second", 0.0);
          lease.tokens = (now >= lease.expiresAt ? 0 : lease.tokens) + granted;
          lease.expiresAt = now + LEASE_MS;
          if (granted < want) {
            long retryAfter = Math.max(1, grant.getLong("retry_after_ms", 1000L));
            lease.retryAt = now + retryAfter;
            lease.emptyUntil = now + Math.min(retryAfter, MAX_REMEMBERED_MS);
          }
          serve(lease, now);
          again = !lease.waiting.isEmpty();
          lease.inFlight = again;
        }
        if (again) {
          request(system);
        }
      });
  }

  /** Answers the waiters, oldest first, that the lease can answer now. */
  private static void serve(Lease lease, long now) {
    while (!lease.waiting.isEmpty()) {
      Waiter w = lease.waiting.peek();
      JsonObject answer;
      if (lease.tokens >= w.count) {
        lease.tokens -= w.count;
        answer = new JsonObject().put("granted", w.count);
      } else if (now < lease.emptyUntil) {
        answer = refusal(lease.tokens, lease.retryAt - now);
        lease.tokens = 0;
      } else {
        return;
      }
      lease.waiting.poll();
      w.context.runOnContext(v -> w.promise.complete(answer));
    }
  }

  /** Returns {@code count} unused tokens of {@code system} to this node's lease while it is valid. */
  synchronized void giveBack(String system, long count) {
    Lease lease = leases.get(system);
    if (lease != null && count > 0 && now() < lease.expiresAt) {
      lease.tokens += count;
    }
  }

  /** Applies a limit change: leased tokens and remembered refusals of that system are dropped. */
  synchronized void changed(JsonObject change) {
    Lease lease = change == null ? null : leases.get(change.getString("source_system"));
    if (lease != null) {
      lease.tokens = 0;
      lease.emptyUntil = 0;
      lease.retryAt = 0;
      lease.perSecond = change.getDouble("per_second", lease.perSecond);
    }
  }

  private static JsonObject refusal(long granted, long retryAfterMs) {
    return new JsonObject().put("granted", granted).put("retry_after_ms", Math.max(1, retryAfterMs));
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  @Override
  public Shareable copy() {
    return this;
  }

  private static final class Lease {
    long tokens;
    long expiresAt;
    long emptyUntil;
    long retryAt;
    double perSecond;
    boolean inFlight;
    final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  }

  private record Waiter(long count, Context context, Promise<JsonObject> promise) {
  }
}
