package org.eventcollector.mirror;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseParserTest {

  @Test
  void joinsDataLinesAndSkipsCommentsAndOtherFields() {
    SseParser parser = new SseParser();
    List<String> events = parser.feed(": hello\n\nevent: message\nid: 7\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata:x\n\n"
      .getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("{\"a\":\n1}", "x"), events);
  }

  @Test
  void putsTogetherEventsAndCharactersSplitAcrossChunks() {
    SseParser parser = new SseParser();
    byte[] bytes = "data: ❌ failed\n\n".getBytes(StandardCharsets.UTF_8);
    List<String> events = new ArrayList<>();
    for (byte b : bytes) {
      events.addAll(parser.feed(new byte[] {b}));
    }
    assertEquals(List.of("❌ failed"), events);
  }
}
