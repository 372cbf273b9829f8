package org.eventcollector.alerts;

import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;

/**
 * What a rule answers (CONTRACT.md section 12): its fields and {@code state: {state, since, value}},
 * from the stored rule, its evaluated state ({@code {state, since, value, evaluated_at, error?}},
 * times in epoch ms) and its silence ({@code {since, until}}).
 */
final class RuleView {

  private RuleView() {
  }

  static JsonObject of(JsonObject rule, JsonObject state, JsonObject silence, long now) {
    JsonObject shown = new JsonObject();
    Object value = state == null ? null : state.getValue("value");
    if (silence != null && silence.getLong("until", 0L) > now) {
      shown.put("state", "silenced").put("since", time(silence.getLong("since"))).put("value", value)
        .put("until", time(silence.getLong("until")));
    } else if (state != null) {
      shown.put("state", state.getString("state", "ok")).put("since", time(state.getLong("since"))).put("value", value);
    } else {
      shown.put("state", "ok").put("since", null).put("value", null);
    }
    if (state != null) {
      shown.put("evaluated_at", time(state.getLong("evaluated_at")));
      if (state.getString("error") != null) {
        shown.put("error", state.getString("error"));
      }
    }
    return rule.copy().put("state", shown);
  }

  private static String time(Long millis) {
    return millis == null ? null : Event.formatTime(millis);
  }
}
