// The Quality page (src/quality.md, data/quality.json): each shown run's accuracy against the
// truth, its judge's verdicts and how far they agree with the truth, its checks and failing
// answers (analysis/run-quality.ts, in the digest), its speed and cost per correct answer with the
// Pareto front across runs (analysis/correct-answers.ts), validity (analysis/quality-summary.ts),
// pairwise win rates, the prompts two runs disagree on, the same prompts answered side by side by
// the runs of the prompt set most runs share, and agreement matrices with Cohen's kappa
// (analysis/agreement.ts), and the answers the users' reports quote (recorded experiments'
// samples) side by side by prompt. Answers and judge reasons are published as each experiment's
// `publish.answers` setting says.
import { PROMPT_SAMPLE } from "../../analysis/by-prompt.ts";
import { agreement } from "../../analysis/agreement.ts";
import { correctAnswerFigures, paretoFront } from "../../analysis/correct-answers.ts";
import { disagreements, worstAnswers, type RunQuality } from "../../analysis/run-quality.ts";
import { promptRows, type PromptRow, type RunDigest } from "../digest.ts";
import { redact } from "../publish.ts";
import type { PublishAnswers, ReportSettings } from "../settings.ts";
import { runIdentity, storeView, type StoreDirs, type StoreView } from "../store.ts";
import type { StoredRecord } from "../../experiment/recorded-schema.ts";

type RecordedSample = NonNullable<StoredRecord["samples"]>[number];

/** Prompts shown side by side. */
export const SIDE_BY_SIDE = 20;
/** Failing answers shown per run, and disagreements per pair of runs. */
export const FAILING = 8;
export const DISAGREEMENTS = 30;

export async function qualityPage(dirs: StoreDirs = {}) {
  const view = await storeView(dirs);
  const runs = await qualityRuns(view);
  const group = dominantPromptSet(runs);
  return {
    runs: runs.map(({ rows: _rows, folder: _folder, ...r }) => r),
    speedQuality: speedQuality(runs),
    sideBySide: sideBySide(group),
    sideBySideRuns: group.map((r) => r.id),
    agreements: agreements(runs),
    disagreements: await disagreementPairs(runs),
    recordedSideBySide: recordedSamples(view),
    /** Prompts of a run pairing reads at most (analysis/by-prompt.ts). */
    promptSample: PROMPT_SAMPLE,
  };
}

/** What the page shows of a run's quality: the figures without the per-class detail it does not draw. */
function scoresOf(q: RunQuality | null, publish: PublishAnswers) {
  if (!q) return null;
  const judge = q.manifest.judge;
  return {
    ...q,
    judge: q.judge && {
      ...q.judge,
      model: judge?.model ?? null,
      scale: judge?.scale ?? null,
      reason: judge?.reason ?? null,
    },
    manifest: {
      scoringHash: q.manifest.scoring_hash,
      writtenAt: q.manifest.written_at,
      checks: q.manifest.scoring.checks,
    },
    checks: q.checks.map((c) => ({
      ...c,
      topReasons: c.topReasons.map((r) => ({ ...r, reason: redact(r.reason, publish)! })),
    })),
  };
}

/** The share of correct answers behind the per-correct-answer figures: the truth when there is one, else the judge. */
function accuracyOf(q: RunQuality | null) {
  if (q && q.accuracy.match.n > 0) return { basis: "truth" as const, accuracy: q.accuracy.match };
  if (q?.judge && q.judge.judged > 0) return { basis: "judge" as const, accuracy: q.judge.pass };
  return null;
}

function correctFigures(d: RunDigest, settings: ReportSettings) {
  const accuracy = accuracyOf(d.scores);
  if (!accuracy || !d.rate) return null;
  const s = d.summary;
  const tokens =
    s?.meanPromptTokens != null && s.meanCompletionTokens != null
      ? { meanPromptTokens: s.meanPromptTokens, meanCompletionTokens: s.meanCompletionTokens }
      : null;
  return correctAnswerFigures({
    ...accuracy,
    requestThroughput: d.rate.requestThroughput,
    projections: d.projections,
    tokens,
    prices: settings.prices,
    gpuDollarsPerHour: settings.gpuDollarsPerHour,
  });
}

/** Runs with a per-correct-answer figure, on the accuracy × correct-answers-per-GPU-hour plane, front marked. */
function speedQuality(runs: readonly QualityRun[]) {
  const points = runs.flatMap((r) =>
    r.correct
      ? [
          {
            id: r.id,
            title: r.title,
            source: r.source,
            basis: r.correct.basis,
            accuracy: r.correct.accuracy,
            perGpuHour: r.correct.correctPerGpuHour,
            selfHostedPer1k: r.correct.selfHostedPer1kCorrect,
          },
        ]
      : [],
  );
  const front = paretoFront(points.map((p) => ({ x: p.accuracy.p!, y: p.perGpuHour.value })));
  return points.map((p, i) => ({ ...p, front: front[i]! }));
}

