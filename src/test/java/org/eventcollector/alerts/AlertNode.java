package org.eventcollector.alerts;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.Event;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node with every role but {@code analysis}, plus an alert evaluator on a {@link MutableClock};
 * it records what is published on {@code events.alerts}.
 */
final class AlertNode implements AutoCloseable {

  final TestCollector node;
  final MutableClock clock;
  final List<JsonObject> published = new CopyOnWriteArrayList<>();

  private AlertNode(TestCollector node, MutableClock clock) {
    this.node = node;
    this.clock = clock;
  }

  static JsonObject config(Path dir) {
    JsonObject config = TestCollector.config(dir, "sqlite");
    config.put("roles", new JsonArray().add("ingest").add("stream").add("ratelimit").add("storage"));
    return config;
  }

  static AlertNode start(JsonObject config, long now) {
    TestCollector node = TestCollector.start(config);
    MutableClock clock = new MutableClock(now);
    AlertNode alerts = new AlertNode(node, clock);
    node.vertx().eventBus().<JsonObject>consumer(Addresses.ALERTS, m -> alerts.published.add(m.body()));
    TestCollector.await(node.vertx().deployVerticle(new AlertsVerticle(clock), new DeploymentOptions().setConfig(config)));
    return alerts;
  }

  static JsonObject withWebhooks(JsonObject config, String... urls) {
    Config.set(config, ConfigKeys.Alerts.WEBHOOKS, new JsonArray(List.of((Object[]) urls)));
    return config;
  }

  /** Stores an event of {@code system} and {@code type} at {@code at}. */
  String event(String id, long at, String system, String type, String severity, String title) {
    return node.ingest(new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(at))
      .put("source_system", system).put("event_type", type).put("severity", severity).put("title", title));
  }

  TestCollector.Response putRule(String name, JsonObject rule) {
    return SavedQueriesTest.put(node, "/alerts/" + name, rule);
  }

  JsonObject state(String name) {
    return node.get("/alerts/" + name).json().getJsonObject("state");
  }

  /** Waits until the rule's state is {@code expected} and it has been evaluated at the clock's time. */
  JsonObject awaitState(String name, String expected) {
    String at = Event.formatTime(clock.millis());
    Poll.until(20, () -> {
      JsonObject state = state(name);
      return expected.equals(state.getString("state")) && at.equals(state.getString("evaluated_at"));
    }, () -> name + " at " + at + ": " + state(name));
    return state(name);
  }

  /** The notifications published for {@code rule}, in order. */
  List<JsonObject> notes(String rule) {
    return published.stream().filter(n -> rule.equals(n.getString("rule"))).toList();
  }

  @Override
  public void close() {
    node.close();
  }
}
