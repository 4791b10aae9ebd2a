// A continuous-batching engine in the style of vLLM's V1 scheduler, in discrete steps.
//
// Each step runs every running sequence once: sequences admitted in this step are prefilled
// (their prompt, plus the tokens generated before a preemption) and produce their first token;
// the others decode one token. The step costs (real time, divided by the speedup)
//
//     stepMs = fixedMs + prefillTokens · prefillMsPerToken + decodeSeqs · decodeMsPerSeq
//
// so throughput rises with the batch size and saturates, and time-to-first-token grows with
// queueing. Admission (FCFS) stops at max_num_seqs, at the prefill token budget
// (max_num_batched_tokens; one long prompt is always admitted alone) and when the KV cache
// (block-granular, `kvCacheTokens`) cannot hold the new prompt. When a growing sequence no
// longer fits, the newest running sequence is preempted: it frees its blocks, returns to the
// front of the queue and is recomputed (prompt + generated tokens) when it is readmitted.
//
// One timer per engine drives the steps. A tick runs every step whose end time has passed, so
// at high speedups (steps shorter than a timer tick) several steps run per tick; token times
// are the exact step end times on the performance.now() clock, whatever the tick granularity.
// A tick stops after TICK_BUDGET_MS of work and continues in setImmediate, so that when the
// simulator runs behind (very high speedups: it then runs as fast as its CPU allows) the
// sockets still flush and requests are still read between steps.
import { performance } from "node:perf_hooks";
import type { SimProfile } from "./profiles.ts";

/** Longest stretch of steps one tick runs before it yields to I/O (ms of real time). */
const TICK_BUDGET_MS = 2;

export type FinishReason = "stop" | "length" | "abort" | "error";

export interface SequenceSpec {
  promptTokens: number;
  /** Tokens to generate (the EOS token included when the answer ends with "stop"). */
  outputTokens: number;
  /** Finish reason once all output tokens are generated. */
  finishReason: "stop" | "length";
  /** Called for each generated token (0-based index) at its exact time (ms, performance.now()). */
  onToken(index: number, atMs: number): void;
  /** Called once when the sequence leaves the engine for any reason. */
  onFinish(reason: FinishReason, atMs: number): void;
}

/** What a caller of `submit` is told about its sequence. */
export type SequenceCallbacks = Pick<SequenceSpec, "onToken" | "onFinish">;

/** What the engine tells the metrics about. Times in ms on the performance.now() clock. */
export interface EngineObserver {
  scheduledFirstTime(promptTokens: number): void;
  token(ttftMs: number | null, itlMs: number | null): void;
  finished(reason: FinishReason, promptTokens: number, generated: number, e2eMs: number): void;
  preempted(): void;
  step(tokens: number): void;
}

interface Sequence {
  spec: SequenceSpec;
  arrivalMs: number;
  generated: number;
  scheduledBefore: boolean;
  prefilling: boolean;
  lastTokenMs: number | null;
  done: boolean;
}

interface Step {
  endMs: number;
  seqs: Sequence[];
}

export interface SequenceHandle {
  /** Removes the sequence from the engine (client gone: "abort"; failed stream: "error"). */
  abort(reason?: FinishReason): void;
}

export class Engine {
  private readonly waiting: Sequence[] = [];
  private readonly running: Sequence[] = [];
  private step: Step | null = null;
  private lastEndMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(
    private readonly profile: SimProfile,
    private readonly speedup: number,
    private readonly observer: EngineObserver,
  ) {}

  get numRunning(): number {
    return this.running.length;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  /** Fraction (0–1) of KV-cache blocks held by running sequences. */
  get kvUsage(): number {
    return this.kvBlocksUsed(0) / this.totalBlocks();
  }

  submit(spec: SequenceSpec): SequenceHandle {
    const seq: Sequence = {
      spec,
      arrivalMs: performance.now(),
      generated: 0,
      scheduledBefore: false,
      prefilling: false,
      lastTokenMs: null,
      done: false,
    };
    this.waiting.push(seq);
    if (!this.step) {
      this.plan(Math.max(seq.arrivalMs, this.lastEndMs));
      this.arm();
    }
    return { abort: (reason = "abort") => this.finish(seq, reason, performance.now()) };
  }

  /** Fails every sequence (the engine died). */
  failAll(): void {
    const now = performance.now();
    for (const seq of [...this.running, ...this.waiting]) this.finish(seq, "error", now);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.step = null;
    for (const seq of [...this.running, ...this.waiting]) this.finish(seq, "abort", performance.now());
  }

  private totalBlocks(): number {
    return Math.floor(this.profile.kvCacheTokens / this.profile.blockSize);
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.profile.blockSize);
  }

