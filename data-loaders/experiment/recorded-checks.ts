// Checks across the fields of a recorded experiment (recorded.ts): what each status allows, and
// figures that contradict one another — a worker with more successes than requests, workers that
// sent more than the run, a worker busy for longer than the run took, a worker rate more than 10%
// from its successes over its time, progress past the batch, a source that names no figure of the
// record. Each problem is [path, message], the path naming the field.
import type { z } from "zod";
import { writtenNumber } from "./recorded-history.ts";
import type { recordedObject } from "./recorded-schema.ts";

type Record_ = z.output<typeof recordedObject>;
export type Problem = [(string | number)[], string];

/** How far a rate may be from the one its counts and duration give (reports round their figures). */
export const RATE_TOLERANCE = 0.1;
/** How much longer than the run a worker may appear to take: the rounding of the two times. */
const TIME_SLACK = 0.01;

/** Every cross-field problem of a record (see the header). */
export function recordProblems(r: Record_): Problem[] {
  return [...statusProblems(r), ...workerProblems(r), ...sourceProblems(r), ...priceProblems(r), ...otherProblems(r)];
}

/** What each status needs and allows. */
function statusProblems(r: Record_): Problem[] {
  const out: Problem[] = [];
  if (r.status === "failed" && r.reason === undefined) out.push([["reason"], "a failed record needs its `reason`"]);
  if (r.status === "complete" && r.reason !== undefined)
    out.push([["reason"], 'give `reason` only when status is "failed", "partial" or "pending"']);
  if ((r.status === "partial") !== (r.progress !== undefined))
    out.push([["progress"], 'give `progress` exactly when status is "partial" (a run still going when reported)']);
  if (r.estimates !== undefined && r.status !== "pending" && r.status !== "failed")
    out.push([["estimates"], 'stated estimates belong to a "pending" or "failed" record; a run that ran has figures']);
  if (r.causes !== undefined && r.status !== "failed") out.push([["causes"], 'causes belong to a "failed" record']);
  if (r.status !== "pending") return out;
  const measured = Object.keys(r.figures).filter((k) => k !== "requests" && k !== "concurrency");
  for (const k of measured)
    out.push([["figures", k], "a pending record was never run: give what the report expects in `estimates`"]);
  for (const k of ["workers", "samples", "progress", "launch", "prices", "stated"] as const)
    if (r[k] !== undefined) out.push([[k], "a pending record was never run, so it has none"]);
  return out;
}

/** Workers against themselves and the run. */
function workerProblems(r: Record_): Problem[] {
  const workers = r.workers ?? [];
  const out: Problem[] = [];
  const f = r.figures;
  workers.forEach((w, i) => {
    const at = (field: string) => ["workers", i, field];
    if (w.completed > w.requests)
      out.push([at("completed"), `${w.completed} successful requests, more than the worker's ${w.requests}`]);
    if (f.durationS !== undefined && w.durationS > f.durationS * (1 + TIME_SLACK))
      out.push([at("durationS"), `${w.durationS} s, longer than the run (figures.durationS = ${f.durationS} s)`]);
    const implied = w.completed / w.durationS;
    const given = w.requestThroughput;
    if (given !== undefined && Math.abs(given - implied) > RATE_TOLERANCE * Math.max(given, implied))
      out.push([at("requestThroughput"), `${given}/s contradicts completed / durationS = ${implied.toPrecision(3)}/s`]);
    for (const [j, p] of (w.progress ?? []).entries())
      if (p.done > w.requests) out.push([["workers", i, "progress", j, "done"], `${p.done} done of ${w.requests}`]);
  });
  const numbers = workers.map((w) => w.worker);
  if (new Set(numbers).size !== numbers.length) out.push([["workers"], "each worker number once"]);
  const sum = (k: "requests" | "completed" | "retries") => workers.reduce((s, w) => s + (w[k] ?? 0), 0);
  if (workers.length && sum("requests") > f.requests)
    out.push([["workers"], `the workers sent ${sum("requests")} requests, more than the run's ${f.requests}`]);
  if (workers.length && f.completed !== undefined && sum("completed") > f.completed)
    out.push([
      ["workers"],
      `the workers' ${sum("completed")} successes are more than figures.completed (${f.completed})`,
    ]);
  if (workers.length && f.retries !== undefined && workers.every((w) => w.retries !== undefined))
    if (sum("retries") !== f.retries)
      out.push([["figures", "retries"], `${f.retries} retries, but the workers' add up to ${sum("retries")}`]);
  return out;
}

/** Every source names a number of this record, and its text has one. */
function sourceProblems(r: Record_): Problem[] {
  const out: Problem[] = [];
  for (const [path, source] of Object.entries(r.sources ?? {})) {
    if (typeof valueAt(r, path) !== "number")
      out.push([["sources", path], `"${path}" names no figure of this record (e.g. "figures.durationS")`]);
    else if (writtenNumber(source.written) === null)
      out.push([["sources", path, "written"], `"${source.written}" has no number in it`]);
  }
  return out;
}

/** A derived price needs a stated cost and this run's token counts. */
function priceProblems(r: Record_): Problem[] {
  const out: Problem[] = [];
  for (const [i, p] of (r.prices ?? []).entries()) {
    if (writtenNumber(p.from.written) === null)
      out.push([["prices", i, "from", "written"], `"${p.from.written}" has no dollar figure in it`]);
    if (r.figures.totalInputTokens === undefined || r.figures.totalOutputTokens === undefined)
      out.push([
        ["prices", i],
        "a price is derived from this run's tokens: give figures.totalInputTokens and totalOutputTokens",
      ]);
  }
  return out;
}

function otherProblems(r: Record_): Problem[] {
  const out: Problem[] = [];
  if (r.progress && r.progress.done > r.figures.requests)
    out.push([
      ["progress", "done"],
      `${r.progress.done} done, more than the ${r.figures.requests} requests of the batch`,
    ]);
  if (r.progress && r.figures.completed !== undefined && r.figures.completed > r.progress.done)
    out.push([["figures", "completed"], `${r.figures.completed} successful, more than the ${r.progress.done} done`]);
  const ids = (r.samples ?? []).map((s) => s.promptId);
  if (new Set(ids).size !== ids.length) out.push([["samples"], "each promptId once"]);
  return out;
}

/** The value at a dotted path ("workers.0.durationS") of a record, or undefined. */
export function valueAt(r: object, path: string): unknown {
  let value: unknown = r;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
