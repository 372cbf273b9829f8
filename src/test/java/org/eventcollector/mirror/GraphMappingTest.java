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
  void findsARelationInSessionBuddysListing() {
    String answer = "🔗 Found 2 relationships for 'e-2':\n\n  e-2 --[part_of]--> correlation:wf\n  e-2 --[follows]--> e-1";
    assertTrue(GraphMapping.listsRelation(answer, "e-2", "e-1", "follows"));
    assertFalse(GraphMapping.listsRelation(answer, "e-2", "e-10", "follows"));
    assertFalse(GraphMapping.listsRelation("🔍 No relationships found for 'e-2'", "e-2", "e-1", "follows"));
  }
}