/** Each pair of runs on the same prompts, with the prompts they answer differently. */
async function disagreementPairs(runs: readonly QualityRun[]) {
  const out = [];
  for (const [i, a] of runs.entries()) {
    for (const b of runs.slice(i + 1)) {
      if (a.promptHash !== b.promptHash || !a.folder.requestsPath || !b.folder.requestsPath) continue;
      const found = await disagreements(
        { path: a.folder.path, requestsPath: a.folder.requestsPath },
        { path: b.folder.path, requestsPath: b.folder.requestsPath },
        DISAGREEMENTS,
      );
      if (!found) continue;
      const side = (s: (typeof found.prompts)[number]["a"], publish: PublishAnswers) => ({
        ...s,
        answer: redact(s.answer, publish),
      });
      out.push({
        a: a.id,
        b: b.id,
        paired: found.paired,
        disagreeing: found.disagreeing,
        prompts: found.prompts.map((p) => ({ ...p, a: side(p.a, a.publish), b: side(p.b, b.publish) })),
      });
    }
  }
  return out;
}

/** The answers recorded experiments quote (verbatim from the reports), grouped by prompt id. */
function recordedSamples(view: StoreView) {
  const byPrompt = new Map<string, { id: string; title: string; publish: PublishAnswers; sample: RecordedSample }[]>();
  for (const e of view.entries) {
    for (const sample of view.shown[e.id]?.record?.samples ?? []) {
      const list = byPrompt.get(sample.promptId) ?? [];
      list.push({ id: e.id, title: e.title, publish: view.settings[e.id]!.publish, sample });
      byPrompt.set(sample.promptId, list);
    }
  }
  return [...byPrompt]
    .sort(([a], [b]) => naturalOrder(a, b))
    .map(([promptId, answers]) => ({
      promptId,
      answers: answers.map(({ id, title, publish, sample }) => ({
        id,
        title,
        label: sample.label,
        at: sample.at,
        truncated: sample.truncated,
        verdict: sample.verdict ?? null,
        text: redact(sample.text, publish),
      })),
    }));
}

type QualityRun = Awaited<ReturnType<typeof qualityRuns>>[number];

/** The run each experiment shows, when it has rows, with its one row per prompt. */
async function qualityRuns(view: StoreView) {
  const runs = [];
  for (const e of view.entries) {
    const d = view.shown[e.id];
    if (!d?.hasRows) continue;
    const settings = view.settings[e.id]!;
    const folder = view.folder(d);
    const failing = folder.requestsPath ? await worstAnswers(folder.path, folder.requestsPath, FAILING, "checks") : [];
    runs.push({
      ...runIdentity(e, d),
      quality: d.quality,
      scores: scoresOf(d.scores, settings.publish),
      correct: correctFigures(d, settings),
      /** Answers that failed a check, one per prompt, most checks failed first. */
      failing: failing.map((w) => ({
        ...w,
        answer: redact(w.answer, settings.publish),
        judge_reason: redact(w.judge_reason, settings.publish),
      })),
      /** The rate the run is judged at (metrics/rate.ts), behind valid answers per GPU-hour. */
      requestThroughput: d.rate?.requestThroughput ?? null,
      agreementField: settings.agreementField,
      publish: settings.publish,
      rows: await promptRows(folder),
      folder,
    });
  }
  return runs;
}

/** The runs of the prompt set (prompt hash) that most runs sent; the first such set on a tie. */
export function dominantPromptSet<R extends { promptHash: string }>(runs: readonly R[]): R[] {
  const groups = new Map<string, R[]>();
  for (const r of runs) groups.set(r.promptHash, [...(groups.get(r.promptHash) ?? []), r]);
  return [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** The first SIDE_BY_SIDE prompt ids of the group (in natural order), each with every run's answer. */
function sideBySide(group: readonly QualityRun[]) {
  const ids = [...new Set(group.flatMap((r) => r.rows.map((p) => p.prompt_id)))]
    .sort(naturalOrder)
    .slice(0, SIDE_BY_SIDE);
  return ids.map((promptId) => ({
    promptId,
    answers: group.map((r) =>
      answerOf(
        r,
        r.rows.find((x) => x.prompt_id === promptId),
      ),
    ),
  }));
}

function answerOf(r: QualityRun, p: PromptRow | undefined) {
  return {
    id: r.id,
    status: p?.status ?? null,
    finishReason: p?.finish_reason ?? null,
    schemaValid: p?.schema_valid ?? null,
    completionTokens: p?.completion_tokens ?? null,
    answer: p ? redact(p.answer, r.publish) : null,
  };
}

/** Every pair of runs on the same prompts whose experiments name the same agreement field. */
function agreements(runs: readonly QualityRun[]) {
  const out = [];
  for (const [i, a] of runs.entries()) {
    for (const b of runs.slice(i + 1)) {
      const field = a.agreementField;
      if (field === null || b.agreementField !== field || a.promptHash !== b.promptHash) continue;
      out.push({ a: a.id, b: b.id, ...agreement(a.rows, b.rows, field) });
    }
  }
  return out;
}

/** p2 before p10: prompt ids often end in a number. */
function naturalOrder(x: string, y: string): number {
  return x.localeCompare(y, "en", { numeric: true });
}
