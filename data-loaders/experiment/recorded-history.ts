// What a recorded experiment holds of a report's history beyond its aggregates (the zod schemas
// `defineRecorded` uses for them, see recorded.ts): where each figure is written, the figures the
// report derived itself ("stated": speedups, extrapolations, costs, ratios, estimates), the
// per-worker rows, the answers it quotes, the vLLM settings, the progress of a run that was still
// going, the stated estimates of a run that was only planned, the causes of a failure, and the
// prices a report's costs imply.
//
// Citations are `"NNN:line"` (or `"NNN:from-to"`): line `line` of report NNN in history/. A
// figure's `written` is its text as the report writes it ("36.8 minutes", "$9.31", "4.07x"); the
// number in it and its last significant digit are read by `writtenNumber`, so the precision of a
// figure is the report's own, never guessed.
import { z } from "zod";

const count = () => z.number().int().min(0);
const positive = () => z.number().positive();

/** A report and line, e.g. "000:226", or a line range, "000:48-52". */
export const citationSchema = z
  .string()
  .regex(/^\d{3}:\d+(-\d+)?$/, { error: 'a report and line such as "000:226" (or a range, "000:48-52")' });

/** Where a recorded figure is written: the report line and the figure as written there. */
export const sourceSchema = z.strictObject({
  at: citationSchema,
  /** The figure as the report writes it, verbatim ("36.8 minutes"): its last digit is its precision. */
  written: z.string().min(1),
  /** Why the tracker's recomputation of this figure from the record's other figures differs from it. */
  why: z.string().min(1).optional(),
});

/** A sentence of a report, verbatim, with its line: a verdict, a cause, an expectation. */
export const quoteSchema = z.strictObject({ text: z.string().min(1), at: citationSchema });

/** Units a rate can be counted in; `requests` is the rate the run is judged at (metrics/rate.ts). */
export const RATE_UNITS = ["requests", "totalTokens", "outputTokens", "answers", "chars", "words"] as const;
export type RateUnit = (typeof RATE_UNITS)[number];
export const TIME_UNITS = ["s", "min", "h", "days"] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

/** Figures of one run that need no parameter (their unit follows from the figure). */
export const RUN_FIGURES = [
  "requestThroughput",
  "totalTokenThroughput",
  "outputThroughput",
  "successRate",
  "meanPromptTokens",
  "meanCompletionTokens",
  "meanTotalTokens",
  "inputShare",
  "outputShare",
  "progress",
  "headroom",
] as const;
/** Times of one run, in the unit the report gives. */
export const RUN_TIMES = ["duration", "timePerRequest", "loadTime", "downloadTime", "loadPlusRun"] as const;
export const RATIO_FIGURES = ["speedup", "slower", "timesSlower"] as const;
export const HYBRID_PARTS = ["escalated", "total", "saving"] as const;

const experimentId = () => z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, { error: "an experiment id (its file name)" });
const requests = () => z.number().int().positive();
const base = {
  at: citationSchema,
  /** The figure as the report writes it, verbatim; the number in it is the value. */
  written: z.string().min(1),
  /** The value, when the text has no number in it ("Same Parasail cost" is 0% cheaper). */
  value: z.number().optional(),
  /** Why the tracker's recomputation differs from the report's figure (needed when it does). */
  why: z.string().min(1).optional(),
};

/**
 * A figure a report derived and wrote down: the tracker recomputes it with its own formulas
 * (analysis/stated.ts) and shows both. `baseline` and `escalateTo` name other experiments.
 */
export const statedSchema = z
  .discriminatedUnion("figure", [
    z.strictObject({ figure: z.enum(RUN_FIGURES), ...base }),
    z.strictObject({ figure: z.enum(RUN_TIMES), unit: z.enum(TIME_UNITS), ...base }),
    z.strictObject({ figure: z.literal("none"), ...base, why: z.string().min(1) }),
    z.strictObject({ figure: z.literal("time"), requests: requests(), unit: z.enum(TIME_UNITS), ...base }),
    z.strictObject({ figure: z.literal("tokens"), requests: requests(), ...base }),
    z.strictObject({ figure: z.literal("cost"), requests: requests(), price: z.string().min(1), ...base }),
    z.strictObject({
      figure: z.enum(RATIO_FIGURES),
      baseline: experimentId(),
      by: z.enum(RATE_UNITS).default("requests"),
      ...base,
    }),
    z.strictObject({
      figure: z.literal("timeSaved"),
      baseline: experimentId(),
      requests: requests(),
      unit: z.enum(TIME_UNITS),
      ...base,
    }),
    z.strictObject({
      figure: z.literal("cheaper"),
      baseline: experimentId(),
      requests: requests(),
      price: z.string().min(1),
      ...base,
    }),
    z.strictObject({ figure: z.literal("shorterOutputs"), baseline: experimentId(), ...base }),
    z.strictObject({
      figure: z.literal("hybrid"),
      /** The stronger model the top `share` of the screened requests go to; this run screens all. */
      escalateTo: experimentId(),
      share: z.number().gt(0).lt(1),
      requests: requests(),
      price: z.string().min(1),
      part: z.enum(HYBRID_PARTS),
      ...base,
    }),
  ])
  .superRefine((s, ctx) => {
    if (s.value === undefined && writtenNumber(s.written) === null)
      ctx.addIssue({ code: "custom", path: ["written"], message: `"${s.written}" has no number: give \`value\`` });
  });
