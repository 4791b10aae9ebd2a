import { describe, expect, it } from "vitest";
import {
  correctAnswerFigures,
  correctRate,
  paretoFront,
  rateEstimate,
} from "../../data-loaders/analysis/correct-answers.ts";
import { wilson, type Proportion } from "../../data-loaders/analysis/proportion.ts";
import { projection } from "../report/fixture.ts";

const p = (value: number, lo: number, hi: number): Proportion => ({ k: 0, n: 1, p: value, lo, hi });

describe("correct answers per second, C = R · p", () => {
  it("without an interval on R, is p's Wilson interval scaled by R", () => {
    const c = correctRate({ value: 10, lo: null, hi: null }, wilson(3, 4));
    expect(c.value).toBe(7.5);
    expect(c.lo).toBeCloseTo(10 * 0.300642, 5);
    expect(c.hi).toBeCloseTo(10 * 0.954413, 5);
  });

  it("combines R's and p's errors on the log scale, lower and upper distances apart", () => {
    // ln(10/8) = ln(0.5/0.4) = ln(1.25): both distances equal d, combined √2·d either way.
    const c = correctRate({ value: 10, lo: 8, hi: 12.5 }, p(0.5, 0.4, 0.625));
    const d = Math.SQRT2 * Math.log(1.25);
    expect(c.value).toBe(5);
    expect(c.lo).toBeCloseTo(5 * Math.exp(-d), 12);
    expect(c.hi).toBeCloseTo(5 * Math.exp(d), 12);
    expect(c.lo).toBeCloseTo(3.64686, 4);
  });

  it("keeps Wilson's asymmetry: all answers right still leaves room below, none above", () => {
    const c = correctRate({ value: 2, lo: null, hi: null }, wilson(20, 20));
    expect(c.value).toBe(2);
    expect(c.hi).toBe(2);
    expect(c.lo).toBeCloseTo(2 * wilson(20, 20).lo!, 12);
  });

  it("with no correct answer is 0, bounded above by R+ · p+", () => {
    const acc = wilson(0, 10);
    expect(correctRate({ value: 4, lo: 3, hi: 5 }, acc)).toEqual({ value: 0, lo: 0, hi: 5 * acc.hi! });
  });

  it("is unbounded above when R is (a projection with an unbounded time)", () => {
    const c = correctRate({ value: 4, lo: 3, hi: null }, wilson(5, 10));
    expect(c.hi).toBeNull();
    expect(c.lo).toBeGreaterThan(0);
  });
});

describe("the rate's interval from the largest projection", () => {
  it("is N / (hi − O) … N / (lo − O)", () => {
    const big = { ...projection("r", 1_000_000, 0), seconds: 5 + 100_000, lo: 5 + 80_000, hi: 5 + 125_000 };
    big.basis = { ...big.basis, overheadS: 5 };
    const r = rateEstimate(10, [projection("r", 1000, 105), big]);
    expect(r).toEqual({ value: 10, lo: 8, hi: 12.5 });
  });

  it("has none without projection intervals", () => {
    expect(rateEstimate(3, [{ ...projection("r", 1000, 10), lo: null, hi: null }])).toEqual({
      value: 3,
      lo: null,
      hi: null,
    });
  });
});

describe("figures per correct answer", () => {
  const big = { ...projection("r", 1_000_000, 0), seconds: 5 + 100_000, lo: 5 + 80_000, hi: 5 + 125_000 };
  big.basis = { ...big.basis, overheadS: 5 };
  const figures = correctAnswerFigures({
    basis: "truth",
    accuracy: p(0.5, 0.4, 0.625),
    requestThroughput: 10,
    projections: [big],
    tokens: { meanPromptTokens: 800, meanCompletionTokens: 300 },
    prices: [{ label: "hosted", inputPerMTok: 0.04, outputPerMTok: 0.08 }],
    gpuDollarsPerHour: 0.36,
  })!;
  const d = Math.SQRT2 * Math.log(1.25);

  it("correct answers per GPU-hour = 3600 · C", () => {
    expect(figures.correctPerGpuHour.value).toBe(18_000);
    expect(figures.correctPerGpuHour.lo).toBeCloseTo(18_000 * Math.exp(-d), 8);
  });

  it("self-hosted $ per 1,000 correct = 1000 · $/h / (3600 · C), bounds swapped", () => {
    const s = figures.selfHostedPer1kCorrect!;
    expect(s.value).toBeCloseTo(0.02, 12);
    expect(s.lo).toBeCloseTo(0.02 * Math.exp(-d), 12);
    expect(s.hi).toBeCloseTo(0.02 * Math.exp(d), 12);
  });

  it("API $ per 1,000 correct = 1000 · cost of a mean request / p, with p's interval", () => {
    const cost = (800 * 0.04 + 300 * 0.08) / 1e6;
    expect(figures.apiPer1kCorrect).toEqual([
      { label: "hosted", value: (1000 * cost) / 0.5, lo: (1000 * cost) / 0.625, hi: (1000 * cost) / 0.4 },
    ]);
  });

  it("time to N correct answers = O + N / C", () => {
    const t = figures.timeToCorrect.find((x) => x.correct === 10_000)!;
    expect(t.value).toBeCloseTo(5 + 10_000 / 5, 9);
    expect(t.hi).toBeCloseTo(5 + 10_000 / (5 * Math.exp(-d)), 6);
  });

  it("is null without an accuracy or a rate", () => {
    const none = { ...wilson(0, 0) };
    expect(
      correctAnswerFigures({
        basis: "judge",
        accuracy: none,
        requestThroughput: 1,
        projections: [],
        tokens: null,
        prices: [],
        gpuDollarsPerHour: null,
      }),
    ).toBeNull();
  });
});

describe("the Pareto front", () => {
  it("keeps the points no other point beats on both axes", () => {
    const points = [
      { x: 0.5, y: 100 }, // fast, inaccurate: on the front
      { x: 0.9, y: 20 }, // accurate, slow: on the front
      { x: 0.8, y: 15 }, // beaten by the second
      { x: 0.9, y: 20 }, // equal to the second: neither beats the other
      { x: 0.7, y: 60 }, // on the front
    ];
    expect(paretoFront(points)).toEqual([true, true, false, true, true]);
  });
});
