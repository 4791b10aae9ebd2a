// The Quality page (src/quality.md, data/quality.json): each shown run's quality summary
// (analysis/quality-summary.ts, in the digest), the same prompts answered side by side by the
// runs of the prompt set most runs share, and agreement matrices with Cohen's kappa
// (analysis/agreement.ts) between runs on the same prompts, and the answers the users' reports
// quote (recorded experiments' samples) side by side by prompt. Answers are published as each
// experiment's `publish.answers` setting says.
import { agreement } from "../../analysis/agreement.ts";
import { promptRows, type PromptRow } from "../digest.ts";
import { redact } from "../publish.ts";
import { runIdentity, storeView, type StoreDirs, type StoreView } from "../store.ts";
import type { PublishAnswers } from "../settings.ts";
import type { StoredRecord } from "../../experiment/recorded.ts";

type RecordedSample = NonNullable<StoredRecord["samples"]>[number];

/** Prompts shown side by side. */
export const SIDE_BY_SIDE = 20;

export async function qualityPage(dirs: StoreDirs = {}) {
  const view = await storeView(dirs);
  const runs = await qualityRuns(view);
  const group = dominantPromptSet(runs);
  return {
    runs: runs.map(({ rows: _rows, ...r }) => r),
    sideBySide: sideBySide(group),
    sideBySideRuns: group.map((r) => r.id),
    agreements: agreements(runs),
    recordedSideBySide: recordedSamples(view),
  };
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
    runs.push({
      ...runIdentity(e, d),
      quality: d.quality,
      /** The rate the run is judged at (metrics/rate.ts), behind valid answers per GPU-hour. */
      requestThroughput: d.rate?.requestThroughput ?? null,
      agreementField: view.settings[e.id]!.agreementField,
      publish: view.settings[e.id]!.publish,
      rows: await promptRows(view.folder(d)),
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
