// Quality page data: each shown run's quality summary (analysis/quality-summary.ts, in the
// digest), the same prompts answered side by side by every run that sent them, and agreement
// matrices with Cohen's kappa (analysis/agreement.ts) between runs on the same prompts.
import { agreement } from "../../data-loaders/analysis/agreement.ts";
import { findRun } from "../../data-loaders/store/folders.ts";
import { resultsDir } from "../../data-loaders/store/layout.ts";
import { promptRows, type PromptRow } from "../../data-loaders/report/digest.ts";
import { redact } from "../../data-loaders/report/publish.ts";
import { runIdentity, storeView } from "../../data-loaders/report/store.ts";

/** Prompts shown side by side. */
const SIDE_BY_SIDE = 20;

const { entries, shown, settings } = await storeView();
const dir = resultsDir();

const runs = [];
const rows = new Map<string, PromptRow[]>();
for (const e of entries) {
  const d = shown[e.id];
  if (!d?.hasRows) continue;
  const run = findRun(dir, e.id, d.runId);
  rows.set(e.id, run ? await promptRows(run) : []);
  runs.push({
    ...runIdentity(e, d),
    quality: d.quality,
    requestThroughput: d.projections[0]?.basis.requestThroughput ?? d.summary?.requestThroughput ?? null,
    agreementField: settings[e.id]?.agreementField ?? null,
    publish: settings[e.id]?.publish ?? "full",
  });
}

// Side by side: the prompt set most runs share, its first SIDE_BY_SIDE prompt ids.
const groups = new Map<string, typeof runs>();
for (const r of runs) groups.set(r.promptHash, [...(groups.get(r.promptHash) ?? []), r]);
const group = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
const ids = [...new Set(group.flatMap((r) => rows.get(r.id)!.map((p) => p.prompt_id)))]
  .sort(naturalOrder)
  .slice(0, SIDE_BY_SIDE);
const sideBySide = ids.map((promptId) => ({
  promptId,
  answers: group.map((r) => {
    const p = rows.get(r.id)!.find((x) => x.prompt_id === promptId);
    return {
      id: r.id,
      status: p?.status ?? null,
      finishReason: p?.finish_reason ?? null,
      schemaValid: p?.schema_valid ?? null,
      completionTokens: p?.completion_tokens ?? null,
      answer: p ? redact(p.answer, r.publish) : null,
    };
  }),
}));

// Agreement: every pair of runs on the same prompts whose experiments name the same field.
const agreements = [];
for (const [i, a] of runs.entries()) {
  for (const b of runs.slice(i + 1)) {
    const field = a.agreementField;
    if (field === null || b.agreementField !== field || a.promptHash !== b.promptHash) continue;
    agreements.push({ a: a.id, b: b.id, ...agreement(rows.get(a.id)!, rows.get(b.id)!, field) });
  }
}

/** p2 before p10: prompt ids often end in a number. */
function naturalOrder(x: string, y: string): number {
  return x.localeCompare(y, "en", { numeric: true });
}

process.stdout.write(JSON.stringify({ runs, sideBySide, sideBySideRuns: group.map((r) => r.id), agreements }));
