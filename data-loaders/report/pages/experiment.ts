// One experiment's page (src/experiments/[id].md, data/experiments/<id>.json): the index entry
// with its notes rendered, the digest of the run it shows (summary, time series, server gauges,
// histograms, outcomes, projections, quality) with its costs, every run of the experiment (sweep
// levels, repeats, earlier runs), the shown run's manifest facts and the command that reproduces
// it, and its first answers, published as the experiment's `publish.answers` setting says.
import MarkdownIt from "markdown-it";
import { experimentEntries } from "../../store/index.ts";
import { findRun, listRuns, type RunFolder } from "../../store/folders.ts";
import { type OutcomeCount } from "../../metrics/outcomes.ts";
import type { Manifest } from "../../store/schemas/manifest.ts";
import { runAnswers, runDigest, type RunDigest } from "../digest.ts";
import type { ExperimentEntry } from "../../store/schemas/experiment-index.ts";
import { runCosts, runFigures } from "../figures.ts";
import { redact } from "../publish.ts";
import { reportSettings, type ReportSettings } from "../settings.ts";
import { slim, storeDirs, type StoreDirs } from "../store.ts";
import { storedRecord } from "../../experiment/recorded.ts";
import { statedOfRun } from "../comparison.ts";

export async function experimentPage(id: string, dirs: StoreDirs = {}) {
  const { resultsDir, experimentsDir } = storeDirs(dirs);
  const entries = experimentEntries(resultsDir, experimentsDir);
  const entry = entries.find((e) => e.id === id) ?? null;
  const run = entry ? findRun(resultsDir, entry.id, entry.run_id) : null;
  const settings = await reportSettings(experimentsDir, id);
  const digest = run ? await runDigest(run) : null;
  return {
    id,
    // The notes are the user's own Markdown from the experiment file, rendered without raw HTML.
    entry: entry && { ...entry, notesHtml: new MarkdownIt({ html: false }).render(entry.notes) },
    settings,
    digest: digest && {
      ...digest,
      figures: runFigures(digest),
      costs: runCosts(digest, settings),
      errorsByClass: errorsByClass(digest.outcomes),
    },
    manifest: run && manifestFacts(id, run.manifest),
    runs: await experimentRuns(resultsDir, id),
    answers: run ? await publishedAnswers(run, settings) : [],
    history: await recordedHistory(entry, digest, entries, resultsDir),
  };
}

/**
 * A recorded experiment's record (also of a planned one, which has no run) with its stated figures
 * recomputed; null for other experiments.
 */
async function recordedHistory(
  entry: ExperimentEntry | null,
  digest: RunDigest | null,
  entries: readonly ExperimentEntry[],
  resultsDir: string,
) {
  const record = entry?.spec ? storedRecord(entry.spec) : null;
  if (!record) return null;
  return { record, stated: digest ? await statedOfRun(digest, entries, resultsDir) : [] };
}

/** Every run of the experiment, without its bulky series, and whether its rows can be downloaded. */
async function experimentRuns(resultsDir: string, id: string) {
  const runs = [];
  for (const r of listRuns(resultsDir).filter((r) => r.experimentId === id)) {
    const d = await runDigest(r);
    runs.push({ ...slim(d), figures: runFigures(d), downloads: r.requestsPath !== null });
  }
  return runs;
}

/** Failed requests by error class, most frequent first. */
export function errorsByClass(outcomes: readonly OutcomeCount[]): { errorClass: string; requests: number }[] {
  const byClass = new Map<string, number>();
  for (const o of outcomes) {
    if (o.status === "ok") continue;
    const c = o.error_class ?? "unknown";
    byClass.set(c, (byClass.get(c) ?? 0) + o.count);
  }
  return [...byClass].sort((a, b) => b[1] - a[1]).map(([errorClass, requests]) => ({ errorClass, requests }));
}

/** What the page shows of the manifest of the run it shows. */
function manifestFacts(id: string, m: Manifest) {
  return {
    runId: m.run_id,
    status: m.status,
    reason: m.reason,
    source: m.source,
    startedAt: m.started_at,
    finishedAt: m.finished_at,
    specHash: m.spec_hash,
    promptHash: m.prompt_hash,
    trackerVersion: m.tracker_version,
    server: m.server,
    counts: m.counts,
    environment: m.environment,
    group: m.group ?? null,
    interruptions: m.interruptions ?? [],
    serverFacts: m.server_facts ?? null,
    selfCheck: m.self_check ?? null,
    launch: m.launch ?? null,
    recorded: m.recorded ?? null,
    reproduce: reproduceCommand(id, m.environment.git_commit),
  };
}

/** The one-line command that reproduces the run: the tracker at the run's commit, run again. */
export function reproduceCommand(id: string, commit: string | null): string {
  const run = `npx tracker run ${id}`;
  return commit ? `git checkout ${commit} && npm install && ${run}` : run;
}

/** The run's first answers and error messages, redacted as the experiment publishes them. */
async function publishedAnswers(run: RunFolder, settings: ReportSettings) {
  return (await runAnswers(run)).map((a) => ({
    ...a,
    answer: redact(a.answer, settings.publish),
    error_message: redact(a.error_message, settings.publish),
  }));
}
