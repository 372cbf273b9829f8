package org.eventcollector.event;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class FingerprintTest {

  @Test
  void masksNumbersIdsPathsAndQuotedValues() {
    assertEquals("workflow failed: <id> at <path> line <num>",
      Fingerprint.normalise("Workflow failed: wf_123 at /srv/app/run.py line 7"));
    assertEquals("user <str> not found (<str>)", Fingerprint.normalise("User \"alice\" not found ('x-1')"));
    assertEquals("request <id> to <url> took <num> ms",
      Fingerprint.normalise("Request 3f2b8c1e-1d2a-4b5c-9e8f-0a1b2c3d4e5f to https://api.example.com/v1/x?id=9 took 12.5 ms"));
    assertEquals("commit <id> by <email> in <path>",
      Fingerprint.normalise("Commit deadbeefcafe by dev@example.org in C:\\repo\\src"));
    assertEquals("it's done", Fingerprint.normalise("  It's   done "));
    assertEquals("", Fingerprint.normalise(null));
  }

  @Test
  void sameErrorWithOtherValuesSharesAFingerprint() {
    String a = Fingerprint.of("mahavishnu", "workflow.failed", "Workflow failed: wf_1", "Timeout after 30 s at /a/b.py");
    String b = Fingerprint.of("mahavishnu", "workflow.failed", "Workflow failed: wf_22", "Timeout after 5 s at /c/d.py");
    assertEquals(a, b);
    assertEquals(16, a.length());
    assertNotEquals(a, Fingerprint.of("crackerjack", "workflow.failed", "Workflow failed: wf_1", "Timeout after 30 s at /a/b.py"));
    assertNotEquals(a, Fingerprint.of("mahavishnu", "workflow.failed", "Workflow cancelled: wf_1", "Timeout after 30 s at /a/b.py"));
  }

  @Test
  void onlyTheHeadOfALongDescriptionCounts() {
    String head = "x".repeat(Fingerprint.DESCRIPTION_CHARS);
    assertEquals(Fingerprint.of("akosha", "e", "t", head + " tail one"), Fingerprint.of("akosha", "e", "t", head + " other"));
  }
}