  /** Blocks the running sequences need once each holds `extra` more tokens. */
  private kvBlocksUsed(extra: number): number {
    let blocks = 0;
    for (const s of this.running) blocks += this.blocksFor(s.spec.promptTokens + s.generated + extra);
    return blocks;
  }

  private plan(startMs: number): void {
    this.step = null;
    // Room for one more token per running sequence; otherwise preempt the newest.
    while (this.running.length > 1 && this.kvBlocksUsed(1) > this.totalBlocks()) {
      const victim = this.running.pop()!;
      this.waiting.unshift(victim);
      this.observer.preempted();
    }
    const budget = this.profile.maxNumBatchedTokens;
    let prefillTokens = 0;
    while (this.waiting.length > 0 && this.running.length < this.profile.maxNumSeqs) {
      const next = this.waiting[0]!;
      if (next.arrivalMs > startMs) break;
      const tokens = next.spec.promptTokens + next.generated;
      if (prefillTokens > 0 && prefillTokens + tokens > budget) break;
      if (this.running.length > 0 && this.kvBlocksUsed(1) + this.blocksFor(tokens + 1) > this.totalBlocks()) break;
      this.waiting.shift();
      next.prefilling = true;
      if (!next.scheduledBefore) this.observer.scheduledFirstTime(next.spec.promptTokens);
      next.scheduledBefore = true;
      this.running.push(next);
      prefillTokens += tokens;
    }
    if (this.running.length === 0) {
      if (this.waiting.length > 0) this.plan(this.waiting[0]!.arrivalMs);
      return;
    }
    const decodeSeqs = this.running.filter((s) => !s.prefilling).length;
    const { fixedMs, prefillMsPerToken, decodeMsPerSeq } = this.profile.speed;
    const costMs = fixedMs + prefillTokens * prefillMsPerToken + decodeSeqs * decodeMsPerSeq;
    this.observer.step(prefillTokens + decodeSeqs);
    this.step = { endMs: startMs + costMs / this.speedup, seqs: [...this.running] };
  }

  private arm(): void {
    if (!this.step || this.timer || this.immediate) return;
    const wait = this.step.endMs - performance.now();
    if (wait <= 0) this.immediate = setImmediate(this.tick);
    else this.timer = setTimeout(this.tick, wait);
  }

  private readonly tick = (): void => {
    this.timer = null;
    this.immediate = null;
    const now = performance.now();
    const yieldAt = now + TICK_BUDGET_MS;
    while (this.step && this.step.endMs <= now) {
      const { endMs, seqs } = this.step;
      this.lastEndMs = endMs;
      for (const seq of seqs) this.advance(seq, endMs);
      this.plan(endMs);
      if (performance.now() >= yieldAt) break;
    }
    this.arm();
  };

  private advance(seq: Sequence, atMs: number): void {
    if (seq.done || !this.running.includes(seq)) return;
    seq.prefilling = false;
    const ttft = seq.generated === 0 ? atMs - seq.arrivalMs : null;
    const itl = seq.lastTokenMs !== null ? atMs - seq.lastTokenMs : null;
    seq.lastTokenMs = atMs;
    this.observer.token(ttft, itl);
    seq.spec.onToken(seq.generated, atMs);
    seq.generated++;
    if (seq.generated >= seq.spec.outputTokens && !seq.done) this.finish(seq, seq.spec.finishReason, atMs);
  }

  private finish(seq: Sequence, reason: FinishReason, atMs: number): void {
    if (seq.done) return;
    seq.done = true;
    const r = this.running.indexOf(seq);
    if (r >= 0) this.running.splice(r, 1);
    const w = this.waiting.indexOf(seq);
    if (w >= 0) this.waiting.splice(w, 1);
    this.observer.finished(reason, seq.spec.promptTokens, seq.generated, atMs - seq.arrivalMs);
    seq.spec.onFinish(reason, atMs);
  }
}
