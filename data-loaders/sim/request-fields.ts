// The fields of a request body read the way pydantic reads vLLM's request models in lax mode:
// numbers may come as numeric strings, booleans as "true"/"false" or 0/1, and a field that
// cannot be read is a pydantic error (type, location, message, input) rather than an
// exception, so that every bad field of a body is reported together, as FastAPI does.
import { fieldError, type PydanticError } from "./http-error.ts";

type Body = Record<string, unknown>;

export class FieldReader {
  readonly errors: PydanticError[] = [];

  constructor(private readonly body: Body) {}

  /** The first field in error (vLLM's `param`), or null. */
  get param(): string | null {
    const loc = this.errors[0]?.loc;
    return loc && loc.length > 1 ? String(loc[1]) : null;
  }

  private fail(type: string, key: string, msg: string): undefined {
    this.errors.push(fieldError(type, [key], msg, this.body[key]));
    return undefined;
  }

  /** A float field (`nullable`: `float | None`). */
  float(key: string, nullable = true): number | undefined {
    const v = this.body[key];
    if (v === undefined || (v === null && nullable)) return undefined;
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "string") {
      const t = v.trim().toLowerCase();
      const special: Record<string, number> = { inf: Infinity, "+inf": Infinity, "-inf": -Infinity, nan: NaN };
      if (t in special) return special[t];
      if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return Number(t);
      return this.fail("float_parsing", key, "Input should be a valid number, unable to parse string as a number");
    }
    return this.fail("float_type", key, "Input should be a valid number");
  }

  /** An integer field. */
  int(key: string, nullable = true): number | undefined {
    const v = this.body[key];
    if (v === undefined || (v === null && nullable)) return undefined;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "number") {
      if (Number.isInteger(v)) return v;
      return this.fail("int_from_float", key, "Input should be a valid integer, got a number with a fractional part");
    }
    if (typeof v === "string") {
      if (/^\s*[-+]?\d+\s*$/.test(v)) return Number(v);
      return this.fail("int_parsing", key, "Input should be a valid integer, unable to parse string as an integer");
    }
    return this.fail("int_type", key, "Input should be a valid integer");
  }

  /** A boolean field. */
  bool(key: string, nullable = true): boolean | undefined {
    const v = this.body[key];
    if (v === undefined || (v === null && nullable)) return undefined;
    if (typeof v === "boolean") return v;
    if (v === 0 || v === 1) return v === 1;
    if (typeof v === "string") {
      const t = v.trim().toLowerCase();
      if (["true", "t", "yes", "y", "on", "1"].includes(t)) return true;
      if (["false", "f", "no", "n", "off", "0"].includes(t)) return false;
      return this.fail("bool_parsing", key, "Input should be a valid boolean, unable to interpret input");
    }
    return this.fail("bool_type", key, "Input should be a valid boolean");
  }

  /** `stop`: a string or a list of strings (null: none). */
  stop(key: string): string[] | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return [v];
    if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v as string[];
    return this.fail("string_type", key, "Input should be a valid string");
  }
}
