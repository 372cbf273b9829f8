package org.eventcollector.ingest;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

/**
 * Role {@code ingest}, bus side: {@code events.ingest} for clustered JVM services, with exactly the
 * validation, rate limit and durable acknowledgement of {@code POST /events}.
 */
public class IngestVerticle extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IngestVerticle.class);

  private IngestService service;

  @Override
  public Future<?> start() {
    service = Ingest.service(vertx, config());
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(Addresses.INGEST, this::ingest);
    return consumer.completion();
  }

  private void ingest(Message<Object> message) {
    Object body = message.body();
    Future<JsonObject> answer;
    try {
      if (body instanceof JsonArray array) {
        answer = service.ingestBatch(array, null, false);
      } else if (body instanceof JsonObject) {
        answer = service.ingestOne(body, null, false);
      } else {
        answer = Future.failedFuture(CodedException.badRequest(null, "body must be a JSON object or array"));
      }
    } catch (RuntimeException e) {
      // Every request gets an answer: a sender must never wait for its timeout.
      LOG.error("events.ingest failed on an unexpected body", e);
      answer = Future.failedFuture(e instanceof CodedException ? e : new CodedException(Failure.INTERNAL, "internal error"));
    }
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        Failure.reply(message, ar.cause());
      }
    });
  }
}