export type Stated = z.output<typeof statedSchema>;
export type StatedFigure = Stated["figure"];

/** One worker (concurrency slot) of a run, as its log reports it. */
export const recordedWorkerSchema = z.strictObject({
  worker: count(),
  requests: count(),
  completed: count(),
  durationS: positive(),
  /** The worker's rate as the log prints it (successful requests per second). */
  requestThroughput: z.number().min(0).optional(),
  retries: count().optional(),
  /** Progress lines: requests done by `at` (the log's time stamp), with the rate and success it printed. */
  progress: z
    .array(
      z.strictObject({
        at: z.string().min(1),
        done: count(),
        requestThroughput: z.number().min(0).optional(),
        successPct: z.number().min(0).max(100).optional(),
      }),
    )
    .optional(),
});

/** An answer the report quotes, verbatim (cut where the report cut it, encoding damage included). */
export const recordedSampleSchema = z.strictObject({
  /** The prompt it answers, as far as the report says ("0" for "Response 0"). */
  promptId: z.string().min(1),
  /** How the report labels it ("Response 0", "Sample Response"). */
  label: z.string().min(1),
  text: z.string().min(1),
  at: citationSchema,
  /** The report shows only part of the answer. */
  truncated: z.boolean().default(false),
  /** The report's verdict on the answer, verbatim. */
  verdict: quoteSchema.optional(),
});

/** vLLM engine settings the run used (or, for a planned run, meant to use), by vLLM's own meaning. */
export const recordedSettingsSchema = z.strictObject({
  gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
  enforceEager: z.boolean().optional(),
  maxModelLen: z.number().int().positive().optional(),
  maxNumSeqs: z.number().int().positive().optional(),
});

/** How far a run had got when the report was written (status "partial"). */
export const recordedProgressSchema = z.strictObject({
  /** Requests done by then. */
  done: count(),
  /** When that was, as the report says ("2025-10-28 11:15 AM"). */
  at: z.string().min(1).optional(),
});

/**
 * What a report expected of a run it planned or that failed: stated estimates, never
 * measurements (the site labels them so).
 */
export const recordedEstimatesSchema = z.strictObject({
  /** The report's verdict on the GPU ("Should Work", "OOM Expected", "INCOMPATIBLE"), verbatim. */
  verdict: quoteSchema.optional(),
  /** Checkpoint size on disk, GB. */
  modelSizeGb: positive().optional(),
  /** GPU memory it would use in total, GB. */
  memoryGb: positive().optional(),
  /** Total tokens per second it would reach. */
  totalTokenThroughput: positive().optional(),
  /** Time for the planned requests, seconds. */
  durationS: positive().optional(),
  /** What else the report expects, verbatim. */
  expectations: z.array(quoteSchema).optional(),
});

/**
 * A price derived from a cost the report states for this run (the reports give costs, not
 * prices): a blended $ per 1M tokens = dollars / (requests × this run's tokens per request).
 */
export const derivedPriceSchema = z.strictObject({
  label: z.string().min(1),
  from: z.strictObject({ at: citationSchema, written: z.string().min(1), requests: requests() }),
});

export interface WrittenNumber {
  value: number;
  /** The unit of its last significant digit: 0.01 for "9.31", 10 for "740", 1e6 for "43M". */
  step: number;
  /** Written as an estimate ("~60 minutes", "Est: 6.1 hrs"). */
  approximate: boolean;
}

const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9 };

/**
 * The first number in a figure as written, and the unit of its last significant digit: its last
 * decimal; for a whole number its units, except that from 1,000 up trailing zeros are not
 * significant ("60%" is ±0.5, "1,540,000" is ±5,000; counts are exact wherever they are written).
 * K, M and B right after the number multiply it ("430M" is ±0.5M). Null when the text has none.
 */
export function writtenNumber(written: string): WrittenNumber | null {
  const m = /(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?([KMB](?![A-Za-z]))?/.exec(written);
  if (!m) return null;
  const digits = m[1]!.replaceAll(",", "");
  const decimals = m[2] ?? "";
  const scale = m[3] ? SUFFIX[m[3]]! : 1;
  const significant = digits.replace(/0+$/, "");
  const trailingZeros = decimals || significant === "" || digits.length < 4 ? 0 : digits.length - significant.length;
  const step = (decimals ? 10 ** -decimals.length : 10 ** trailingZeros) * scale;
  const value = Number(`${digits}${decimals ? `.${decimals}` : ""}`) * scale;
  return { value, step, approximate: /~|≈|\best\b|\(est\)|estimate/i.test(written) };
}
