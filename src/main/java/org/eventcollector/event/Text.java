package org.eventcollector.event;

import java.util.Locale;

/** Text helpers: case folding for substring search (the same on every storage backend), UTF-8 sizes. */
public final class Text {

  private Text() {
  }

  public static String fold(String value) {
    return value.toLowerCase(Locale.ROOT);
  }

  /** The number of bytes {@code value} takes in UTF-8, without encoding it. */
  public static int utf8Length(String value) {
    int length = value.length();
    int bytes = length;
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes++;
        } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
          // A pair: 4 bytes for 2 chars.
          bytes += 2;
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }
}
