// Home page data: one row per experiment (every state) with the summary of the run it shows.
import { summarizeRun, type RunSummary } from "../../data-loaders/metrics/summary.ts";
import { METRIC_COLUMNS, experimentEntries, findRun, readRows, resultsDir } from "../../data-loaders/store/catalog.ts";

const dir = resultsDir();
const rows = [];
for (const entry of experimentEntries(dir, "experiments")) {
  const run = findRun(dir, entry.id, entry.run_id);
  const summary: RunSummary | null = run?.requestsPath ? summarizeRun(await readRows(run.requestsPath, METRIC_COLUMNS)) : null;
  rows.push({
    id: entry.id,
    title: entry.title,
    state: entry.state,
    model: entry.model,
    simulated: entry.simulated,
    error: entry.error,
    runId: run?.runId ?? null,
    runStatus: run?.manifest.status ?? null,
    summary,
  });
}

process.stdout.write(JSON.stringify(rows));
