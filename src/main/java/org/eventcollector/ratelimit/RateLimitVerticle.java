package org.eventcollector.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.Failure;
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

  @Override
  public Future<?> start() {
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
    EventBus bus = vertx.eventBus();
    List<MessageConsumer<JsonObject>> consumers = List.of(
      bus.consumer(Addresses.RATELIMIT_ACQUIRE, this::acquire),
      bus.consumer(Addresses.RATELIMIT_GET, this::limits),
      bus.consumer(Addresses.RATELIMIT_SET, this::configure));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
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
    JsonObject reply = new JsonObject().put("granted", granted);
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
    message.reply(describe(bucket).put("source_system", system));
  }

  private static JsonObject describe(TokenBucket bucket) {
    return new JsonObject().put("per_second", number(bucket.perSecond())).put("burst", number(bucket.burst()));
  }

  private static Number number(double value) {
    return value == Math.rint(value) ? (Number) (long) value : (Number) value;
  }
}
