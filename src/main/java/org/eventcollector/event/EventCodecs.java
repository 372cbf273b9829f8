package org.eventcollector.event;

import io.netty.util.CharsetUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Event-bus codecs for {@link EventBatch} and {@link StoreResult}, the bodies of the collector's
 * internal hot-path addresses. Locally the same immutable object is handed over (no copy); between
 * nodes an event travels as its fixed fields in binary and {@code data} / {@code metadata} as JSON
 * text. Public addresses keep plain JSON bodies (CONTRACT.md section 5).
 */
public final class EventCodecs {

  private static final Map<EventBus, Boolean> REGISTERED = Collections.synchronizedMap(new WeakHashMap<>());

  private EventCodecs() {
  }

  /** Registers both codecs as the default codecs of their types on {@code bus}, once. */
  public static void register(EventBus bus) {
    synchronized (REGISTERED) {
      if (REGISTERED.putIfAbsent(bus, Boolean.TRUE) == null) {
        bus.registerDefaultCodec(EventBatch.class, new BatchCodec());
        bus.registerDefaultCodec(StoreResult.class, new ResultCodec());
      }
    }
  }

  static final class BatchCodec implements MessageCodec<EventBatch, EventBatch> {

    @Override
    public void encodeToWire(Buffer buffer, EventBatch batch) {
      int start = buffer.length();
      buffer.appendInt(0);
      buffer.appendInt(batch.size());
      buffer.appendByte((byte) (batch.seqs() == null ? 0 : 1));
      for (int i = 0; i < batch.size(); i++) {
        if (batch.seqs() != null) {
          buffer.appendLong(batch.seq(i));
        }
        writeEvent(buffer, batch.events().get(i));
      }
      buffer.setInt(start, buffer.length() - start - 4);
    }

    @Override
    public EventBatch decodeFromWire(int pos, Buffer buffer) {
      int[] at = {pos + 4};
      int size = buffer.getInt(at[0]);
      boolean withSeqs = buffer.getByte(at[0] + 4) == 1;
      at[0] += 5;
      List<Event> events = new ArrayList<>(size);
      long[] seqs = withSeqs ? new long[size] : null;
      for (int i = 0; i < size; i++) {
        if (withSeqs) {
          seqs[i] = buffer.getLong(at[0]);
          at[0] += 8;
        }
        events.add(readEvent(buffer, at));
      }
      return new EventBatch(events, seqs);
    }

    @Override
    public EventBatch transform(EventBatch batch) {
      return batch;
    }

    @Override
    public String name() {
      return "event-collector.event-batch";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  static final class ResultCodec implements MessageCodec<StoreResult, StoreResult> {

    @Override
    public void encodeToWire(Buffer buffer, StoreResult result) {
      buffer.appendInt(result.size());
      for (long seq : result.seqs()) {
        buffer.appendLong(seq);
      }
    }

    @Override
    public StoreResult decodeFromWire(int pos, Buffer buffer) {
      int size = buffer.getInt(pos);
      long[] seqs = new long[size];
      for (int i = 0; i < size; i++) {
        seqs[i] = buffer.getLong(pos + 4 + 8 * i);
      }
      return new StoreResult(seqs);
    }

    @Override
    public StoreResult transform(StoreResult result) {
      return result;
    }

    @Override
    public String name() {
      return "event-collector.store-result";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  private static void writeEvent(Buffer buffer, Event event) {
    writeString(buffer, event.eventId());
    buffer.appendLong(event.timestamp());
    writeString(buffer, event.sourceSystem());
    writeString(buffer, event.eventType());
    buffer.appendByte((byte) event.severity().rank());
    writeString(buffer, event.title());
    writeString(buffer, event.description());
    writeString(buffer, event.correlationId());
    writeString(buffer, event.sourceComponent());
    buffer.appendLong(event.durationMs() == null ? -1 : event.durationMs());
    writeString(buffer, event.data().isEmpty() ? null : event.data().encode());
    buffer.appendShort((short) event.tags().size());
    for (String tag : event.tags()) {
      writeString(buffer, tag);
    }
    writeString(buffer, event.metadata().isEmpty() ? null : event.metadata().encode());
  }

  private static Event readEvent(Buffer buffer, int[] at) {
    String id = readString(buffer, at);
    long timestamp = buffer.getLong(at[0]);
    at[0] += 8;
    String system = readString(buffer, at);
    String type = readString(buffer, at);
    Severity severity = Severity.ofRank(buffer.getByte(at[0]));
    at[0] += 1;
    String title = readString(buffer, at);
    String description = readString(buffer, at);
    String correlation = readString(buffer, at);
    String component = readString(buffer, at);
    long duration = buffer.getLong(at[0]);
    at[0] += 8;
    String data = readString(buffer, at);
    int tagCount = buffer.getShort(at[0]);
    at[0] += 2;
    List<String> tags = new ArrayList<>(tagCount);
    for (int i = 0; i < tagCount; i++) {
      tags.add(readString(buffer, at));
    }
    String metadata = readString(buffer, at);
    return new Event(id, timestamp, system, type, severity, title, description, correlation, component,
      duration < 0 ? null : duration, data == null ? new JsonObject() : new JsonObject(data), List.copyOf(tags),
      metadata == null ? new JsonObject() : new JsonObject(metadata));
  }

  /** A string as its UTF-8 length (-1 for null) and bytes. */
  private static void writeString(Buffer buffer, String value) {
    if (value == null) {
      buffer.appendInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(CharsetUtil.UTF_8);
    buffer.appendInt(bytes.length);
    buffer.appendBytes(bytes);
  }

  private static String readString(Buffer buffer, int[] at) {
    int length = buffer.getInt(at[0]);
    at[0] += 4;
    if (length < 0) {
      return null;
    }
    String value = buffer.getString(at[0], at[0] + length, "UTF-8");
    at[0] += length;
    return value;
  }
}
