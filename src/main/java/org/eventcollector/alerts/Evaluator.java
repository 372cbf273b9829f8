package org.eventcollector.alerts;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.Failure;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates every rule each {@code every_seconds} (by its clock), or at once when the rule was
 * changed. A rule changes between {@code ok} and {@code firing} when its condition starts or stops
 * holding; the new state and, unless the rule is silenced, the notifications of the change are
 * stored in one transaction, then the change is published on {@code events.alerts}.
 */
final class Evaluator {

  private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
  static final long TICK_MS = 1_000;
  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);

  private final Vertx vertx;
  private final Clock clock;
  private final Probe probe;
  private final Notifier notifier;
  /** The stored state of each rule ({@code {name, state, since, value, evaluated_at, error?}}). */
  private final Map<String, JsonObject> states = new HashMap<>();
  /** Each rule as last evaluated: a rule whose body differs was changed and is evaluated at once. */
  private final Map<String, JsonObject> evaluated = new HashMap<>();
  private final Set<String> running = new HashSet<>();
  private long timer = -1;
  private boolean listing;
  private boolean stopped;
  private boolean waiting;

  Evaluator(Vertx vertx, Clock clock, Notifier notifier) {
    this.vertx = vertx;
    this.clock = clock;
    this.probe = new Probe(vertx.eventBus());
    this.notifier = notifier;
  }

  /** Loads the stored states, then evaluates on every tick; retries the load until storage answers. */
  void start() {
    stopped = false;
    list("states").onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        // Storage may start after this node, or on another one: said once, then retried quietly.
        if (!waiting) {
          LOG.warn("Alert states not loaded yet ({}); retrying every second", ar.cause().getMessage());
        }
        waiting = true;
        vertx.setTimer(TICK_MS, t -> start());
        return;
      }
      waiting = false;
      ar.result().forEach(item -> {
        JsonObject state = (JsonObject) item;
        states.put(state.getString("name"), state);
        CollectorMetrics.get().alertFiring(state.getString("name"), "firing".equals(state.getString("state")));
      });
      timer = vertx.setPeriodic(TICK_MS, t -> tick());
      tick();
    });
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    if (listing || timer < 0) {
      return;
    }
    listing = true;
    Future<JsonArray> rules = list("rules");
    Future<JsonArray> silences = list("silences");
    Future.all(rules, silences).onComplete(ar -> {
      listing = false;
      if (ar.failed() || timer < 0) {
        return;
      }
      long now = clock.millis();
      Map<String, JsonObject> silenced = new HashMap<>();
      silences.result().forEach(item -> silenced.put(((JsonObject) item).getString("name"), (JsonObject) item));
      Set<String> names = new HashSet<>();
      for (Object item : rules.result()) {
        JsonObject rule = (JsonObject) item;
        String name = rule.getString("name");
        names.add(name);
        if (due(rule, now)) {
          evaluate(rule, silenced.get(name), now);
        }
      }
      for (String gone : List.copyOf(states.keySet())) {
        if (!names.contains(gone) && !running.contains(gone)) {
          states.remove(gone);
          evaluated.remove(gone);
          CollectorMetrics.get().alertRemoved(gone);
        }
      }
    });
  }

  private boolean due(JsonObject rule, long now) {
    String name = rule.getString("name");
    if (running.contains(name)) {
      return false;
    }
    JsonObject state = states.get(name);
    Long at = state == null ? null : state.getLong("evaluated_at");
    return at == null || !rule.equals(evaluated.get(name)) || now - at >= rule.getLong("every_seconds") * 1000L;
  }

  private void evaluate(JsonObject rule, JsonObject silence, long now) {
    String name = rule.getString("name");
    running.add(name);
    probe.evaluate(rule, now)
      .compose(figure -> change(rule, figure, silence, now))
      .recover(e -> failed(rule, e, now))
      .onComplete(ar -> running.remove(name));
  }

  private Future<Void> change(JsonObject rule, Probe.Figure figure, JsonObject silence, long now) {
    String name = rule.getString("name");
    JsonObject before = states.get(name);
    boolean wasFiring = before != null && "firing".equals(before.getString("state"));
    boolean changed = figure.firing() != wasFiring;
    JsonObject state = new JsonObject().put("name", name).put("state", figure.firing() ? "firing" : "ok")
      .put("since", changed || before == null || before.getLong("since") == null ? now : before.getLong("since"))
      .put("value", figure.value()).put("evaluated_at", now);
    boolean quiet = silence != null && silence.getLong("until", 0L) > now;
    Future<JsonObject> notification = changed && !quiet
      ? figure.sample().get().map(sample -> Notifier.notification(name, figure.firing(), figure.value(), now, sample))
      : Future.succeededFuture();
    return notification.compose(note -> {
      JsonArray outbox = new JsonArray();
      if (note != null) {
        notifier.entries(note, rule).forEach(outbox::add);
      }
      JsonObject commit = new JsonObject().put("states", new JsonObject().put(name, state)).put("outbox", outbox);
      return vertx.eventBus().request(Addresses.ALERTS_COMMIT, commit, TIMEOUT).map(v -> {
        states.put(name, state);
        evaluated.put(name, rule);
        CollectorMetrics.get().alertEvaluated(true);
        CollectorMetrics.get().alertFiring(name, figure.firing());
        if (changed) {
          LOG.info("Alert rule {} is {} (value {}){}", name, state.getString("state"), figure.value(),
            note == null ? " while silenced" : "");
        }
        if (note != null) {
          vertx.eventBus().publish(Addresses.ALERTS, note);
          notifier.drain();
        }
        return null;
      });
    });
  }

  /** An evaluation that failed: counted, logged once per run of failures, noted in the state. */
  private Future<Void> failed(JsonObject rule, Throwable e, long now) {
    String name = rule.getString("name");
    CollectorMetrics.get().alertEvaluated(false);
    JsonObject before = states.get(name);
    String error = Failure.messageOf(e);
    if (before == null || !error.equals(before.getString("error"))) {
      LOG.warn("Alert rule {} could not be evaluated: {}", name, error);
    }
    JsonObject state = (before == null ? new JsonObject().put("name", name).put("state", "ok").put("value", (Object) null)
      : before.copy()).put("evaluated_at", now).put("error", error);
    JsonObject commit = new JsonObject().put("states", new JsonObject().put(name, state)).put("outbox", new JsonArray());
    return vertx.eventBus().request(Addresses.ALERTS_COMMIT, commit, TIMEOUT).map(v -> {
      states.put(name, state);
      evaluated.put(name, rule);
      return (Void) null;
    }).otherwiseEmpty();
  }

  private Future<JsonArray> list(String kind) {
    return vertx.eventBus().<JsonObject>request(Addresses.SAVED_LIST, new JsonObject().put("kind", kind), TIMEOUT)
      .map(reply -> reply.body().getJsonArray("items"));
  }
}
