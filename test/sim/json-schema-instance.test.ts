import { describe, expect, it } from "vitest";
import { z } from "zod";
import { rngFor } from "../../data-loaders/random.ts";
import { schemaInstance } from "../../data-loaders/sim/json-schema-instance.ts";

const SENTENCES = ["One sentence.", "Another sentence that is a little longer."];
const instance = (schema: unknown, hint?: unknown, seed = 1) => schemaInstance(schema, hint, rngFor(seed), SENTENCES);

describe("schemaInstance", () => {
  it("gives a valid value for a zod answer shape, keeping the hint where it fits", () => {
    const shape = z.object({
      recommendation: z.enum(["strong_yes", "yes", "maybe", "no"]),
      score: z.number().int().min(1).max(5),
      tags: z.array(z.string().max(8)).min(2).max(3),
      notes: z.string().nullable(),
      ok: z.boolean(),
    });
    const schema = z.toJSONSchema(shape);
    for (let seed = 0; seed < 20; seed++) expect(shape.safeParse(instance(schema, undefined, seed)).success).toBe(true);
    const hint = { recommendation: "yes", score: 9, tags: ["a", "b", "c", "d"], notes: "kept", ok: false, extra: 1 };
    expect(instance(schema, hint)).toEqual({
      recommendation: "yes",
      score: 5,
      tags: ["a", "b", "c"],
      notes: "kept",
      ok: false,
    });
  });

  it("handles const, enum, bounds, maxLength and additionalProperties", () => {
    expect(instance({ const: 3 }, 4)).toBe(3);
    expect(instance({ enum: ["a", "b"] }, "c")).toBe("a");
    expect(instance({ type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 3 }, 7)).toBe(2);
    expect(instance({ type: "string", maxLength: 3 }, "abcdef")).toBe("abc");
    expect(SENTENCES).toContain(instance({ type: "string" }));
    expect(instance({ type: "object", additionalProperties: { type: "number" } }, { x: 1.5, y: "no" })).toEqual({
      x: 1.5,
      y: expect.any(Number),
    });
    expect(instance({ type: "null" }, "x")).toBeNull();
  });

  it("is a pure function of the seed", () => {
    const schema = { type: "object", properties: { n: { type: "number" }, s: { type: "string" } } };
    expect(instance(schema, undefined, 5)).toEqual(instance(schema, undefined, 5));
  });
});
