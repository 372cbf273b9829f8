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
    if (body instanceof JsonArray array) {
      answer = service.ingestBatch(array, null, false);
    } else if (body instanceof JsonObject) {
      answer = service.ingestOne(body, null, false);
    } else {
      answer = Future.failedFuture(CodedException.badRequest(null, "body must be a JSON object or array"));
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
