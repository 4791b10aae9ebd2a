// The cross-field checks of a recorded experiment (experiment/recorded-checks.ts): each problem is
// [path, message], the path naming the field, and a record without contradictions has none.
import { describe, expect, it } from "vitest";
import { recordProblems, valueAt } from "../../data-loaders/experiment/recorded-checks.ts";
import { recordedObject, recordedSchema } from "../../data-loaders/experiment/recorded-schema.ts";

/** A consistent 100-request run at 4 workers, with changes on top. */
function record(changes: Record<string, unknown> = {}) {
  return recordedObject.parse({
    title: "t",
    model: "m",
    hardware: "h",
    origin: "o",
    figures: { requests: 100, completed: 100, durationS: 100, concurrency: 4, retries: 1 },
    workers: [0, 1, 2, 3].map((worker) => ({
      worker,
      requests: 25,
      completed: 25,
      durationS: 99,
      requestThroughput: 0.25,
      retries: worker === 0 ? 1 : 0,
    })),
    sources: { "figures.durationS": { at: "000:38", written: "Total time: 1.7 minutes" } },
    ...changes,
  });
}

const paths = (r: ReturnType<typeof record>) => recordProblems(r).map(([path]) => path.join("."));

describe("recordProblems", () => {
  it("finds nothing in a consistent record", () => {
    expect(recordProblems(record())).toEqual([]);
  });

  it("what each status needs and allows", () => {
    expect(recordProblems(record({ status: "failed" }))).toEqual([[["reason"], "a failed record needs its `reason`"]]);
    expect(paths(record({ reason: "why" }))).toEqual(["reason"]);
    expect(paths(record({ status: "partial", reason: "still going" }))).toEqual(["progress"]);
    expect(paths(record({ progress: { done: 100 } }))).toEqual(["progress"]);
    expect(paths(record({ estimates: { durationS: 10 } }))).toEqual(["estimates"]);
    expect(paths(record({ causes: [{ text: "OOM", at: "001:10" }] }))).toEqual(["causes"]);
    // A pending record was never run: no measured figure, no workers…; requests and concurrency are the plan.
    const pending = record({ status: "pending", reason: "planned" });
    expect(paths(pending)).toEqual(["figures.completed", "figures.durationS", "figures.retries", "workers"]);
    expect(recordProblems(pending)[0]![1]).toMatch(/never run: give what the report expects in `estimates`/);
    const planned = record({ status: "pending", reason: "planned", figures: { requests: 5000, concurrency: 8 } });
    expect(recordProblems({ ...planned, workers: undefined, sources: undefined })).toEqual([]);
  });

  it("a worker against itself and the run", () => {
    const r = record();
    r.workers![1] = { ...r.workers![1]!, completed: 30, requestThroughput: 30 / 99 };
    r.workers![2] = { ...r.workers![2]!, durationS: 102 }; // 2% longer than the run: more than rounding
    r.workers![3] = { ...r.workers![3]!, requestThroughput: 0.3, progress: [{ at: "12:00", done: 26 }] };
    expect(recordProblems(r)).toEqual([
      [["workers", 1, "completed"], "30 successful requests, more than the worker's 25"],
      [["workers", 2, "durationS"], "102 s, longer than the run (figures.durationS = 100 s)"],
      [["workers", 3, "requestThroughput"], "0.3/s contradicts completed / durationS = 0.253/s"],
      [["workers", 3, "progress", 0, "done"], "26 done of 25"],
      [["workers"], "the workers' 105 successes are more than figures.completed (100)"],
    ]);
  });

  it("the rounding of a worker's time and rate is allowed", () => {
    const r = record();
    r.workers![0] = { ...r.workers![0]!, durationS: 100.9, requestThroughput: 0.23 }; // 25/100.9 = 0.248: 8% off
    expect(recordProblems(r)).toEqual([]);
  });

  it("the workers together against the run", () => {
    const r = record({ figures: { requests: 90, completed: 90, durationS: 100, retries: 2 } });
    r.workers![0] = { ...r.workers![0]!, worker: 1 };
    expect(recordProblems(r)).toEqual([
      [["workers"], "each worker number once"],
      [["workers"], "the workers sent 100 requests, more than the run's 90"],
      [["workers"], "the workers' 100 successes are more than figures.completed (90)"],
      [["figures", "retries"], "2 retries, but the workers' add up to 1"],
    ]);
  });

  it("retries are summed only when every worker gives them", () => {
    const r = record({ figures: { requests: 100, completed: 100, durationS: 100, retries: 7 } });
    r.workers![2] = { ...r.workers![2]!, retries: undefined };
    expect(recordProblems(r)).toEqual([]);
  });

  it("a source names a number of the record, and its text has one", () => {
    const r = record({
      sources: {
        "figures.durationS": { at: "000:38", written: "about two minutes" },
        "figures.meanTtftMs": { at: "000:39", written: "12 ms" },
        "workers.0.requestThroughput": { at: "000:40", written: "0.25 req/s" },
        title: { at: "000:1", written: "1" },
      },
    });
    expect(recordProblems(r)).toEqual([
      [["sources", "figures.durationS", "written"], '"about two minutes" has no number in it'],
      [
        ["sources", "figures.meanTtftMs"],
        '"figures.meanTtftMs" names no figure of this record (e.g. "figures.durationS")',
      ],
      [["sources", "title"], '"title" names no figure of this record (e.g. "figures.durationS")'],
    ]);
  });

  it("a derived price needs a dollar figure and the run's token counts", () => {
    const price = { label: "hosted", from: { at: "001:120", written: "Same cost", requests: 100_000 } };
    expect(recordProblems(record({ prices: [price] }))).toEqual([
      [["prices", 0, "from", "written"], '"Same cost" has no dollar figure in it'],
      [["prices", 0], "a price is derived from this run's tokens: give figures.totalInputTokens and totalOutputTokens"],
    ]);
    const tokens = { requests: 100, completed: 100, durationS: 100, totalInputTokens: 30_000, totalOutputTokens: 9000 };
    const priced = record({ figures: tokens, prices: [{ ...price, from: { ...price.from, written: "$9.31" } }] });
    expect(recordProblems({ ...priced, workers: undefined })).toEqual([]);
  });

  it("progress past the batch, successes past the progress, a sample's prompt twice", () => {
    const sample = { promptId: "0", label: "Response 0", text: "ok", at: "000:57" };
    const partial = record({
      status: "partial",
      reason: "still going",
      progress: { done: 120 },
      samples: [sample, { ...sample, label: "again" }],
    });
    expect(recordProblems({ ...partial, workers: undefined })).toEqual([
      [["progress", "done"], "120 done, more than the 100 requests of the batch"],
      [["samples"], "each promptId once"],
    ]);
    const behind = record({ status: "partial", reason: "still going", progress: { done: 80 } });
    expect(recordProblems({ ...behind, workers: undefined })).toEqual([
      [["figures", "completed"], "100 successful, more than the 80 done"],
    ]);
  });

  it("the schema reports each problem at its field", () => {
    const result = recordedSchema.safeParse({ ...record(), status: "failed" });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path, i.message])).toEqual([
      [["reason"], "a failed record needs its `reason`"],
    ]);
  });
});

describe("valueAt", () => {
  it("reads a dotted path through objects and lists, undefined past a leaf or a missing key", () => {
    const r = record();
    expect(valueAt(r, "figures.durationS")).toBe(100);
    expect(valueAt(r, "workers.2.requestThroughput")).toBe(0.25);
    expect(valueAt(r, "workers.9.durationS")).toBeUndefined();
    expect(valueAt(r, "figures.durationS.value")).toBeUndefined();
    expect(valueAt(r, "launch.loadTimeS")).toBeUndefined();
  });
});
