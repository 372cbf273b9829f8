package org.eventcollector.alerts;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.Failure;
import org.eventcollector.event.Event;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Alert notifications (CONTRACT.md section 12). A change of state becomes outbox entries, stored
 * with the state in one transaction: one per webhook URL (the notification plus its
 * {@code delivery_id}) and one for the {@code alert.fired} / {@code alert.resolved} event. This
 * class then delivers what is due, oldest first: a 2xx within 10 s is a delivery; anything else
 * counts as a failed attempt and is tried again after a backoff that doubles up to one minute.
 */
final class Notifier {

  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
  /** Target of the outbox entries that store the alert event. */
  static final String EVENT_TARGET = "event";
  static final long TICK_MS = 1_000;
  static final long TIMEOUT_MS = 10_000;
  static final long MAX_BACKOFF_MS = 60_000;
  private static final int RECENT = 10_000;
  private static final DeliveryOptions BUS_TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);

  private final Vertx vertx;
  private final List<String> webhooks;
  private final String sourceSystem;
  private final WebClient client;
  private final Set<String> inFlight = new HashSet<>();
  /** Delivered ids whose removal a listing begun earlier may not have seen yet. */
  private final LinkedHashSet<String> delivered = new LinkedHashSet<>();
  private long timer = -1;
  private boolean draining;
  private boolean again;

  Notifier(Vertx vertx, List<String> webhooks, String sourceSystem) {
    this.vertx = vertx;
    this.webhooks = List.copyOf(webhooks);
    this.sourceSystem = sourceSystem;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) TIMEOUT_MS));
  }

  void start() {
    timer = vertx.setPeriodic(TICK_MS, t -> drain());
    drain();
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    client.close();
  }

  /** The notification of a change: {@code {rule, state, value, at, sample}}. */
  static JsonObject notification(String rule, boolean firing, long value, long at, JsonArray sample) {
    return new JsonObject().put("rule", rule).put("state", firing ? "firing" : "ok").put("value", value)
      .put("at", Event.formatTime(at)).put("sample", sample);
  }

  /** The outbox entries of {@code notification}: one per webhook, one for the alert event. */
  List<JsonObject> entries(JsonObject notification, JsonObject rule) {
    long now = System.currentTimeMillis();
    List<JsonObject> entries = new ArrayList<>();
    for (String url : webhooks) {
      String id = UUID.randomUUID().toString();
      entries.add(entry(id, url, notification.copy().put("delivery_id", id), now));
    }
    String id = UUID.randomUUID().toString();
    entries.add(entry(id, EVENT_TARGET, event(id, notification, rule), now));
    return entries;
  }

  private static JsonObject entry(String id, String target, JsonObject body, long now) {
    return new JsonObject().put("delivery_id", id).put("target", target).put("body", body).put("attempts", 0)
      .put("next_at", now).put("created_at", now);
  }

  private JsonObject event(String id, JsonObject notification, JsonObject rule) {
    boolean firing = "firing".equals(notification.getString("state"));
    String name = notification.getString("rule");
    return new JsonObject()
      .put("event_id", "alert-" + id)
      .put("timestamp", notification.getString("at"))
      .put("source_system", sourceSystem)
      .put("event_type", firing ? "alert.fired" : "alert.resolved")
      .put("severity", firing ? "warning" : "info")
      .put("title", "Alert " + name + (firing ? " fired" : " resolved") + " (value " + notification.getValue("value") + ")")
      .put("source_component", "alerts")
      .put("data", new JsonObject().put("rule", name).put("kind", rule.getString("kind"))
        .put("state", notification.getString("state")).put("value", notification.getValue("value")))
      .put("tags", new JsonArray().add("alert"));
  }

  /** Delivers what is due now; a call while a listing runs asks for one more listing after it. */
  void drain() {
    if (timer < 0) {
      return;
    }
    if (draining) {
      again = true;
      return;
    }
    draining = true;
    again = false;
    JsonObject request = new JsonObject().put("now", System.currentTimeMillis()).put("limit", 100);
    vertx.eventBus().<JsonObject>request(Addresses.ALERTS_DUE, request, BUS_TIMEOUT).onComplete(ar -> {
      draining = false;
      if (ar.succeeded()) {
        for (Object item : ar.result().body().getJsonArray("entries", new JsonArray())) {
          JsonObject entry = (JsonObject) item;
          String id = entry.getString("delivery_id");
          if (!inFlight.contains(id) && !delivered.contains(id)) {
            deliver(entry);
          }
        }
      } else {
        LOG.debug("Alert outbox unavailable: {}", ar.cause().getMessage());
      }
      if (again) {
        drain();
      }
    });
  }

  private void deliver(JsonObject entry) {
    String id = entry.getString("delivery_id");
    String target = entry.getString("target");
    inFlight.add(id);
    Future<Void> sent = EVENT_TARGET.equals(target) ? store(entry.getJsonObject("body")) : post(target, entry.getJsonObject("body"));
    sent.compose(v -> vertx.eventBus().request(Addresses.ALERTS_DELIVERED, new JsonObject().put("delivery_id", id), BUS_TIMEOUT))
      .onSuccess(v -> {
        remember(id);
        inFlight.remove(id);
      })
      .onFailure(e -> {
        int attempts = entry.getInteger("attempts", 0) + 1;
        CollectorMetrics.get().alertNotificationFailed(EVENT_TARGET.equals(target) ? "event" : "webhook");
        long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(16, attempts - 1));
        LOG.warn("Alert notification {} to {} failed (attempt {}), retrying in {} s: {}", id, target, attempts,
          backoff / 1000, e.getMessage());
        JsonObject retry = new JsonObject().put("delivery_id", id).put("attempts", attempts)
          .put("next_at", System.currentTimeMillis() + backoff);
        vertx.eventBus().request(Addresses.ALERTS_RETRY, retry, BUS_TIMEOUT).onComplete(ar -> inFlight.remove(id));
      });
  }

  private Future<Void> post(String url, JsonObject body) {
    return client.postAbs(url).timeout(TIMEOUT_MS).sendJsonObject(body).compose(response -> {
      int status = response.statusCode();
      return status >= 200 && status < 300 ? Future.succeededFuture()
        : Future.failedFuture(new IllegalStateException("HTTP " + status));
    });
  }

  /** Stores the alert event through ingest; an event ingest refuses as invalid is dropped, never retried. */
  private Future<Void> store(JsonObject event) {
    return vertx.eventBus().request(Addresses.INGEST, event, BUS_TIMEOUT).<Void>mapEmpty().recover(e -> {
      if (Failure.codeOf(e) == Failure.BAD_REQUEST || Failure.codeOf(e) == Failure.FORBIDDEN) {
        LOG.error("Alert event {} refused by ingest, dropped: {}", event.getString("event_id"), e.getMessage());
        return Future.succeededFuture();
      }
      return Future.failedFuture(e);
    });
  }

  private void remember(String id) {
    delivered.add(id);
    if (delivered.size() > RECENT) {
      var oldest = delivered.iterator();
      oldest.next();
      oldest.remove();
    }
  }
}
