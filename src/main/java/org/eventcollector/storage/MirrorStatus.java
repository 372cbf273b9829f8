package org.eventcollector.storage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.metrics.CollectorMetrics;
import org.eventcollector.mirror.McpClient;
import org.eventcollector.mirror.McpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * What the Session-Buddy mirror knows of the server: reachable or not, how its last call went, the
 * failures, and whether it offers the tools the mirror needs. Missing tools are said once (a log
 * line and {@code last_error}) until they appear, not at every retry.
 */
final class MirrorStatus {

  private static final Logger LOG = LoggerFactory.getLogger(MirrorStatus.class);

  private final McpClient client;
  private final CollectorMetrics metrics;
  private Boolean reachable;
  private boolean lastCallOk = true;
  private long failures;
  private long lastContact;
  private String lastError;
  private List<String> missingTools = List.of();

  MirrorStatus(McpClient client, CollectorMetrics metrics) {
    this.client = client;
    this.metrics = metrics;
    metrics.mirrorToolsMissing(0);
  }

  /** Records the outcome of one exchange: null when it went as hoped, else its failure. */
  void contact(Throwable error) {
    lastContact = System.currentTimeMillis();
    if (error == null) {
      reachable = true;
      lastCallOk = true;
      if (!missingTools.isEmpty()) {
        LOG.info("Session-Buddy at {} now offers the knowledge-graph tools; the mirror resumes", client.url());
        missingTools = List.of();
        metrics.mirrorToolsMissing(0);
      }
      return;
    }
    lastCallOk = false;
    reachable = !(error instanceof McpException mcp) || mcp.reached();
    if (error instanceof McpException mcp && mcp.kind() == McpException.Kind.TOOLS_MISSING) {
      List<String> missing = client.missingTools();
      if (!missing.equals(missingTools)) {
        missingTools = missing;
        lastError = "Session-Buddy at " + client.url() + " does not offer " + String.join(", ", missing)
          + ": its knowledge-graph tools are registered only in the 'standard' and 'full' tool profiles"
          + " (SESSION_BUDDY_TOOL_PROFILE); the outbox keeps every event until they appear";
        LOG.warn("{}", lastError);
        failures++;
        metrics.mirrorFailure();
        metrics.mirrorToolsMissing(missing.size());
      }
      return;
    }
    failures++;
    metrics.mirrorFailure();
    lastError = error.getMessage();
  }

  /** True when the last check found required tools missing. */
  boolean toolsMissing() {
    return !missingTools.isEmpty();
  }

  /** True unless the last call failed. */
  boolean draining() {
    return lastCallOk;
  }

  long lastContact() {
    return lastContact;
  }

  /** The {@code session_buddy} object of {@code /health}, without the outbox figures. */
  JsonObject describe() {
    return new JsonObject()
      .put("url", client.url())
      .put("reachable", reachable)
      .put("draining", lastCallOk)
      .put("failures", failures)
      .put("last_error", lastError)
      .put("tools_missing", new JsonArray(List.copyOf(missingTools)))
      .put("protocol_version", client.protocolVersion());
  }
}
