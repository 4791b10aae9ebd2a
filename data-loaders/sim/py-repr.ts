// Python's repr() of a JSON value, as vLLM's error messages print request bodies and pydantic
// errors: strings in single quotes (double quotes when the text holds a ' and no "), True/False/
// None, tuples in parentheses. JSON cannot tell 1 from 1.0, so numbers print as JavaScript writes
// them (a float that happens to be whole prints without its ".0").

/** A Python tuple, printed `('a', 'b')` (one element: `('a',)`). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** An object printed as written, e.g. an exception's repr `VLLMValidationError('…')`. */
export class PyRaw {
  constructor(readonly text: string) {}
}

/** Python's repr of a string. */
export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + quote;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}

export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
  if (typeof v === "string") return pyStr(v);
  if (v instanceof PyRaw) return v.text;
  if (v instanceof PyTuple) return `(${v.items.map(pyRepr).join(", ")}${v.items.length === 1 ? "," : ""})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyStr(k)}: ${pyRepr(x)}`);
  return `{${entries.join(", ")}}`;
}

/** Python's str() of a float: whole numbers keep ".0" (`3.0`), others print as JavaScript does. */
export function pyFloat(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}
