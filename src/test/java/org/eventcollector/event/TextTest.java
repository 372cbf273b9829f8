package org.eventcollector.event;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TextTest {

  @Test
  void utf8LengthCountsWhatTheEncoderWrites() {
    for (String value : List.of("", "plain ascii", "\u00e9t\u00e9", "\u20ac100", "emoji \ud83d\ude00 and \ud834\udd1e",
      "\u0000\u007f\u0080\u07ff\u0800\uffff")) {
      assertEquals(value.getBytes(StandardCharsets.UTF_8).length, Text.utf8Length(value), value);
    }
  }
}
