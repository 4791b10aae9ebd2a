// After the runs: every stored answer scored against its prompt's truth and the checks, and
// judged, into the run's quality files (store/quality.ts: quality.parquet, pairwise.parquet,
// quality.json). Nothing here sends an experiment's requests again: a changed check, tolerance or
// truth (the scoring hash) or a changed judge re-scores or re-judges the stored answers.
//
// For each run of an experiment's current spec with rows, one step at a time:
//   1. fresh?   quality.json names the same scoring hash and judge, and left no answer without a
//               verdict: nothing to do (a second build reads no answer and sends no judge request);
//   2. score    the answers, a batch at a time (store/columns.ts readRowBatches), with
//               analysis/scoring.ts and analysis/checks.ts, into a JSON-lines file; each answer to
//               judge gets its judge prompt and verdict key (judge/run.ts);
//   3. judge    the answers whose key has no verdict in the experiment's judge runs, as a judge
//               run of their own; a judge that cannot be reached fails only that judge run;
//   4. write    quality.parquet (each row with the best verdict of its key, or "not judged" and
//               why), then quality.json.
// Pairwise judging (quality.judge.pairwise) compares the run each of two experiments shows, one
// answer per prompt, asked in both orders, into pairwise.parquet the same way.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { evaluateChecks } from "../analysis/checks.ts";
import { fieldSpecs, scoreAnswer, type AnswerScore } from "../analysis/scoring.ts";
import { hashJson } from "../experiment/hash.ts";
import type { LoadedExperiment } from "../experiment/load.ts";
import type { ResolvedPrompt } from "../experiment/prompts.ts";
import { judgePrompt, pairwiseJudgePrompt } from "../judge/rubric.ts";
import {
  judgeIdentity,
  judgeRuns,
  readVerdicts,
  runJudge,
  verdictKey,
  withoutThinking,
  type JudgePrompt,
  type JudgeRunOptions,
} from "../judge/run.ts";
import { pairedAnswerBatches, readRowBatches } from "../store/columns.ts";
import { listRuns, type RunFolder } from "../store/folders.ts";
import {
  LinesFile,
  PAIRWISE_FILE,
  QUALITY_FILE,
  readQualityManifest,
  writePairwiseParquet,
  writeQualityManifest,
  writeQualityParquet,
  type PairLine,
} from "../store/quality.ts";
import {
  QUALITY_SCHEMA_VERSION,
  type JudgeIdentity,
  type QualityManifest,
  type QualityRow,
} from "../store/schemas/quality.ts";
import type { RequestRow } from "../store/schemas/request-row.ts";

export interface QualityOptions extends JudgeRunOptions {
  /** Assess only these experiments (default: all; the others are still found for pairwise judging). */
  only?: ReadonlySet<string>;
}

/** What one build did about quality, for the build's log and the tests. */
export interface QualityReport {
  /** Runs whose quality files were written, and runs found fresh. */
  written: string[];
  fresh: string[];
  /** Judge requests sent (single and pairwise). */
  judgeRequests: number;
}

/** Scores and judges every run of the current spec of each experiment with a quality schema. */
export async function assessQuality(experiments: LoadedExperiment[], opts: QualityOptions): Promise<QualityReport> {
  const report: QualityReport = { written: [], fresh: [], judgeRequests: 0 };
  const runs = listRuns(opts.resultsRoot, () => {});
  const current = (e: LoadedExperiment) =>
    runs.filter((r) => r.experimentId === e.id && r.manifest.spec_hash === e.specHash && r.requestsPath !== null);
  const chosen = experiments.filter((e) => !opts.only || opts.only.has(e.id));
  for (const exp of chosen) {
    if (exp.scoringSpec === null) continue;
    for (const run of current(exp)) {
      if (opts.signal?.aborted) return report;
      await assessRun(exp, run, opts, report);
    }
  }
  for (const exp of chosen) {
    const other = experiments.find((e) => e.id === exp.spec.quality?.judge?.pairwise?.with);
    const x = shownRun(current(exp));
    const y = other ? shownRun(current(other)) : null;
    if (!other || opts.signal?.aborted) continue;
    if (x && y) await assessPairwise(exp, x, y, opts, report);
    else opts.log?.(`${exp.id}: pairwise judging waits for a complete run of ${x ? other.id : exp.id}`);
  }
  return report;
}

/** The run an experiment shows: its latest complete run of the current spec. */
function shownRun(runs: RunFolder[]): RunFolder | null {
  return runs.filter((r) => r.manifest.status === "complete").at(-1) ?? null;
}

