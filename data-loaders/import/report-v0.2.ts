// llm-d's Benchmark Report v0.2 (llm-d-benchmark's schema, test/fixtures/report-v0.2/README.md;
// v0.2.1 only adds optional fields), in YAML or JSON. A report holds aggregate
// statistics only ("individual traces … are not captured"): the import records them, no rows.
//
// Read: `results.request_performance.aggregate` — requests total / failures / incomplete, the
// mean input and output lengths, TTFT, TPOT and E2E latency (units `ms` or `s`; TPOT and ITL in
// `ms/token` or `s/token`, as the schema requires), the token and request rates; the model from
// `scenario.stack[].standardized.model.name`; the load generator (`scenario.load.standardized`:
// tool, version, concurrency, rate_qps) is the tool named; `run.time` gives the day and the
// duration (ISO-8601, e.g. PT49.97S). Token totals are mean length × successful requests.
import { z } from "zod";
import {
  ImportError,
  parseDocument,
  parseWith,
  shownPath,
  stampOf,
  toMs,
  type ImportedAggregates,
  type ImportedRun,
} from "./normalised.ts";

const n = () => z.number({ error: "a number" });
const units = (allowed: readonly string[]) =>
  z.looseObject({
    units: z.enum(allowed as [string, ...string[]], { error: `one of ${allowed.join(", ")}` }),
    mean: n(),
  });
const TIME = ["ms", "s"] as const;
const PER_TOKEN = ["ms/token", "s/token"] as const;
const optional = <T extends z.ZodType>(t: T) => t.nullable().optional();

const aggregateSchema = z.looseObject({
  requests: z.looseObject({
    total: z.number().int().min(0),
    failures: optional(z.number().int().min(0)),
    incomplete: optional(z.number().int().min(0)),
    input_length: optional(units(["count"])),
    output_length: optional(units(["count"])),
  }),
  latency: optional(
    z.looseObject({
      time_to_first_token: optional(units(TIME)),
      time_per_output_token: optional(units(PER_TOKEN)),
      inter_token_latency: optional(units(PER_TOKEN)),
      request_latency: optional(units(TIME)),
    }),
  ),
  throughput: optional(
    z.looseObject({
      input_token_rate: optional(units(["tokens/s"])),
      output_token_rate: optional(units(["tokens/s"])),
      total_token_rate: optional(units(["tokens/s"])),
      request_rate: optional(units(["queries/s"])),
    }),
  ),
});

const componentSchema = z.looseObject({
  standardized: z.looseObject({
    kind: z.string(),
    tool: z.string(),
    tool_version: z.string(),
    model: z.looseObject({ name: z.string().min(1) }).optional(),
    accelerator: z.looseObject({ model: z.string(), count: z.number().int().min(0) }).optional(),
  }),
});

export const reportV02Schema = z.looseObject({
  version: z.enum(["0.2", "0.2.1"], { error: 'the string "0.2" (a Benchmark Report v0.2)' }),
  run: z.looseObject({
    uid: z.string(),
    time: optional(
      z.looseObject({ start: optional(z.string()), end: optional(z.string()), duration: optional(z.string()) }),
    ),
    description: optional(z.string()),
  }),
  scenario: optional(
    z.looseObject({
      stack: optional(z.array(componentSchema)),
      load: optional(
        z.looseObject({
          standardized: z.looseObject({
            tool: z.string(),
            tool_version: z.string(),
            rate_qps: optional(n()),
            // `.inf` in YAML: an unbounded closed loop.
            concurrency: optional(z.union([n(), z.custom<number>((v) => v === Infinity, "a number or .inf")])),
          }),
        }),
      ),
    }),
  ),
  results: z.looseObject(
    { request_performance: z.looseObject({ aggregate: aggregateSchema }, { error: "the aggregate request figures" }) },
    { error: "the report's results (is this a Benchmark Report v0.2?)" },
  ),
});
type Report = z.infer<typeof reportV02Schema>;

/** A Benchmark Report v0.2 as a run (aggregates only). */
export function parseReportV02(text: string, file: string): ImportedRun {
  const r = parseWith(reportV02Schema, parseDocument(text, file), file);
  const engine = r.scenario?.stack?.find((c) => c.standardized.model);
  if (!engine) throw new ImportError(`${shownPath(file)}: scenario.stack: no component names a model`);
  const load = r.scenario?.load?.standardized;
  const start = r.run.time?.start ? new Date(r.run.time.start) : null;
  const at = start && !Number.isNaN(start.getTime()) ? stampOf(start) : null;
  const accelerator = engine.standardized.accelerator;
  const concurrency = load?.concurrency != null && Number.isFinite(load.concurrency) ? load.concurrency : null;
  return {
    tool: load ? { name: load.tool, version: load.tool_version } : { name: "llm-d benchmark report", version: null },
    model: engine.standardized.model!.name,
    hardware: accelerator ? `${accelerator.count} × ${accelerator.model}` : null,
    measuredOn: at?.day ?? null,
    stamp: at?.stamp ?? null,
    label: r.run.description ?? `report ${r.run.uid}`,
    concurrency,
    requestRate: load?.rate_qps ?? (load?.concurrency === Infinity ? "inf" : null),
    details: [
      `Benchmark Report ${r.version}`,
      `engine ${engine.standardized.tool} ${engine.standardized.tool_version}`,
    ],
    aggregates: aggregatesOf(r, file),
    rows: null,
    rowsNote: "a Benchmark Report holds aggregate statistics only",
  };
}

function aggregatesOf(r: Report, file: string): ImportedAggregates {
  const a = r.results.request_performance.aggregate;
  const q = a.requests;
  const completed = q.total - (q.failures ?? 0) - (q.incomplete ?? 0);
  if (completed < 0)
    throw new ImportError(
      `${shownPath(file)}: results.request_performance.aggregate.requests: more failures than requests`,
    );
  const ms = (name: "time_to_first_token" | "time_per_output_token" | "request_latency") => {
    const s = a.latency?.[name];
    return s ? toMs(s.mean, s.units, file, `results.request_performance.aggregate.latency.${name}`) : null;
  };
  const total = (s: { mean: number } | null | undefined) => (s ? Math.round(s.mean * completed) : null);
  return {
    num_prompts: q.total,
    completed,
    duration: durationOf(r, file),
    total_input_tokens: total(q.input_length),
    total_output_tokens: total(q.output_length),
    request_throughput: a.throughput?.request_rate?.mean ?? null,
    output_throughput: a.throughput?.output_token_rate?.mean ?? null,
    total_token_throughput: a.throughput?.total_token_rate?.mean ?? null,
    mean_ttft_ms: ms("time_to_first_token"),
    mean_tpot_ms: ms("time_per_output_token"),
    mean_e2el_ms: ms("request_latency"),
  };
}

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** run.time.duration (ISO-8601) in seconds, else end − start; null when neither is given. */
function durationOf(r: Report, file: string): number | null {
  const t = r.run.time;
  if (t?.duration) {
    const m = ISO_DURATION.exec(t.duration);
    if (!m || t.duration === "P" || t.duration.endsWith("T"))
      throw new ImportError(
        `${shownPath(file)}: run.time.duration: "${t.duration}" is not an ISO-8601 duration such as PT49.97S`,
      );
    const [days, hours, minutes, seconds] = m.slice(1).map((v) => Number(v ?? 0));
    return days! * 86400 + hours! * 3600 + minutes! * 60 + seconds!;
  }
  if (t?.start && t.end) {
    const s = (Date.parse(t.end) - Date.parse(t.start)) / 1000;
    return Number.isFinite(s) && s > 0 ? s : null;
  }
  return null;
}
