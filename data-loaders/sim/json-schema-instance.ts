// A value that is valid for a JSON Schema, for the simulator's structured output
// (response_format json_schema). It covers the keywords that zod's JSON Schemas of answer shapes
// use: const, enum, anyOf/oneOf (the first alternative), object properties and
// additionalProperties, arrays with min/maxItems, numbers and integers with (exclusive) bounds,
// booleans, null and strings with maxLength. A hint (the answer the model would have written)
// is kept wherever it fits, so structured output changes only what the schema forbids.
import { isRecord } from "../json.ts";
import type { Rng } from "../random.ts";

type JsonSchema = Record<string, unknown>;

/**
 * A value valid for the (JSON) schema, reusing the hint's values where they fit; strings
 * without a hint are picked from `sentences`.
 */
export function schemaInstance(schemaIn: unknown, hint: unknown, rng: Rng, sentences: readonly string[]): unknown {
  const schema: JsonSchema = isRecord(schemaIn) ? schemaIn : {};
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.includes(hint) ? hint : schema.enum[0];
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return schemaInstance(alternatives[0], hint, rng, sentences);
  const type = Array.isArray(schema.type)
    ? schema.type[0]
    : (schema.type ?? (schema.properties ? "object" : undefined));
  const num = (key: string): number | undefined =>
    typeof schema[key] === "number" ? (schema[key] as number) : undefined;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const props = isRecord(schema.properties) ? schema.properties : {};
      const h = isRecord(hint) ? hint : {};
      for (const [key, sub] of Object.entries(props)) out[key] = schemaInstance(sub, h[key], rng, sentences);
      if (isRecord(schema.additionalProperties)) {
        for (const [key, value] of Object.entries(h))
          if (!(key in props)) out[key] = schemaInstance(schema.additionalProperties, value, rng, sentences);
      }
      return out;
    }
    case "array": {
      const items = Array.isArray(hint) ? hint : [undefined];
      const min = num("minItems") ?? 0;
      const max = num("maxItems") ?? Infinity;
      const list = items.slice(0, max).map((v) => schemaInstance(schema.items, v, rng, sentences));
      while (list.length < min) list.push(schemaInstance(schema.items, undefined, rng, sentences));
      return list;
    }
    case "integer":
    case "number": {
      const lo = num("minimum") ?? (num("exclusiveMinimum") !== undefined ? num("exclusiveMinimum")! + 1 : 1);
      const hi =
        num("maximum") ?? (num("exclusiveMaximum") !== undefined ? num("exclusiveMaximum")! - 1 : Math.max(lo, 5));
      const v = typeof hint === "number" ? hint : rng.int(Math.ceil(lo), Math.floor(hi));
      const clamped = Math.max(lo, Math.min(hi, v));
      return type === "integer" ? Math.round(clamped) : clamped;
    }
    case "boolean":
      return typeof hint === "boolean" ? hint : rng.chance(0.5);
    case "null":
      return null;
    case "string": {
      const text = typeof hint === "string" ? hint : rng.pick(sentences);
      const max = num("maxLength");
      return max !== undefined ? text.slice(0, max) : text;
    }
    default:
      return hint ?? null;
  }
}
