// Narrowing values parsed from JSON that came from outside (server responses, request bodies,
// JSON Schemas): a record is a JSON object, never null and never an array.

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