/** Whether a quality file computed from `inputsHash` is current: same inputs, file there, every answer judged. */
function isFresh(
  previous: { inputs_hash: string; errors: number; not_judged: number } | null,
  inputsHash: string,
  file: string,
): boolean {
  return (
    previous !== null &&
    previous.inputs_hash === inputsHash &&
    existsSync(file) &&
    previous.errors + previous.not_judged === 0
  );
}

async function assessRun(exp: LoadedExperiment, run: RunFolder, opts: QualityOptions, report: QualityReport) {
  const judge = exp.spec.quality!.judge;
  const identity = judge ? judgeIdentity(judge, "single") : null;
  const inputsHash = hashJson({ scoring: exp.scoringHash, judge: identity, sample: judge?.sample ?? null });
  const previous = readQualityManifest(run.path);
  const judged = previous?.judge ?? { errors: 0, not_judged: 0 };
  if (isFresh(previous && { ...judged, inputs_hash: previous.inputs_hash }, inputsHash, join(run.path, QUALITY_FILE))) {
    report.fresh.push(`${run.experimentId}/${run.runId}`);
    return;
  }
  const scored = new LinesFile(join(run.path, `.quality-scored-${process.pid}.jsonl`));
  const verdicts = new LinesFile(join(run.path, `.quality-verdicts-${process.pid}.jsonl`));
  try {
    const cache = identity
      ? await readVerdicts(judgeRuns(opts.resultsRoot, exp.id, identity), identity.scale, verdicts)
      : null;
    const scoring = await scoreRun(exp, run, identity, cache?.ok ?? new Set(), scored);
    let failure = cache?.failure ?? null;
    const used = cache?.runs ?? [];
    if (identity && scoring.pending.length > 0) {
      const judgeRun = await judgePending(
        exp,
        "single",
        [{ experiment_id: exp.id, run_id: run.runId }],
        scoring.pending,
        opts,
      );
      report.judgeRequests += judgeRun.sent;
      if (judgeRun.run) {
        const more = await readVerdicts([judgeRun.run], identity.scale, verdicts);
        used.push(...more.runs);
        failure = more.failure;
      } else failure = judgeRun.reason;
    }
    const counts = await writeQualityParquet(run.path, scored.path, verdicts.path, notJudgedReason(failure));
    writeQualityManifest(run.path, {
      quality_schema_version: QUALITY_SCHEMA_VERSION,
      run_id: run.runId,
      experiment_id: exp.id,
      inputs_hash: inputsHash,
      scoring_hash: exp.scoringHash,
      scoring: exp.scoringSpec!,
      written_at: new Date().toISOString(),
      counts: scoring.counts,
      judge: identity && {
        ...identity,
        runs: used,
        judged: counts.judged,
        errors: counts.errors,
        not_judged: counts.notJudged,
        reason: counts.errors + counts.notJudged > 0 ? failure : null,
      },
      pairwise: previous?.pairwise ?? null,
    });
    report.written.push(`${run.experimentId}/${run.runId}`);
    logJudged(exp, run, counts, failure, opts);
  } finally {
    scored.remove();
    verdicts.remove();
  }
}

const notJudgedReason = (failure: string | null): string =>
  failure ? `not judged: ${failure}; judged on the next build` : "not judged yet: judged on the next build";

function logJudged(
  exp: LoadedExperiment,
  run: RunFolder,
  counts: { judged: number; errors: number; notJudged: number },
  failure: string | null,
  opts: QualityOptions,
): void {
  if (!exp.spec.quality?.judge) return;
  const left = counts.errors + counts.notJudged;
  const tail = left > 0 ? `; ${left} without a verdict${failure ? ` (${failure})` : ""}, judged again next build` : "";
  opts.log?.(`${exp.id}: ${run.runId}: ${counts.judged} answers judged${tail}`);
}

/** Sends the pending judge prompts as one judge run; the run's folder when it made one. */
async function judgePending(
  exp: LoadedExperiment,
  kind: "single" | "pairwise",
  judged: { experiment_id: string; run_id: string }[],
  pending: JudgePrompt[],
  opts: QualityOptions,
): Promise<{ run: RunFolder | null; sent: number; reason: string | null }> {
  if (opts.signal?.aborted) return { run: null, sent: 0, reason: "the build was stopped before judging" };
  const manifest = await runJudge(exp, kind, judged, pending, opts);
  const run = listRuns(join(opts.resultsRoot, ".judge"), () => {}).find(
    (r) => r.experimentId === exp.id && r.runId === manifest.run_id,
  );
  return { run: run ?? null, sent: manifest.counts.done, reason: manifest.reason };
}

