package org.eventcollector.mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answer of Session-Buddy's {@code batch_create_entities}, read for what it says. The tool
 * creates the entities one after another and keeps going past a failed one; it answers
 * <pre>
 * 📦 Batch Entity Creation Results:
 *
 * ✅ Successfully Created: n
 *    • name            (the first 10 only, then "... and k more")
 *
 * ❌ Failed: m
 *    • name: reason    (the first 5 only, then "... and k more")
 * </pre>
 * where a name that exists already is a failure with the reason
 * {@code Entity with name 'X' already exists}. So a batch is known to be done only when the counts
 * add up to what was sent and every failure is named and is "already exists"; otherwise which
 * entities are missing cannot be told from the answer.
 */
public record BatchAnswer(int created, int failed, List<String> failures) {

  private static final Pattern CREATED = Pattern.compile("Successfully Created:\\s*(\\d+)");
  private static final Pattern FAILED = Pattern.compile("Failed:\\s*(\\d+)");

  /** Reads an answer; null when it is not a batch answer at all. */
  public static BatchAnswer parse(String answer) {
    if (answer == null || !answer.stripLeading().startsWith("📦")) {
      return null;
    }
    Integer created = null;
    int failed = 0;
    List<String> failures = new ArrayList<>();
    boolean inFailures = false;
    for (String raw : answer.split("\\n")) {
      String line = raw.strip();
      Matcher c = CREATED.matcher(line);
      Matcher f = FAILED.matcher(line);
      if (created == null && c.find()) {
        created = Integer.parseInt(c.group(1));
        inFailures = false;
      } else if (!inFailures && f.find() && !line.startsWith("•")) {
        failed = Integer.parseInt(f.group(1));
        inFailures = true;
      } else if (inFailures && line.startsWith("•")) {
        failures.add(line.substring(1).strip());
      }
    }
    return created == null ? null : new BatchAnswer(created, failed, List.copyOf(failures));
  }

  /**
   * True when every one of the {@code sent} entities exists now: the counts add up, and every
   * failure is named and says the entity exists already.
   */
  public boolean allExist(int sent) {
    return created + failed == sent && failures.size() == failed
      && failures.stream().allMatch(GraphMapping::alreadyExists);
  }
}
