// The precision of a projection while a run goes: its relative half-width, the requests still
// needed, and the window of the latest rows it is computed on (memory fixed, the projection
// formula of extrapolate.ts on exactly those rows).
import { describe, expect, it } from "vitest";
import { extrapolate, type Projection, type ProjectionRow } from "../../data-loaders/analysis/extrapolate.ts";
import {
  checkPrecision,
  MIN_WINDOWS,
  PRECISION_REPLICATES,
  PrecisionWindow,
  projectionPrecision,
  requestsNeeded,
  type PrecisionTarget,
} from "../../data-loaders/analysis/precision.ts";

const projection = (seconds: number, lo: number | null, hi: number | null) =>
  ({ requests: 1, seconds, lo, hi, basis: {} }) as unknown as Projection;

/** `n` requests, 4 at a time, each 1 s ± a little, 100 + 20 tokens. */
function rows(n: number, from = 0): ProjectionRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const sent = Math.floor(i / 4) * 1000;
    return {
      status: "ok",
      sent_ms: sent,
      done_ms: sent + 950 + ((i * 37) % 50),
      prompt_tokens: 100,
      completion_tokens: 20 + (i % 3),
    };
  });
}

describe("precision", () => {
  it("is the interval's larger half relative to the projected time", () => {
    expect(projectionPrecision(projection(100, 90, 120))).toBeCloseTo(0.2, 12);
    expect(projectionPrecision(projection(100, 80, 105))).toBeCloseTo(0.2, 12);
    expect(projectionPrecision(projection(100, null, null))).toBeNull();
  });

  it("needs n·(p/t)² requests in all to reach the target", () => {
    expect(requestsNeeded(0.1, 0.05, 1000)).toBe(3000);
    expect(requestsNeeded(0.04, 0.05, 1000)).toBe(0);
    expect(requestsNeeded(Infinity, 0.05, 1000)).toBeNull();
  });
});

describe("PrecisionWindow and checkPrecision", () => {
  const target = { projection: 200_000, relativeError: 0.05 };
  const run = { runId: "run", concurrency: 4 };
  const check = (w: PrecisionWindow, t: PrecisionTarget = target) => checkPrecision(w.snapshot(), t, run);

  it("projects with extrapolate.ts on the rows it holds", () => {
    const w = new PrecisionWindow(1000);
    for (const r of rows(600)) w.add(r);
    const c = check(w);
    const [p] = extrapolate(
      { runId: "run", rows: rows(600), concurrency: 4 },
      { counts: [200_000], replicates: PRECISION_REPLICATES },
    );
    expect(c.rows).toBe(600);
    expect(c.projection).toEqual(p);
    expect(c.precision).toBeCloseTo(projectionPrecision(p!)!, 12);
    expect(c.precise).toBe(c.precision! <= 0.05);
  });

  it("keeps only the latest rows once full", () => {
    const w = new PrecisionWindow(400);
    for (const r of rows(1000)) w.add(r);
    expect(w.added).toBe(1000);
    const snapshot = w.snapshot();
    expect([snapshot.added, snapshot.sent.length, snapshot.sent[0]]).toEqual([1000, 400, rows(1, 600)[0]!.sent_ms]);
    const c = check(w);
    expect(c.rows).toBe(400);
    const [p] = extrapolate(
      { runId: "run", rows: rows(400, 600), concurrency: 4 },
      { counts: [200_000], replicates: PRECISION_REPLICATES },
    );
    expect(c.projection).toEqual(p);
  });

  it("is never precise before the steady state has enough time windows", () => {
    const w = new PrecisionWindow(1000);
    for (const r of rows(60)) w.add(r);
    const c = check(w, { projection: 200_000, relativeError: 0.5 });
    expect(c.projection!.basis.windows).toBeLessThan(MIN_WINDOWS);
    expect([c.precise, c.needed]).toEqual([false, null]);
    const none = check(new PrecisionWindow(10));
    expect(none).toEqual({ rows: 0, projection: null, precision: null, precise: false, needed: null });
  });
});
