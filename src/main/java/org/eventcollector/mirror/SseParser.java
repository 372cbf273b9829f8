package org.eventcollector.mirror;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental parser of a {@code text/event-stream} body (the WHATWG rules MCP relies on): lines end
 * with LF, CR or CRLF; {@code data:} lines of one event are joined with LF; a blank line dispatches
 * the event; comment lines (starting with a colon) and other fields are ignored.
 */
final class SseParser {

  private final StringBuilder line = new StringBuilder();
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private boolean lastWasCr;
  private byte[] pending = new byte[0];

  /** Feeds bytes; returns the data of every event completed by them. */
  List<String> feed(byte[] bytes) {
    // Keep an incomplete UTF-8 sequence at the end for the next chunk.
    byte[] all = new byte[pending.length + bytes.length];
    System.arraycopy(pending, 0, all, 0, pending.length);
    System.arraycopy(bytes, 0, all, pending.length, bytes.length);
    int complete = completeUtf8(all);
    pending = java.util.Arrays.copyOfRange(all, complete, all.length);
    String text = new String(all, 0, complete, StandardCharsets.UTF_8);
    List<String> events = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = c == '\r';
      if (c == '\n' || c == '\r') {
        endLine(events);
      } else {
        line.append(c);
      }
    }
    return events;
  }

  private void endLine(List<String> events) {
    String text = line.toString();
    line.setLength(0);
    if (text.isEmpty()) {
      if (hasData) {
        events.add(data.toString());
      }
      data.setLength(0);
      hasData = false;
      return;
    }
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(value);
      hasData = true;
    }
  }

  private static int completeUtf8(byte[] bytes) {
    int end = bytes.length;
    for (int back = 1; back <= Math.min(3, end); back++) {
      int b = bytes[end - back] & 0xFF;
      if ((b & 0xC0) == 0x80) {
        continue;
      }
      int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      return need > back ? end - back : end;
    }
    return end;
  }
}
