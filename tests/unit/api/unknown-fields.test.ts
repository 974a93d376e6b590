import { describe, expect, it } from "vitest";
import { z } from "zod";
import { closestName, unknownFields } from "../../../operator/api/unknown-fields.ts";

const Schema = z.object({
  name: z.string(),
  meta: z.looseObject({ id: z.string() }),
  items: z.array(z.object({ lr: z.number().default(1) })).optional(),
  byStage: z.record(z.string(), z.object({ cpu: z.string() })).default({}),
  source: z.union([z.object({ path: z.string() }), z.object({ url: z.string(), sha256: z.string() })]).optional(),
  nested: z.object({ deep: z.object({ value: z.int() }).default({ value: 1 }) }).optional(),
});

describe("unknownFields", () => {
  it("finds nothing in a document the schema describes, and passes loose objects through", () => {
    const doc = { name: "a", meta: { id: "1", anything: 2 }, items: [{ lr: 2 }], byStage: { x: { cpu: "1" } } };
    expect(unknownFields(Schema, doc)).toEqual([]);
  });

  it("finds fields at every depth: through defaults, arrays, records and the best-fitting union option", () => {
    const doc = {
      name: "a",
      nmae: "b",
      meta: { id: "1" },
      items: [{ lr: 1 }, { lrr: 2 }],
      byStage: { predict: { cpu: "1", cpus: "2" } },
      source: { url: "u", sha256: "s", sha: "t" },
      nested: { deep: { value: 1, valeu: 2 } },
    };
    expect(unknownFields(Schema, doc)).toEqual([
      { path: "nmae", suggestion: "name" },
      { path: "items[1].lrr", suggestion: "lr" },
      { path: "byStage.predict.cpus", suggestion: "cpu" },
      { path: "source.sha" },
      { path: "nested.deep.valeu", suggestion: "value" },
    ]);
  });

  it("suggests a name only when it is near enough", () => {
    expect(closestName("aggregaton", ["aggregation", "engine"])).toBe("aggregation");
    expect(closestName("Detector", ["detector"])).toBe("detector");
    expect(closestName("colour", ["detector", "engine"])).toBeUndefined();
  });
});
