package org.eventcollector.event;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class EventCodecsTest {

  private static Event full() {
    return new Event("id-1", 1_764_000_000_123L, "akosha", "job.done", Severity.CRITICAL,
      "t\u00e9st \"quoted\" \\ back\nline \ud83d\ude00", "d\u0000\u001f</script>", "corr-1", "worker", 42L,
      new JsonObject().put("n", 1).put("nested", new JsonObject().put("a", new JsonArray().add(true))),
      List.of("a", "b\u00fc"), new JsonObject().put("host", "h1"));
  }

  private static Event sparse() {
    return new Event("id-2", 0, "oneiric", "t", Severity.INFO, "", "", null, null, null, new JsonObject(), List.of(),
      new JsonObject());
  }

  @Test
  @DisplayName("the JSON text of an event is the same JSON as its object form, escapes and nulls included")
  void jsonTextEqualsObjectForm() {
    for (Event event : List.of(full(), sparse())) {
      assertEquals(event.toJson(), new JsonObject(event.json()));
      assertSame(event.json(), event.json(), "written once");
    }
    assertEquals(Fields.ALL, List.copyOf(new JsonObject(full().json()).fieldNames()), "fields in wire order");
  }

  @Test
  @DisplayName("data of every JSON kind is written as Vert.x's encoder writes it")
  void everyValueKindIsWritten() {
    JsonObject data = new JsonObject().put("d", 1.5).put("neg", -0.25e-10).put("big", Long.MAX_VALUE).put("t", true)
      .put("nothing", (Object) null).put("list", new JsonArray().add(1).add("x").addNull().add(new JsonObject()))
      .put("bytes", new byte[] {1, 2, 3}).put("when", java.time.Instant.ofEpochMilli(5)).put("ctl", "\u0001\b\f\t\r");
    Event event = new Event("id", 1, "akosha", "t", Severity.DEBUG, "", "", null, null, 0L, data, List.of(),
      new JsonObject().put("map", new java.util.LinkedHashMap<>(java.util.Map.of("k", "v"))));
    assertEquals(new JsonObject(event.toJson().encode()), new JsonObject(event.json()));
  }

  @Test
  @DisplayName("a batch with positions survives the wire form between nodes")
  void batchRoundTripsThroughTheWire() {
    EventCodecs.BatchCodec codec = new EventCodecs.BatchCodec();
    EventBatch batch = new EventBatch(List.of(full(), sparse()), new long[] {7, 9});
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, batch);
    EventBatch back = codec.decodeFromWire("prefix".length(), wire);
    assertEquals(batch.events(), back.events());
    assertArrayEquals(batch.seqs(), back.seqs());
    assertEquals(full().json(), back.events().get(0).json());
  }

  @Test
  @DisplayName("a write without positions survives the wire form, and a local delivery is the same object")
  void writeRoundTripsAndIsNotCopiedLocally() {
    EventCodecs.BatchCodec codec = new EventCodecs.BatchCodec();
    EventBatch write = EventBatch.of(List.of(sparse()));
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, write);
    EventBatch back = codec.decodeFromWire(0, wire);
    assertNull(back.seqs());
    assertEquals(write.events(), back.events());
    assertSame(write, codec.transform(write));
  }

  @Test
  @DisplayName("a store result survives the wire form")
  void resultRoundTrips() {
    EventCodecs.ResultCodec codec = new EventCodecs.ResultCodec();
    StoreResult result = new StoreResult(new long[] {3, -1, 4});
    Buffer wire = Buffer.buffer().appendByte((byte) 1);
    codec.encodeToWire(wire, result);
    StoreResult back = codec.decodeFromWire(1, wire);
    assertArrayEquals(result.seqs(), back.seqs());
    assertEquals("duplicate", back.status(1));
    assertSame(result, codec.transform(result));
  }
}
