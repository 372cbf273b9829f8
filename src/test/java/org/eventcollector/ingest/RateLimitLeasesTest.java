package org.eventcollector.ingest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.bus.Addresses;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ingest side of the rate limit against a fake bucket owner on {@code events.ratelimit.acquire}. */
@ExtendWith(VertxExtension.class)
class RateLimitLeasesTest {

  /** A fake owner with {@code tokens} tokens at {@code perSecond}; counts requests and tokens given. */
  private static AtomicInteger fakeOwner(Vertx vertx, AtomicLong tokens, double perSecond, AtomicLong given) {
    AtomicInteger requests = new AtomicInteger();
    vertx.eventBus().<JsonObject>consumer(Addresses.RATELIMIT_ACQUIRE, message -> {
      requests.incrementAndGet();
      long wanted = message.body().getLong("count");
      long granted = Math.min(wanted, tokens.get());
      tokens.addAndGet(-granted);
      given.addAndGet(granted);
      JsonObject reply = new JsonObject().put("granted", granted).put("per_second", perSecond);
      if (granted < wanted) {
        reply.put("retry_after_ms", 60_000);
      }
      message.reply(reply);
    });
    return requests;
  }

  @Test
  @DisplayName("concurrent callers are folded into a few grant requests and never get more than the owner gave")
  void concurrentCallersShareFewRequests(Vertx vertx, VertxTestContext ctx) {
    AtomicLong tokens = new AtomicLong(150);
    AtomicLong given = new AtomicLong();
    AtomicInteger requests = fakeOwner(vertx, tokens, 1000, given);
    RateLimitLeases leases = RateLimitLeases.of(vertx);
    vertx.runOnContext(v -> {
      List<Future<JsonObject>> grants = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        grants.add(leases.acquire("mahavishnu", 1));
      }
      Future.all(grants).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        long granted = grants.stream().mapToLong(g -> g.result().getLong("granted")).sum();
        assertEquals(150, granted, "all the owner's tokens, and no more");
        assertEquals(150, given.get());
        assertTrue(requests.get() <= 3, requests.get() + " grant requests for 200 callers");
        JsonObject refused = grants.get(199).result();
        assertEquals(0, refused.getLong("granted"));
        assertTrue(refused.getLong("retry_after_ms") > 0);
        ctx.completeNow();
      })));
    });
  }

  @Test
  @DisplayName("a refusal is remembered for a while, and a limit change forgets it at once")
  void refusalIsRememberedUntilTheLimitChanges(Vertx vertx, VertxTestContext ctx) {
    AtomicLong tokens = new AtomicLong(0);
    AtomicLong given = new AtomicLong();
    AtomicInteger requests = fakeOwner(vertx, tokens, 200, given);
    RateLimitLeases leases = RateLimitLeases.of(vertx);
    leases.acquire("akosha", 5)
      .compose(first -> {
        ctx.verify(() -> assertEquals(0, first.getLong("granted")));
        return leases.acquire("akosha", 5);
      })
      .compose(second -> {
        ctx.verify(() -> {
          assertEquals(0, second.getLong("granted"));
          assertEquals(1, requests.get(), "the second refusal came from the node, not the owner");
        });
        tokens.set(100);
        leases.changed(new JsonObject().put("source_system", "akosha").put("per_second", 200).put("burst", 100));
        return leases.acquire("akosha", 5);
      })
      .onComplete(ctx.succeeding(third -> ctx.verify(() -> {
        assertEquals(5, third.getLong("granted"));
        assertEquals(2, requests.get());
        ctx.completeNow();
      })));
  }

  @Test
  @DisplayName("with no rate-limit owner, acquiring fails so that ingest can answer 503")
  void noOwnerFails(Vertx vertx, VertxTestContext ctx) {
    RateLimitLeases.of(vertx).acquire("oneiric", 1).onComplete(ctx.failing(e -> ctx.completeNow()));
  }
}
