package org.eventcollector.event;

import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/** ISO-8601 times as the contract takes them: an offset or {@code Z} is required. */
final class Times {

  private static final DateTimeFormatter LENIENT_OFFSET = new DateTimeFormatterBuilder()
    .parseCaseInsensitive()
    .append(DateTimeFormatter.ISO_LOCAL_DATE)
    .appendLiteral('T')
    .append(DateTimeFormatter.ISO_LOCAL_TIME)
    .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
    .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
    .optionalStart().appendOffset("+HH", "Z").optionalEnd()
    .toFormatter()
    // February 30th is refused, not read as the 28th.
    .withResolverStyle(ResolverStyle.STRICT);

  private Times() {
  }

  static long parse(String value) {
    if (value == null || value.length() > 64) {
      throw new DateTimeException("not an ISO-8601 time");
    }
    try {
      return OffsetDateTime.parse(value, LENIENT_OFFSET).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      if (e.getCause() instanceof DateTimeException invalid) {
        throw new DateTimeException("not a valid date or time: " + invalid.getMessage());
      }
      throw new DateTimeException("not an ISO-8601 time with a zone offset (e.g. 2026-11-22T13:00:00Z)");
    } catch (ArithmeticException e) {
      throw new DateTimeException("time out of range");
    }
  }
}
