package org.eventcollector.event;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventSizeTest {

  private final EventValidator validator = new EventValidator(Set.of("akosha"), 65536);

  private static JsonObject event() {
    return new JsonObject().put("source_system", "akosha").put("event_type", "t");
  }

  @Test
  @DisplayName("an event whose stored JSON passes 64 KiB is 413, one just under is taken")
  void sizeIsThatOfTheStoredText() {
    Event small = validator.validate(event(), 0);
    int room = 65536 - Text.utf8Length(small.json()) - "\"x\":\"\"".length();
    JsonObject fits = event().put("data", new JsonObject().put("x", "\u00e9".repeat(room / 2)));
    Event taken = validator.validate(fits, 0);
    assertTrue(Text.utf8Length(taken.json()) <= 65536);
    JsonObject over = event().put("data", new JsonObject().put("x", "\u00e9".repeat(room / 2 + 1)));
    CodedException e = assertThrows(CodedException.class, () -> validator.validate(over, 0));
    assertEquals(413, e.code());
  }

  @Test
  @DisplayName("data nested past what JSON writers allow, or a cycle, is refused with 400, never a crash")
  void deepOrCyclicDataIsRefused() {
    JsonObject deep = new JsonObject();
    JsonObject inner = deep;
    for (int i = 0; i < 2_000; i++) {
      JsonObject next = new JsonObject();
      inner.put("n", next);
      inner = next;
    }
    CodedException e = assertThrows(CodedException.class, () -> validator.validate(event().put("data", deep), 0));
    assertEquals(400, e.code());
    JsonObject cycle = new JsonObject();
    cycle.put("self", cycle.getMap());
    e = assertThrows(CodedException.class, () -> validator.validate(event().put("data", cycle), 0));
    assertEquals(400, e.code());
  }

  @Test
  @DisplayName("the size bound is never below the real size")
  void boundHoldsForRandomEvents() {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 2_000; i++) {
      JsonObject data = new JsonObject();
      for (int k = 0; k < random.nextInt(6); k++) {
        data.put(text(random), random.nextBoolean() ? text(random) : new JsonArray().add(random.nextDouble()).add(text(random)));
      }
      Event event = validator.validate(event().put("title", text(random)).put("description", text(random))
        .put("data", data).put("tags", new JsonArray().add("a" + text(random).replace(",", ""))), 0);
      assertTrue(event.sizeBound() >= Text.utf8Length(event.json()), event.json());
    }
  }

  private static String text(SplittableRandom random) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < random.nextInt(1, 40); i++) {
      out.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0, 0x2FFFF) : random.nextInt(0x20, 0x7F));
    }
    return out.toString().replaceAll("[\\ud800-\\udfff]", "s");
  }
}
