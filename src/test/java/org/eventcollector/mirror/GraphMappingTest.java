package org.eventcollector.mirror;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphMappingTest {

  private static JsonObject event(String id, String correlation, String title, String description) {
    return new JsonObject().put("event_id", id).put("timestamp", "2026-11-22T13:00:00.000Z")
      .put("source_system", "mahavishnu").put("event_type", "workflow.started").put("severity", "info")
      .put("title", title).put("description", description).put("correlation_id", correlation)
      .put("source_component", null).put("duration_ms", null).put("data", new JsonObject().put("k", 1))
      .put("tags", List.of("prod")).put("metadata", new JsonObject());
  }

  @Test
  void keepsNonEmptyTitleAndDescriptionAsObservationsAndEverythingElseAsProperties() {
    JsonObject entity = GraphMapping.eventEntity(event("e-1", "wf", "Started", ""));
    assertEquals("e-1", entity.getString("name"));
    assertEquals("event", entity.getString("entity_type"));
    assertEquals(List.of("Started"), entity.getJsonArray("observations").getList());
    JsonObject properties = entity.getJsonObject("properties");
    assertFalse(properties.containsKey("title"));
    assertFalse(properties.containsKey("description"));
    assertEquals("mahavishnu", properties.getString("source_system"));
    assertEquals(1, properties.getJsonObject("data").getInteger("k"));
    assertEquals(11, properties.size());
  }

  @Test
  void makesSystemAndCorrelationOnlyWhenUnknownAndLinksToThePreviousEvent() {
    List<GraphMapping.Step> first = GraphMapping.steps(event("e-1", "wf", "", ""), false, false, null);
    assertEquals(List.of("system:mahavishnu", "correlation:wf", "e-1"),
      first.stream().map(GraphMapping.Step::entity).filter(java.util.Objects::nonNull).toList());
    assertEquals(List.of("emitted_by", "part_of"), relations(first));
    List<GraphMapping.Step> second = GraphMapping.steps(event("e-2", "wf", "", ""), true, true, "e-1");
    assertEquals(List.of("e-2"), second.stream().map(GraphMapping.Step::entity).filter(java.util.Objects::nonNull).toList());
    assertEquals(List.of("emitted_by", "part_of", "follows"), relations(second));
    assertEquals("e-1", second.get(3).arguments().getString("to_entity"));
    List<GraphMapping.Step> alone = GraphMapping.steps(event("e-3", null, "", ""), true, false, null);
    assertEquals(List.of("emitted_by"), relations(alone));
  }

  private static List<String> relations(List<GraphMapping.Step> steps) {
    return steps.stream().filter(GraphMapping.Step::isRelation).map(s -> s.arguments().getString("relation_type")).toList();
  }

  @Test
  void findsARelationInSessionBuddysListingWhichNamesTheEntitiesByTheirIds() {
    // As Session-Buddy answers get_entity_relationships(entity_name="e-2", relation_type="follows", direction="outgoing").
    String answer = "🔗 Found 1 relationships for 'e-2':\n\n"
      + "  3f1c2a9e-8d1b-4a55-9a57-0c1c1a1e2b3c --[follows]--> 9b2d7c4e-1f0a-4c3e-8e6b-5d4c3b2a1f0e";
    assertTrue(GraphMapping.listsRelation(answer, "follows"));
    assertFalse(GraphMapping.listsRelation(answer, "part_of"));
    assertFalse(GraphMapping.listsRelation("🔍 No relationships found for 'e-2'", "follows"));
    String unknown = "❌ Get entity relationships failed: Entity 'e-2' not found";
    assertFalse(GraphMapping.listsRelation(unknown, "follows"));
    assertTrue(GraphMapping.entityNotFound(unknown));
    assertEquals(new JsonObject().put("entity_name", "e-2").put("relation_type", "follows").put("direction", "outgoing"),
      GraphMapping.outgoing("e-2", "follows"));
  }

  private static final String BATCH = "📦 Batch Entity Creation Results:\n\n✅ Successfully Created: %d\n%s\n%s";

  private static String batch(int created, List<String> failures, int failed) {
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < Math.min(created, 10); i++) {
      names.append("   • e-").append(i).append('\n');
    }
    if (created > 10) {
      names.append("   ... and ").append(created - 10).append(" more\n");
    }
    StringBuilder failedPart = new StringBuilder();
    if (failed > 0) {
      failedPart.append("❌ Failed: ").append(failed);
      failures.forEach(f -> failedPart.append("\n   • ").append(f));
      if (failed > failures.size()) {
        failedPart.append("\n   ... and ").append(failed - failures.size()).append(" more");
      }
    }
    return String.format(BATCH, created, names.toString().stripTrailing(), failedPart);
  }

  @Test
  void readsABatchAnswerAsDoneOnlyWhenEveryFailureIsNamedAndExistsAlready() {
    String exists = "x-%d: Entity with name 'x-%d' already exists";
    BatchAnswer all = BatchAnswer.parse(batch(50, List.of(), 0));
    assertEquals(new BatchAnswer(50, 0, List.of()), all);
    assertTrue(all.allExist(50));
    assertFalse(all.allExist(51), "the counts must add up to what was sent");

    List<String> five = java.util.stream.IntStream.range(0, 5).mapToObj(i -> String.format(exists, i, i)).toList();
    BatchAnswer retried = BatchAnswer.parse(batch(45, five, 5));
    assertEquals(5, retried.failed());
    assertEquals(five, retried.failures());
    assertTrue(retried.allExist(50));

    BatchAnswer unnamed = BatchAnswer.parse(batch(44, five, 6));
    assertFalse(unnamed.allExist(50), "the sixth failure is not named, so it may be anything");

    BatchAnswer other = BatchAnswer.parse(batch(49, List.of("x-0: embedding service unavailable"), 1));
    assertFalse(other.allExist(50));

    assertEquals(null, BatchAnswer.parse("✅ Entity 'e-1' created successfully!"));
  }

  @Test
  void sendsTheEntitiesOfABatchAsTheirCreateEntityArguments() {
    JsonObject entity = GraphMapping.eventEntity(event("e-1", "wf", "Started", ""));
    JsonObject args = GraphMapping.batch(List.of(GraphMapping.systemEntity("mahavishnu"), entity));
    assertEquals(2, args.getJsonArray("entities").size());
    assertEquals(entity, args.getJsonArray("entities").getJsonObject(1));
    assertEquals(List.of("create_entity", "create_relation", "get_entity_relationships"), GraphMapping.REQUIRED_TOOLS);
  }
}
