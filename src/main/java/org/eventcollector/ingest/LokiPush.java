package org.eventcollector.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Loki push request, read from its JSON form or from the protobuf {@code logproto.PushRequest}
 * of Loki's {@code push.proto} (after snappy): streams of labels, each with entries of a time in
 * nanoseconds, a line and optional structured metadata. The protobuf is small and stable, so it is
 * read field by field with protobuf-java's {@link CodedInputStream}; unknown fields are skipped.
 */
final class LokiPush {

  /** One line of a stream. */
  record Entry(long nanos, String line, Map<String, String> metadata) {
  }

  /** A stream: its labels and its lines. */
  record Stream(Map<String, String> labels, List<Entry> entries) {
  }

  private LokiPush() {
  }

  static int count(List<Stream> streams) {
    return streams.stream().mapToInt(s -> s.entries().size()).sum();
  }

  // JSON: {"streams": [{"stream": {labels}, "values": [["<ns>", "<line>", {metadata}?], ...]}]}

  static List<Stream> fromJson(Buffer body) {
    Object value;
    try {
      value = body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException | IllegalStateException e) {
      throw CodedException.badRequest(null, "body is not valid JSON");
    }
    if (!(value instanceof JsonObject push) || !(push.getValue("streams") instanceof JsonArray streams)) {
      throw CodedException.badRequest("streams", "body must be a JSON object with an array \"streams\"");
    }
    List<Stream> result = new ArrayList<>(streams.size());
    for (int s = 0; s < streams.size(); s++) {
      String where = "streams[" + s + "]";
      if (!(streams.getValue(s) instanceof JsonObject stream)) {
        throw CodedException.badRequest("streams", where + " must be an object");
      }
      Map<String, String> labels = strings(stream.getValue("stream"), where + ".stream");
      if (!(stream.getValue("values") instanceof JsonArray values)) {
        throw CodedException.badRequest("values", where + ".values must be an array");
      }
      List<Entry> entries = new ArrayList<>(values.size());
      for (int v = 0; v < values.size(); v++) {
        String at = where + ".values[" + v + "]";
        if (!(values.getValue(v) instanceof JsonArray entry) || entry.size() < 2 || entry.size() > 3) {
          throw CodedException.badRequest("values", at + " must be [\"<unix ns>\", \"<line>\"] or [\"<unix ns>\", \"<line>\", {metadata}]");
        }
        if (!(entry.getValue(1) instanceof String line)) {
          throw CodedException.badRequest("values", at + "[1], the line, must be a string");
        }
        Map<String, String> metadata = entry.size() == 3 ? strings(entry.getValue(2), at + "[2]") : Map.of();
        entries.add(new Entry(nanos(entry.getValue(0), at + "[0]"), line, metadata));
      }
      result.add(new Stream(labels, entries));
    }
    return result;
  }

  private static long nanos(Object value, String at) {
    try {
      long nanos = value instanceof String s ? Long.parseLong(s.trim())
        : value instanceof Long || value instanceof Integer ? ((Number) value).longValue() : -1;
      if (nanos >= 0) {
        return nanos;
      }
    } catch (NumberFormatException e) {
      // the 400 below
    }
    throw CodedException.badRequest("values", at + ", the time, must be a string of Unix epoch nanoseconds");
  }

  private static Map<String, String> strings(Object value, String at) {
    if (!(value instanceof JsonObject object)) {
      throw CodedException.badRequest(null, at + " must be an object of strings");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, Object> field : object) {
      if (!(field.getValue() instanceof String s)) {
        throw CodedException.badRequest(null, at + "." + field.getKey() + " must be a string");
      }
      map.put(field.getKey(), s);
    }
    return map;
  }

  // Protobuf: PushRequest { repeated StreamAdapter streams = 1; }
  //   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
  //   EntryAdapter { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
  //   LabelPairAdapter { string name = 1; string value = 2; }   Timestamp { int64 seconds = 1; int32 nanos = 2; }

  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;

  static List<Stream> fromProtobuf(byte[] body) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(body);
      List<Stream> streams = new ArrayList<>();
      while (!in.isAtEnd()) {
        int tag = in.readTag();
        if (tag == field(1, LENGTH_DELIMITED)) {
          int limit = in.pushLimit(in.readRawVarint32());
          streams.add(stream(in, streams.size()));
          in.popLimit(limit);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      return streams;
    } catch (IOException e) {
      throw CodedException.badRequest(null, "body is not a valid Loki PushRequest: " + e.getMessage());
    }
  }

  private static Stream stream(CodedInputStream in, int index) throws IOException {
    String labels = "";
    List<Entry> entries = new ArrayList<>();
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag == field(1, LENGTH_DELIMITED)) {
        labels = in.readStringRequireUtf8();
      } else if (tag == field(2, LENGTH_DELIMITED)) {
        int limit = in.pushLimit(in.readRawVarint32());
        entries.add(entry(in));
        in.popLimit(limit);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return new Stream(LokiLabels.parse(labels, "streams[" + index + "].labels"), entries);
  }

  private static Entry entry(CodedInputStream in) throws IOException {
    long seconds = 0;
    long nanos = 0;
    String line = "";
    Map<String, String> metadata = new LinkedHashMap<>();
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag == field(1, LENGTH_DELIMITED)) {
        int limit = in.pushLimit(in.readRawVarint32());
        while (!in.isAtEnd()) {
          int t = in.readTag();
          if (t == field(1, VARINT)) {
            seconds = in.readInt64();
          } else if (t == field(2, VARINT)) {
            nanos = in.readInt32();
          } else if (!in.skipField(t)) {
            break;
          }
        }
        in.popLimit(limit);
      } else if (tag == field(2, LENGTH_DELIMITED)) {
        line = in.readStringRequireUtf8();
      } else if (tag == field(3, LENGTH_DELIMITED)) {
        int limit = in.pushLimit(in.readRawVarint32());
        String name = "";
        String value = "";
        while (!in.isAtEnd()) {
          int t = in.readTag();
          if (t == field(1, LENGTH_DELIMITED)) {
            name = in.readStringRequireUtf8();
          } else if (t == field(2, LENGTH_DELIMITED)) {
            value = in.readStringRequireUtf8();
          } else if (!in.skipField(t)) {
            break;
          }
        }
        in.popLimit(limit);
        metadata.put(name, value);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    if (seconds < 0 || nanos < 0 || nanos >= 1_000_000_000L || seconds > Long.MAX_VALUE / 1_000_000_000L - 1) {
      throw CodedException.badRequest("timestamp", "an entry's timestamp is out of range");
    }
    return new Entry(seconds * 1_000_000_000L + nanos, line, metadata);
  }

  private static int field(int number, int wireType) {
    return number << 3 | wireType;
  }
}
