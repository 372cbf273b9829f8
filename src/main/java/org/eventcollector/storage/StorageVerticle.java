package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.cluster.Ownership;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventBatch;
import org.eventcollector.event.EventCodecs;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.QueryParser;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Role {@code storage}: owns the store, groups pending writes into one commit, acknowledges each
 * write only after its commit, then publishes the new events on {@code events.stream}.
 */
public class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);

  private EventStore store;
  private QueryParser parser;
  private CommitQueue commits;
  private SessionBuddyMirror mirror;
  private SavedStore saved;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Ownership ownership;

  @Override
  public Future<?> start() {
    // In a cluster one storage node owns the store at a time; the others stand by (CONTRACT section 7).
    if (vertx.isClustered() && !"postgres".equals(Config.string(config(), ConfigKeys.Storage.BACKEND, "sqlite"))) {
      ownership = new Ownership(vertx, Ownership.STORAGE);
      return ownership.start(this::serve);
    }
    return serve();
  }

  private Future<?> serve() {
    EventCodecs.register(vertx.eventBus());
    JsonObject conf = config();
    CollectorMetrics metrics = CollectorMetrics.get();
    parser = new QueryParser(new HashSet<>(Config.strings(conf.getValue(ConfigKeys.SYSTEMS))));
    store = createStore(conf, metrics);
    mirror = SessionBuddyMirror.create(vertx, conf, store, metrics);
    commits = new CommitQueue(store, metrics, Config.integer(conf, ConfigKeys.Storage.MAX_PENDING, 100_000),
      Config.integer(conf, ConfigKeys.Storage.MAX_COMMIT, 5_000), this::publish);
    return store.open().compose(v -> mirror == null ? Future.succeededFuture() : mirror.start()).compose(v -> {
      saved = SqlSavedStore.beside(store);
      return saved.open();
    }).compose(v -> {
      EventBus bus = vertx.eventBus();
      SavedConsumers.register(bus, saved, consumers);
      consumers.add(bus.consumer(Addresses.STORAGE_INSERT, commits::accept));
      consumers.add(bus.<JsonObject>consumer(Addresses.GET, this::get));
      consumers.add(bus.<JsonObject>consumer(Addresses.QUERY, m -> withQuery(m, this::query)));
      consumers.add(bus.<JsonObject>consumer(Addresses.COUNT, m -> {
        // A count ignores paging and sorting (CONTRACT.md section 10).
        if (m.body() != null) {
          List.of("limit", "offset", "sort_by", "sort_order").forEach(m.body()::remove);
        }
        withQuery(m, (q, body) -> store.count(q).map(n -> new JsonObject().put("count", n)));
      }));
      consumers.add(bus.<JsonObject>consumer(Addresses.CORRELATION, this::correlation));
      consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_AGGREGATE, m -> withQuery(m, this::aggregate)));
      consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_REPLAY, m -> withQuery(m, this::replay)));
      consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_DELETE, this::delete));
      consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_RANGE, this::range));
      consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_HEALTH, m -> store.health()
        .map(h -> h.put("events_processed", commits.processed()).put("pending_writes", commits.pending()))
        .compose(h -> mirror == null ? Future.succeededFuture(h) : mirror.describe(h))
        .onComplete(ar -> reply(m, ar.result(), ar.cause()))));
      addAnalysisConsumers(bus);
      scheduleRetention(conf);
      return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
    });
  }

  private EventStore createStore(JsonObject conf, CollectorMetrics metrics) {
    String backend = Config.string(conf, ConfigKeys.Storage.BACKEND, "sqlite");
    return switch (backend) {
      case "memory" -> new MemoryEventStore(Config.integer(conf, ConfigKeys.Storage.MEMORY_MAX_EVENTS, 1_000_000),
        metrics::evicted);
      case "sqlite", "session_buddy" -> new SqliteEventStore(vertx,
        Path.of(Config.string(conf, ConfigKeys.Storage.SQLITE_PATH, "data/events.db")),
        "full".equalsIgnoreCase(Config.string(conf, ConfigKeys.Storage.DURABILITY, "normal")),
        Config.integer(conf, ConfigKeys.Storage.SQLITE_CACHE_MB, 64),
        Config.integer(conf, ConfigKeys.Storage.SQLITE_MMAP_MB, 256),
        Config.integer(conf, ConfigKeys.Storage.SQLITE_READERS, 4));
      case "postgres" -> new PgEventStore(vertx, PgEventStore.Settings.of(conf));
      default -> throw new IllegalArgumentException("unknown storage backend '" + backend
        + "' (memory, sqlite, session_buddy, postgres)");
    };
  }

  /**
   * After a commit: the whole commit once to the stream role's hubs (objects, no copy on this node),
   * then each event as JSON on the public {@code events.stream} and {@code events.stream.<system>}.
   */
  private void publish(EventBatch committed) {
    EventBus bus = vertx.eventBus();
    bus.publish(Addresses.STORAGE_COMMITTED, committed);
    for (int i = 0; i < committed.size(); i++) {
      Event event = committed.events().get(i);
      DeliveryOptions options = new DeliveryOptions().addHeader("seq", Long.toString(committed.seq(i)));
      JsonObject json = event.toJson();
      bus.publish(Addresses.STREAM, json, options);
      bus.publish(Addresses.streamOf(event.sourceSystem()), json, options);
    }
  }

  private void get(Message<JsonObject> message) {
    Object id = message.body() == null ? null : message.body().getValue("event_id");
    if (!(id instanceof String eventId)) {
      message.fail(Failure.BAD_REQUEST, "event_id is required");
      return;
    }
    store.get(eventId).onComplete(ar -> {
      if (ar.succeeded() && ar.result() == null) {
        message.fail(Failure.NOT_FOUND, "event not found: " + eventId);
      } else {
        reply(message, ar.result(), ar.cause());
      }
    });
  }

  private Future<JsonObject> query(EventQuery query, JsonObject body) {
    return store.query(query).map(events -> new JsonObject()
      .put("events", new JsonArray(new ArrayList<>(events)))
      .put("count", events.size())
      .put("query", query.echo()));
  }

  private void correlation(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Object id = body.getValue("correlation_id");
    if (!(id instanceof String correlationId) || correlationId.isEmpty()) {
      message.fail(Failure.BAD_REQUEST, "correlation_id is required");
      return;
    }
    int limit;
    try {
      limit = body.getValue("limit") == null ? 1000 : Integer.parseInt(String.valueOf(body.getValue("limit")));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 10_000) {
      message.fail(Failure.BAD_REQUEST, "limit must be between 1 and 10000");
      return;
    }
    EventQuery query = parser.parse(new JsonObject().put("correlation_id", correlationId), System.currentTimeMillis())
      .withPage(limit, 0, EventQuery.SortField.TIMESTAMP, true);
    store.query(query).map(events -> new JsonObject()
        .put("correlation_id", correlationId)
        .put("events", new JsonArray(new ArrayList<>(events)))
        .put("count", events.size()))
      .onComplete(ar -> reply(message, ar.result(), ar.cause()));
  }

  private Future<JsonObject> aggregate(EventQuery query, JsonObject body) {
    Object groupBy = body.getValue("group_by");
    List<String> columns = groupBy instanceof JsonArray array ? array.stream().map(String::valueOf).toList() : List.of();
    for (String column : columns) {
      if (!List.of("source_system", "event_type", "severity", "source_component").contains(column)) {
        return Future.failedFuture(CodedException.badRequest("group_by", "cannot group by '" + column + "'"));
      }
    }
    return store.aggregate(query, columns);
  }

  private Future<JsonObject> replay(EventQuery query, JsonObject body) {
    String after = body.getString("after");
    int max = body.getInteger("max", 100_000);
    return store.position(after).compose(seq -> seq == null
      ? Future.failedFuture(new CodedException(Failure.NOT_FOUND, "unknown event_id '" + after + "'"))
      : store.afterPosition(seq, query, max).map(events -> new JsonObject()
        .put("events", new JsonArray(new ArrayList<>(events))).put("after_seq", seq)));
  }

  /** Positions a stream node is missing (CommitOrder): the stored events among them, in order. */
  private void range(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Object after = body.getValue("after");
    Object to = body.getValue("to");
    if (!(after instanceof Number from) || !(to instanceof Number until)) {
      message.fail(Failure.BAD_REQUEST, "after and to are required");
      return;
    }
    store.range(from.longValue(), until.longValue())
      .map(events -> new JsonObject().put("events", new JsonArray(new ArrayList<>(events))))
      .onComplete(ar -> reply(message, ar.result(), ar.cause()));
  }

  private void delete(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Object before = body.getValue("before");
    if (!(before instanceof Number time)) {
      message.fail(Failure.BAD_REQUEST, "before is required");
      return;
    }
    int chunk = body.getInteger("chunk", Retention.CHUNK);
    Retention.deleteAll(vertx, store, time.longValue(), chunk)
      .onSuccess(CollectorMetrics.get()::retentionDeleted)
      .onComplete(ar -> reply(message, ar.succeeded() ? new JsonObject().put("deleted", ar.result()) : null, ar.cause()));
  }

  /** Parses the body's {@code query} (or the body itself) and answers with {@code action}'s result. */
  private void withQuery(Message<JsonObject> message, BiFunction<EventQuery, JsonObject, Future<JsonObject>> action) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Future<JsonObject> answer;
    try {
      JsonObject filter = body.containsKey("query") ? body.getJsonObject("query", new JsonObject()) : body;
      EventQuery query = parser.parse(filter, System.currentTimeMillis());
      CollectorMetrics.get().query();
      answer = action.apply(query, body);
    } catch (CodedException | ClassCastException e) {
      answer = Future.failedFuture(e instanceof CodedException ? e : CodedException.badRequest("query", "query must be an object"));
    }
    answer.onComplete(ar -> reply(message, ar.result(), ar.cause()));
  }

  private static void reply(Message<?> message, JsonObject result, Throwable error) {
    if (error == null) {
      message.reply(result);
      return;
    }
    if (!(error instanceof CodedException)) {
      LOG.error("Storage operation on {} failed", message.address(), error);
      message.fail(Failure.UNAVAILABLE, "storage unavailable: " + Failure.messageOf(error));
    } else {
      Failure.reply(message, error);
    }
  }

  @Override
  public Future<?> stop() {
    if (ownership != null) {
      ownership.stop();
    }
    if (commits == null) {
      return Future.succeededFuture();
    }
    Future<?> closed = commits.drainAll()
      .eventually(() -> mirror == null ? Future.succeededFuture() : mirror.stop())
      .eventually(() -> store.close());
    return ownership == null ? closed : closed.eventually(() -> {
      ownership.release();
      return Future.succeededFuture();
    });
  }

  private void addAnalysisConsumers(EventBus bus) {
    consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_COUNT_HOURLY, m -> withQuery(m, (q, body) ->
      store.hourly(q).map(counts -> {
        JsonObject buckets = new JsonObject();
        counts.forEach((hour, n) -> buckets.put(Long.toString(hour), n));
        return new JsonObject().put("buckets", buckets);
      }))));
    consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_MEASURE_DURATIONS, m -> withQuery(m, (q, body) ->
      store.durations(q, body.getBoolean("percentiles", true)).map(DurationStats::toJson))));
    consumers.add(bus.<JsonObject>consumer(Addresses.STORAGE_GROUP_ERRORS, m -> withQuery(m, (q, body) ->
      store.errorGroups(q).map(groups -> groups.toJson(Math.max(1, Math.min(1000, body.getInteger("top", 10))),
        ErrorGroups.only(body.getValue("fingerprints")))))));
  }

  /** Retention: at start, then every {@code retention.interval_minutes}, one run at a time, in chunks. */
  private void scheduleRetention(JsonObject conf) {
    long days = Config.number(conf, ConfigKeys.Retention.DAYS, 0);
    Retention.Schedule schedule = new Retention.Schedule(vertx, store, days, Retention.perSystem(conf, days),
      CollectorMetrics.get());
    if (!schedule.active()) {
      return;
    }
    long every = Math.max(1, Config.number(conf, ConfigKeys.Retention.INTERVAL_MINUTES, 60)) * 60_000L;
    schedule.run();
    vertx.setPeriodic(every, id -> schedule.run());
  }
}