type ScoredRow = Omit<QualityRow, "judge_pass" | "judge_score" | "judge_reason">;

interface Scoring {
  counts: QualityManifest["counts"];
  /** Judge prompts whose key has no verdict yet, each once. */
  pending: JudgePrompt[];
}

/** Scores every measured answer of the run into `out`, a batch at a time. */
async function scoreRun(
  exp: LoadedExperiment,
  run: RunFolder,
  identity: JudgeIdentity | null,
  verdicts: Set<string>,
  out: LinesFile,
): Promise<Scoring> {
  const quality = exp.spec.quality!;
  const specs = fieldSpecs(exp.answerJsonSchema ?? {});
  const prompts = new Map(exp.prompts.map((p) => [p.id, p]));
  const counts = { rows: 0, scored: 0, correct: 0, checked: 0 };
  const pending = new Map<string, JudgePrompt>();
  let eligible = 0;
  const columns = ["request_index", "prompt_id", "status", "answer"] as const;
  for await (const batch of readRowBatches(run.requestsPath!, columns, 5_000)) {
    const rows = batch.map((row): ScoredRow => {
      const prompt = prompts.get(row.prompt_id);
      const answer = row.status === "ok" ? row.answer : null;
      const score =
        answer !== null && prompt?.expected
          ? scoreAnswer(answer, prompt.expected, specs, { tolerance: quality.tolerance })
          : null;
      const checks =
        answer !== null && prompt && quality.checks?.length ? evaluateChecks(quality.checks, answer, prompt) : null;
      counts.rows += 1;
      if (score) counts.scored += 1;
      if (score?.match) counts.correct += 1;
      if (checks) counts.checked += 1;
      const judged = identity ? judgeColumns(exp, identity, prompt, answer, ++eligible) : NO_JUDGE;
      if (judged.prompt && !verdicts.has(judged.prompt.key)) pending.set(judged.prompt.key, judged.prompt);
      return {
        run_id: run.runId,
        request_index: row.request_index,
        prompt_id: row.prompt_id,
        ...scoreColumns(score, prompt),
        checks,
        checks_passed: checks ? checks.every((c) => c.pass) : null,
        ...judged.columns,
      };
    });
    out.append(rows);
  }
  return { counts, pending: [...pending.values()] };
}

function scoreColumns(score: AnswerScore | null, prompt: ResolvedPrompt | undefined) {
  return {
    scored: score !== null,
    correct: score?.match ?? null,
    correct_strict: score?.strict ?? null,
    expected: prompt?.expected ? JSON.stringify(prompt.expected) : null,
    fields: score
      ? Object.entries(score.fields).map(([field, s]) => ({
          field,
          kind: s.kind,
          strict: s.strict,
          match: s.match,
          score: s.score,
          abs_error: s.absError,
          truth: s.truth,
          label: s.label,
        }))
      : null,
  };
}

type JudgeColumns = Pick<QualityRow, "judge_status" | "judge_error" | "judge_key">;
const NO_JUDGE: { columns: JudgeColumns; prompt: null } = {
  columns: { judge_status: null, judge_error: null, judge_key: null },
  prompt: null,
};

/** The judge columns a row starts with: its verdict key, or why it is not judged. */
function judgeColumns(
  exp: LoadedExperiment,
  identity: JudgeIdentity,
  prompt: ResolvedPrompt | undefined,
  answer: string | null,
  position: number,
): { columns: JudgeColumns; prompt: JudgePrompt | null } {
  const judge = exp.spec.quality!.judge!;
  const notJudged = (why: string) => ({
    columns: { judge_status: "not_judged" as const, judge_error: why, judge_key: null },
    prompt: null,
  });
  if (answer === null) return notJudged("the request failed: there is no answer to judge");
  if (!prompt) return notJudged("the prompt is not in the experiment any more");
  if (judge.sample !== undefined && position > judge.sample)
    return notJudged(`beyond quality.judge.sample (${judge.sample} answers judged per run)`);
  const content = judgePrompt(judge.rubric, judge.scale, {
    prompt: prompt.text,
    answer: withoutThinking(answer),
    expected: prompt.expected,
  });
  const key = verdictKey(identity, content);
  return { columns: { judge_status: null, judge_error: null, judge_key: key }, prompt: { key, content } };
}

