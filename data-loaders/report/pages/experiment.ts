// One experiment's page (src/experiments/[id].md, data/experiments/<id>.json): the index entry
// with its notes rendered, the digest of the run it shows (summary, time series, server gauges,
// histograms, outcomes, projections, quality) with its costs, every run of the experiment (sweep
// levels, repeats, earlier runs), the shown run's manifest facts and the command that reproduces
// it, its first answers and its worst ones against the truth, checks and judge, published as the
// experiment's `publish.answers` setting says. A grid's page has no run of its own but a table of
// its cells (each a run with a page of its own: its index entry has `cell`), with each cell's
// state and the headline figures of the run it shows.
import MarkdownIt from "markdown-it";
import { worstAnswers } from "../../analysis/run-quality.ts";
import { experimentEntries } from "../../store/index.ts";
import { storedCell } from "../../experiment/cells.ts";
import { findRun, listRuns, type RunFolder } from "../../store/folders.ts";
import { loadTimeBreakdown } from "../../metrics/load-time.ts";
import type { ExperimentEntry } from "../../store/schemas/experiment-index.ts";
import { type OutcomeCount } from "../../metrics/outcomes.ts";
import type { Manifest } from "../../store/schemas/manifest.ts";
import { runAnswers, runDigest, type RunDigest } from "../digest.ts";
import { runCosts, runFigures } from "../figures.ts";
import { redact } from "../publish.ts";
import { reportSettings, type ReportSettings } from "../settings.ts";
import { folderOf, slim, storeDirs, type StoreDirs } from "../store.ts";
import { storedRecord } from "../../experiment/recorded-schema.ts";
import { statedOfRun } from "../comparison.ts";
import { CSV_ROW_LIMIT, runDownloads } from "../../site/download-files.ts";

export async function experimentPage(id: string, dirs: StoreDirs = {}) {
  const { resultsDir, experimentsDir } = storeDirs(dirs);
  const entries = experimentEntries(resultsDir, experimentsDir);
  const entry = entries.find((e) => e.id === id) ?? null;
  const folder = entry ? folderOf(entry) : id;
  const run = entry ? findRun(resultsDir, folder, entry.run_id) : null;
  const settings = await reportSettings(experimentsDir, folder);
  const digest = run ? await runDigest(run) : null;
  const parent = entry?.cell ? entries.find((e) => e.id === entry.cell!.experiment) : undefined;
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
    manifest: run && manifestFacts(folder, run.manifest),
    runs: await experimentRuns(resultsDir, folder, entry),
    /** Runs of at most this many rows have a CSV download (larger ones: Parquet, and `tracker export csv`). */
    csvRowLimit: CSV_ROW_LIMIT,
    answers: run ? await publishedAnswers(run, settings) : [],
    /** A grid: its axes and cells; null for an experiment without a grid. */
    grid: entry?.grid ? { axes: entry.grid.axes, cells: await gridCells(resultsDir, entries, entry) } : null,
    /** A grid cell: its grid (experiment id and title), key and axes; null otherwise. */
    cellOf: entry?.cell ? { ...entry.cell, title: parent?.title ?? entry.cell.experiment } : null,
    worst: run ? await publishedWorst(run, settings) : [],
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

/** Answers shown as the worst of the run (analysis/run-quality.ts `worstAnswers`). */
export const WORST_ANSWERS = 12;

/** The run's worst answers beside their expected answers, answers and judge reasons redacted as published. */
async function publishedWorst(run: RunFolder, settings: ReportSettings) {
  if (!run.requestsPath) return [];
  return (await worstAnswers(run.path, run.requestsPath, WORST_ANSWERS)).map((w) => ({
    ...w,
    answer: redact(w.answer, settings.publish),
    judge_reason: redact(w.judge_reason, settings.publish),
  }));
}

/** Each cell of a grid with its state and the headline figures of the run it shows. */
async function gridCells(resultsDir: string, entries: ExperimentEntry[], grid: ExperimentEntry) {
  const cells = [];
  for (const c of grid.grid!.cells) {
    const entry = entries.find((e) => e.id === c.id);
    const run = findRun(resultsDir, grid.id, c.run_id);
    const d = run && (await runDigest(run));
    cells.push({
      id: c.id,
      key: c.key,
      axes: entry?.cell?.axes ?? {},
      state: c.state,
      error: entry?.error ?? null,
      runId: c.run_id,
      model: d?.model ?? entry?.model ?? null,
      source: d?.source ?? null,
      runStatus: d?.status ?? null,
      hasRows: d?.hasRows ?? false,
      figures: d ? runFigures(d) : null,
      ttftP50: d?.hasRows ? (d.summary?.ttftMs?.p50 ?? null) : null,
      e2elP50: d?.hasRows ? (d.summary?.e2elMs?.p50 ?? null) : null,
      schemaValidRate: d?.quality?.schemaValidRate ?? null,
    });
  }
  return cells;
}

/**
 * Every run of the experiment (for a grid cell: of that cell, by its key or spec hash), without
 * its bulky series, and whether its rows can be downloaded.
 */
async function experimentRuns(resultsDir: string, folder: string, entry: ExperimentEntry | null) {
  const cell = entry?.cell;
  const mine = (r: RunFolder) => {
    const stored = storedCell(r.manifest);
    return !cell || stored.key === cell.key || stored.specHash === entry!.spec_hash;
  };
  const runs = [];
  for (const r of listRuns(resultsDir).filter((r) => r.experimentId === folder && mine(r))) {
    const d = await runDigest(r);
    const files = runDownloads(r);
    runs.push({
      ...slim(d),
      figures: runFigures(d),
      downloads: files !== null,
      qualityDownloads: files?.quality ?? [],
      /** Rows of its requests.parquet, and whether the site has them as CSV too (site/download-files.ts). */
      rows: files?.rows ?? null,
      csv: files?.csv ?? false,
    });
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
    cell: m.cell ?? null,
    interruptions: m.interruptions ?? [],
    serverFacts: m.server_facts ?? null,
    selfCheck: m.self_check ?? null,
    launch: m.launch ?? null,
    loadBreakdown: m.launch ? loadTimeBreakdown(m.launch) : [],
    recorded: m.recorded ?? null,
    reproduce: reproduceCommand(id, m.environment.git_commit, m.cell?.key),
  };
}

/** The one-line command that reproduces the run: the tracker at the run's commit, run again (only its cell, for a grid). */
export function reproduceCommand(id: string, commit: string | null, cell?: string): string {
  const run = `npx tracker run ${id}${cell ? ` --cell ${cell}` : ""}`;
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
