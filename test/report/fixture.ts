// Hand-made run digests for the report tests: a complete simulated run of 100 requests unless the
// test says otherwise.
import type { Projection } from "../../data-loaders/analysis/extrapolate.ts";
import type { RunDigest } from "../../data-loaders/report/digest.ts";

export function projection(runId: string, requests: number, seconds: number): Projection {
  return {
    requests,
    seconds,
    lo: seconds * 0.9,
    hi: seconds * 1.1,
    basis: {
      runId,
      window: null,
      method: "steady-state",
      requestThroughput: 10,
      overheadS: 0,
      windows: 5,
      replicates: 200,
      level: 0.95,
    },
  };
}

export function digest(fields: Partial<RunDigest> & Pick<RunDigest, "experimentId" | "runId" | "model">): RunDigest {
  return {
    source: "simulated",
    tool: null,
    status: "complete",
    reason: null,
    startedAt: "2026-01-01T00:00:00Z",
    finishedAt: null,
    concurrency: 4,
    level: null,
    cell: null,
    repeat: 0,
    counts: { requests: 100, done: 100, ok: 100, error: 0 },
    hasRows: true,
    summary: {
      requests: 100,
      completed: 100,
      failed: 0,
      successRate: 1,
      durationS: 12,
      requestThroughput: 8,
      outputThroughput: 800,
      totalTokenThroughput: 1800,
      totalInputTokens: 10_000,
      totalOutputTokens: 10_000,
      missingUsage: 0,
      meanPromptTokens: 100,
      meanCompletionTokens: 100,
      outputInputRatio: 1,
    } as RunDigest["summary"],
    rate: { requestThroughput: 8, method: "whole-run" },
    steady: null,
    series: [],
    serverSeries: [],
    serverLatency: null,
    histograms: null,
    cdf: null,
    outcomes: [],
    peaks: null,
    success: null,
    usage: null,
    workers: [],
    endpoints: [],
    quality: null,
    scores: null,
    promptHash: "p",
    projections: [],
    projectionSample: null,
    text: { answersPerS: 8, charsPerS: 4000, wordsPerS: 700 },
    record: null,
    ...fields,
  };
}
