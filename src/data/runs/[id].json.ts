// Experiment page data: the index entry, the shown run's manifest facts and summary, the
// tokens-per-second time series, token and latency histograms, outcomes and the first answers.
import { parseArgs } from "node:util";
import MarkdownIt from "markdown-it";
import { timeSeries } from "../../../data-loaders/metrics/steady-state.ts";
import { summarizeRun } from "../../../data-loaders/metrics/summary.ts";
import {
  METRIC_COLUMNS,
  answerSample,
  experimentEntries,
  findRun,
  histogram,
  outcomeCounts,
  readRows,
  resultsDir,
} from "../../../data-loaders/store/catalog.ts";

const ANSWERS = 200;
const HISTOGRAM_BINS = 30;
const SERIES_BINS = 60;

const { values } = parseArgs({ options: { id: { type: "string" } } });
const dir = resultsDir();
const entry = experimentEntries(dir, "experiments").find((e) => e.id === values.id) ?? null;
const run = entry ? findRun(dir, entry.id, entry.run_id) : null;
const path = run?.requestsPath ?? null;
const rows = path ? await readRows(path, METRIC_COLUMNS) : [];
const summary = path ? summarizeRun(rows) : null;

/** A round bin width giving about SERIES_BINS bins over the run. */
function binMs(rows: readonly { done_ms: number | null }[]): number {
  const lastMs = rows.reduce((max, r) => Math.max(max, r.done_ms ?? 0), 0);
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  return steps.find((s) => lastMs / s <= SERIES_BINS) ?? 3_600_000;
}

const detail = {
  id: values.id,
  entry: entry && { ...entry, notesHtml: new MarkdownIt({ html: false }).render(entry.notes) },
  run: run && {
    runId: run.runId,
    status: run.manifest.status,
    reason: run.manifest.reason,
    source: run.manifest.source,
    startedAt: run.manifest.started_at,
    finishedAt: run.manifest.finished_at,
    specHash: run.manifest.spec_hash,
    model: run.manifest.server.model,
    counts: run.manifest.counts,
    hasRows: path !== null,
  },
  summary,
  series: path ? timeSeries(rows, binMs(rows)) : [],
  histograms: path
    ? {
        prompt_tokens: await histogram(path, "prompt_tokens", HISTOGRAM_BINS),
        completion_tokens: await histogram(path, "completion_tokens", HISTOGRAM_BINS),
        ttft_ms: await histogram(path, "ttft_ms", HISTOGRAM_BINS),
        e2e_ms: await histogram(path, "e2e_ms", HISTOGRAM_BINS),
      }
    : null,
  outcomes: path ? await outcomeCounts(path) : [],
  answers: path ? await answerSample(path, ANSWERS) : [],
};

process.stdout.write(JSON.stringify(detail));
