package org.eventcollector.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Groups errors that differ only in their variable parts. The title and description are
 * normalised (lower case; quoted values, URLs, paths, UUIDs, hex ids, e-mail addresses, numbers
 * and any word holding a digit masked; whitespace collapsed) and the fingerprint is the first 16
 * hex digits of the SHA-256 of {@code source_system}, {@code event_type} and the two normalised
 * texts. "Workflow failed: wf_123 at /srv/a.py line 7" and "Workflow failed: wf_9 at /srv/b.py
 * line 12" share one.
 */
public final class Fingerprint {

  /** Only the head of a description counts: enough to tell errors apart, bounded in cost. */
  public static final int DESCRIPTION_CHARS = 1000;

  private static final Pattern DOUBLE_QUOTED = Pattern.compile("\"[^\"]*\"");
  private static final Pattern SINGLE_QUOTED = Pattern.compile("(?<![\\p{L}\\p{N}])'[^']*'");
  private static final Pattern BACK_QUOTED = Pattern.compile("`[^`]*`");
  private static final Pattern URL = Pattern.compile("\\b[a-z][a-z0-9+.-]*://\\S+");
  private static final Pattern EMAIL = Pattern.compile("\\b[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+\\b");
  private static final Pattern UNIX_PATH = Pattern.compile("(?<![\\w<])(~|\\.{1,2})?(/[\\w.@+-]+)+/?");
  private static final Pattern WINDOWS_PATH = Pattern.compile("\\b[a-z]:\\\\[^\\s\"']*");
  private static final Pattern UUID = Pattern.compile("\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b");
  private static final Pattern HEX = Pattern.compile("\\b(0x)?[0-9a-f]{8,}\\b");
  private static final Pattern NUMBER = Pattern.compile("(?<![\\w<])[-+]?\\d+([.,:]\\d+)*(?![\\w>])");
  private static final Pattern WORD_WITH_DIGIT = Pattern.compile("(?<![<\\w])[\\w.:-]*\\d[\\w.:-]*(?![\\w>])");
  private static final Pattern SPACES = Pattern.compile("\\s+");

  private Fingerprint() {
  }

  /** The fingerprint of an error: 16 lower-case hex digits. */
  public static String of(String sourceSystem, String eventType, String title, String description) {
    String key = sourceSystem + '\n' + eventType + '\n' + normalise(title) + '\n'
      + normalise(head(description));
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The normalised text: what stays the same across occurrences of one error. */
  public static String normalise(String text) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    String s = text.toLowerCase(Locale.ROOT);
    s = DOUBLE_QUOTED.matcher(s).replaceAll("<str>");
    s = BACK_QUOTED.matcher(s).replaceAll("<str>");
    s = SINGLE_QUOTED.matcher(s).replaceAll("<str>");
    s = URL.matcher(s).replaceAll("<url>");
    s = EMAIL.matcher(s).replaceAll("<email>");
    s = WINDOWS_PATH.matcher(s).replaceAll("<path>");
    s = UNIX_PATH.matcher(s).replaceAll("<path>");
    s = UUID.matcher(s).replaceAll("<id>");
    s = HEX.matcher(s).replaceAll("<id>");
    s = NUMBER.matcher(s).replaceAll("<num>");
    s = WORD_WITH_DIGIT.matcher(s).replaceAll("<id>");
    return SPACES.matcher(s).replaceAll(" ").trim();
  }

  private static String head(String description) {
    if (description == null) {
      return "";
    }
    return description.length() <= DESCRIPTION_CHARS ? description : description.substring(0, DESCRIPTION_CHARS);
  }
}
