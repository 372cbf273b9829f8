package org.eventcollector.event;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TimesTest {

  @ParameterizedTest
  @ValueSource(strings = {"2026-11-22T13:00:00.123Z", "1969-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z",
    "0000-06-01T00:00:00.000Z", "-0001-01-01T00:00:00.000Z", "+12332-03-04T05:06:07.008Z"})
  void aTimeReadsBackAsItWasWrittenInUtcWithMilliseconds(String time) {
    assertEquals(time, Event.formatTime(Times.parse(time)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2026-11-22T14:00:00.123+01:00", "2026-11-22T13:00:00.123456Z", "2026-11-22t13:00:00.123z"})
  void anOffsetOrAFinerFractionIsNormalisedToUtcMilliseconds(String time) {
    assertEquals("2026-11-22T13:00:00.123Z", Event.formatTime(Times.parse(time)));
  }
}