/** Pairwise judging of two experiments' shown runs into the first one's pairwise.parquet. */
async function assessPairwise(
  exp: LoadedExperiment,
  x: RunFolder,
  y: RunFolder,
  opts: QualityOptions,
  report: QualityReport,
): Promise<void> {
  const judge = exp.spec.quality!.judge!;
  const identity = judgeIdentity(judge, "pairwise");
  const inputsHash = hashJson({ judge: identity, runs: [x.runId, y.runId] });
  const quality = readQualityManifest(x.path);
  if (!quality) return; // written by assessRun first; a run it could not score is not compared either
  if (isFresh(quality.pairwise, inputsHash, join(x.path, PAIRWISE_FILE))) return;
  const pairs = new LinesFile(join(x.path, `.pairwise-pairs-${process.pid}.jsonl`));
  const verdicts = new LinesFile(join(x.path, `.pairwise-verdicts-${process.pid}.jsonl`));
  try {
    const cache = await readVerdicts(judgeRuns(opts.resultsRoot, exp.id, identity), "pairwise", verdicts);
    const pending = await pairPrompts(exp, identity, x, y, cache.ok, pairs);
    let failure = cache.failure;
    const used = cache.runs;
    if (pending.prompts.length > 0) {
      const judged = [x, y].map((r) => ({ experiment_id: r.experimentId, run_id: r.runId }));
      const judgeRun = await judgePending(exp, "pairwise", judged, pending.prompts, opts);
      report.judgeRequests += judgeRun.sent;
      if (judgeRun.run) {
        const more = await readVerdicts([judgeRun.run], "pairwise", verdicts);
        used.push(...more.runs);
        failure = more.failure;
      } else failure = judgeRun.reason;
    }
    const counts = await writePairwiseParquet(x.path, pairs.path, verdicts.path, notJudgedReason(failure));
    const left = counts.errors + counts.notJudged;
    writeQualityManifest(x.path, {
      ...quality,
      pairwise: {
        ...identity,
        inputs_hash: inputsHash,
        other_experiment_id: y.experimentId,
        other_run_id: y.runId,
        prompts: pending.pairs,
        runs: used,
        judged: counts.judged,
        errors: counts.errors,
        not_judged: counts.notJudged,
        reason: left > 0 ? failure : null,
      },
    });
    opts.log?.(
      `${exp.id} × ${y.experimentId}: ${counts.judged} prompts judged in both orders${left ? `; ${left} left` : ""}`,
    );
  } finally {
    pairs.remove();
    verdicts.remove();
  }
}

/** Writes one line per prompt both runs answered; returns the judge prompts without a verdict yet. */
async function pairPrompts(
  exp: LoadedExperiment,
  identity: JudgeIdentity,
  x: RunFolder,
  y: RunFolder,
  verdicts: Set<string>,
  out: LinesFile,
): Promise<{ prompts: JudgePrompt[]; pairs: number }> {
  const rubric = exp.spec.quality!.judge!.pairwise!.rubric;
  const prompts = new Map(exp.prompts.map((p) => [p.id, p]));
  const pending = new Map<string, JudgePrompt>();
  let pairs = 0;
  for await (const batch of pairedAnswerBatches(x.requestsPath!, y.requestsPath!)) {
    out.append(
      batch.map((p): PairLine => {
        pairs += 1;
        const base = {
          run_id: x.runId,
          other_experiment_id: y.experimentId,
          other_run_id: y.runId,
          prompt_id: p.prompt_id,
          request_index: p.a_index,
          other_request_index: p.b_index,
        };
        const prompt = prompts.get(p.prompt_id);
        const missing = !prompt ? "the prompt is not in the experiment any more" : missingAnswer(p);
        if (missing) return { ...base, this_first_key: null, other_first_key: null, error: missing };
        const ask = (a: string, b: string): JudgePrompt => {
          const values = { prompt: prompt!.text, answerA: withoutThinking(a), answerB: withoutThinking(b) };
          const content = pairwiseJudgePrompt(rubric, { ...values, expected: prompt!.expected });
          return { key: verdictKey(identity, content), content };
        };
        const thisFirst = ask(p.a_answer!, p.b_answer!);
        const otherFirst = ask(p.b_answer!, p.a_answer!);
        for (const j of [thisFirst, otherFirst]) if (!verdicts.has(j.key)) pending.set(j.key, j);
        return { ...base, this_first_key: thisFirst.key, other_first_key: otherFirst.key, error: null };
      }),
    );
  }
  return { prompts: [...pending.values()], pairs };
}

function missingAnswer(p: {
  a_status: RequestRow["status"];
  a_answer: string | null;
  b_status: string;
  b_answer: string | null;
}): string | null {
  if (p.a_status !== "ok" || p.a_answer === null) return "this run has no answer to the prompt";
  if (p.b_status !== "ok" || p.b_answer === null) return "the other run has no answer to the prompt";
  return null;
}
