package org.eventcollector.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.Failure;
import org.eventcollector.cluster.Ownership;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Role {@code ratelimit}: the token buckets, one per source system, answering grant requests from
 * every ingest node. Deploy one instance per cluster so the limit is cluster-wide.
 */
public class RateLimitVerticle extends VerticleBase {

  private final Map<String, TokenBucket> buckets = new HashMap<>();
  private List<String> systems;

  /** Cluster map of the limits changed at run time: system to {@code {per_second, burst}}. */
  static final String CHANGED_LIMITS = "event-collector.ratelimit.limits";

  private Ownership ownership;

  @Override
  public Future<?> start() {
    // In a cluster one node owns the buckets at a time; other ratelimit nodes stand by.
    if (vertx.isClustered()) {
      ownership = new Ownership(vertx, Ownership.RATELIMIT);
      return ownership.start(this::serve);
    }
    return serve();
  }

  @Override
  public Future<?> stop() {
    if (ownership != null) {
      ownership.stop();
      ownership.release();
    }
    return Future.succeededFuture();
  }

  private Future<?> serve() {
    JsonObject conf = config();
    systems = Config.strings(conf.getValue(ConfigKeys.SYSTEMS));
    long now = System.nanoTime();
    double perSecond = Config.decimal(conf, ConfigKeys.RateLimit.PER_SECOND, 1000);
    double burst = Config.decimal(conf, ConfigKeys.RateLimit.BURST, 2000);
    for (String system : systems) {
      String prefix = ConfigKeys.RateLimit.SYSTEMS + "." + system;
      buckets.put(system, new TokenBucket(
        Config.decimal(conf, prefix + ".per_second", perSecond),
        Config.decimal(conf, prefix + ".burst", burst), now));
    }
    return changedLimits().compose(changed -> {
      changed.forEach((system, limit) -> {
        TokenBucket bucket = buckets.get(system);
        if (bucket != null) {
          bucket.configure(limit.getDouble("per_second"), limit.getDouble("burst"), System.nanoTime());
        }
      });
      EventBus bus = vertx.eventBus();
      List<MessageConsumer<JsonObject>> consumers = List.of(
        bus.consumer(Addresses.RATELIMIT_ACQUIRE, this::acquire),
        bus.consumer(Addresses.RATELIMIT_GET, this::limits),
        bus.consumer(Addresses.RATELIMIT_SET, this::configure));
      return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
    });
  }

  /** Limits changed at run time, kept in a cluster map so that a standby that takes over keeps them. */
  private Future<Map<String, JsonObject>> changedLimits() {
    if (!vertx.isClustered()) {
      return Future.succeededFuture(Map.of());
    }
    return vertx.sharedData().<String, JsonObject>getAsyncMap(CHANGED_LIMITS).compose(map -> map.entries());
  }

  private void acquire(Message<JsonObject> message) {
    JsonObject body = message.body();
    String system = body == null ? null : body.getString("source_system");
    TokenBucket bucket = system == null ? null : buckets.get(system);
    if (bucket == null) {
      message.fail(Failure.BAD_REQUEST, "unknown source_system");
      return;
    }
    long wanted = Math.max(0, body.getLong("count", 1L));
    long now = System.nanoTime();
    long granted = bucket.take(wanted, now);
    JsonObject reply = new JsonObject().put("granted", granted).put("per_second", bucket.perSecond());
    if (granted < wanted) {
      reply.put("retry_after_ms", bucket.retryAfterMillis(now));
    }
    message.reply(reply);
  }

  private void limits(Message<JsonObject> message) {
    JsonObject limits = new JsonObject();
    new TreeMap<>(buckets).forEach((system, bucket) -> limits.put(system, describe(bucket)));
    message.reply(new JsonObject().put("limits", limits));
  }

  private void configure(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String system = body.getString("source_system");
    TokenBucket bucket = buckets.get(system);
    if (bucket == null) {
      message.fail(Failure.NOT_FOUND, "unknown source_system '" + system + "'");
      return;
    }
    Object perSecond = body.getValue("per_second");
    Object burst = body.getValue("burst");
    if (!(perSecond instanceof Number p) || p.doubleValue() < 0 || p.doubleValue() > 1e9) {
      message.fail(Failure.BAD_REQUEST, "per_second must be a number between 0 and 1000000000");
      return;
    }
    if (!(burst instanceof Number b) || b.doubleValue() < 1 || b.doubleValue() > 1e9) {
      message.fail(Failure.BAD_REQUEST, "burst must be a number between 1 and 1000000000");
      return;
    }
    bucket.configure(p.doubleValue(), b.doubleValue(), System.nanoTime());
    JsonObject limit = describe(bucket).put("source_system", system);
    vertx.eventBus().publish(Addresses.RATELIMIT_CHANGED, limit);
    Future<Void> kept = vertx.isClustered()
      ? vertx.sharedData().<String, JsonObject>getAsyncMap(CHANGED_LIMITS).compose(map -> map.put(system, limit.copy()))
      : Future.succeededFuture();
    kept.onComplete(ar -> message.reply(limit));
  }

  private static JsonObject describe(TokenBucket bucket) {
    return new JsonObject().put("per_second", number(bucket.perSecond())).put("burst", number(bucket.burst()));
  }

  private static Number number(double value) {
    return value == Math.rint(value) ? (Number) (long) value : (Number) value;
  }
}
