package org.eventcollector.mirror;

/** A failed MCP exchange: the server was not reached, answered badly, or the tool call failed. */
public final class McpException extends RuntimeException {

  /** What went wrong. */
  public enum Kind {
    /** No answer: connection refused or reset, or timed out. The call may or may not have been applied. */
    UNREACHABLE,
    /** The session is unknown to the server (404, or 400 from older servers); a new one must be initialised. */
    SESSION_EXPIRED,
    /** An HTTP status or a body that is not a valid MCP answer. */
    PROTOCOL,
    /** A JSON-RPC error answer. */
    RPC_ERROR,
    /** The tool ran and failed: {@code isError: true} or text beginning with "❌". */
    TOOL_FAILED,
    /** The server does not list a tool the client needs ({@code tools/list}); nothing was called. */
    TOOLS_MISSING
  }

  private final Kind kind;

  public McpException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public McpException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** True when the server answered (so it is reachable), whatever the answer was. */
  public boolean reached() {
    return kind != Kind.UNREACHABLE;
  }
}
