package org.eventcollector.event;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimeFormatTest {

  private static final DateTimeFormatter REFERENCE =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  void formatsEveryTimeAsTheIsoFormatterDoes() {
    SplittableRandom random = new SplittableRandom(7);
    long[] edges = {0, -1, 1, 86_399_999, -86_400_000, 951_782_400_000L, Long.MIN_VALUE / 1000,
      Instant.parse("0999-12-31T23:59:59.999Z").toEpochMilli(), Instant.parse("1000-01-01T00:00:00Z").toEpochMilli(),
      Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli(), Instant.parse("+10000-01-01T00:00:00Z").toEpochMilli(),
      Instant.parse("-0001-06-01T12:00:00Z").toEpochMilli()};
    for (long millis : edges) {
      assertEquals(REFERENCE.format(Instant.ofEpochMilli(millis)), Event.formatTime(millis), Long.toString(millis));
    }
    for (int i = 0; i < 100_000; i++) {
      long millis = random.nextLong(-70_000_000_000_000L, 260_000_000_000_000L);
      assertEquals(REFERENCE.format(Instant.ofEpochMilli(millis)), Event.formatTime(millis), Long.toString(millis));
    }
  }
}
