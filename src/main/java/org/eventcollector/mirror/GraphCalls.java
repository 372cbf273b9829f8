package org.eventcollector.mirror;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The mirror's calls to Session-Buddy, each safe to repeat when its outcome is unknown: an entity
 * is created only where Session-Buddy checks that the name is free ("already exists" counts as
 * made), and a relation, when it may have been made before, is looked up first (Session-Buddy's
 * relation table has no uniqueness, so a relation made twice is there twice).
 */
public final class GraphCalls {

  private final McpClient client;
  private final Consumer<Throwable> contact;

  /**
   * @param contact told the outcome of every exchange: null when the server answered as hoped,
   *   else the failure
   */
  public GraphCalls(McpClient client, Consumer<Throwable> contact) {
    this.client = client;
    this.contact = contact;
  }

  /**
   * True when the server offers {@code batch_create_entities}, or its tools are not known yet (no
   * session): the call then opens the session and lists them, and a server without the tool answers
   * it as a failed call, after which the entities are made one by one.
   */
  public boolean offersBatch() {
    return client.tools().isEmpty() || client.tools().contains(GraphMapping.BATCH_CREATE_ENTITIES);
  }

  /**
   * Runs one step. A relation is first looked up when {@code careful} (it may exist already): an
   * outgoing line of its type from the event means it does, as an event has one relation of each
   * type.
   */
  public Future<Void> step(GraphMapping.Step step, boolean careful) {
    JsonObject args = step.arguments();
    if (!step.isRelation()) {
      return call(step.tool(), args, GraphCalls::existsAlready).mapEmpty();
    }
    if (!careful) {
      return call(step.tool(), args, e -> false).mapEmpty();
    }
    String type = args.getString("relation_type");
    return call(GraphMapping.GET_ENTITY_RELATIONSHIPS, GraphMapping.outgoing(args.getString("from_entity"), type),
        e -> GraphMapping.entityNotFound(e.getMessage()))
      .compose(text -> GraphMapping.listsRelation(text, type)
        ? Future.<Void>succeededFuture() : call(step.tool(), args, e -> false).mapEmpty());
  }

  /**
   * Creates entities with one {@code batch_create_entities} call. Succeeds with true when every one
   * of them exists now ({@link BatchAnswer#allExist}), with false when the answer cannot tell (the
   * entities must then be settled one by one), and fails as any call does.
   */
  public Future<Boolean> entities(List<JsonObject> entities) {
    return call(GraphMapping.BATCH_CREATE_ENTITIES, GraphMapping.batch(entities), e -> false).map(text -> {
      BatchAnswer answer = BatchAnswer.parse(text);
      return answer != null && answer.allExist(entities.size());
    });
  }

  private static boolean existsAlready(McpException e) {
    return GraphMapping.alreadyExists(e.getMessage());
  }

  /** A tool call; a tool failure that {@code expected} accepts counts as an answer (its text). */
  private Future<String> call(String tool, JsonObject arguments, Predicate<McpException> expected) {
    return client.callTool(tool, arguments)
      .recover(e -> e instanceof McpException m && m.kind() == McpException.Kind.TOOL_FAILED && expected.test(m)
        ? Future.succeededFuture(m.getMessage()) : Future.failedFuture(e))
      .onComplete(ar -> contact.accept(ar.cause()));
  }
}
