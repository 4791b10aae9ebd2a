// Experiment page data: the index entry, the digest of the run it shows (summary, time series,
// server gauges, histograms, outcomes, projections, quality), every run of the experiment (sweep
// levels, repeats, earlier runs), the shown run's manifest facts, and its first answers
// (published as the experiment's `publish.answers` setting says).
import { parseArgs } from "node:util";
import MarkdownIt from "markdown-it";
import { experimentEntries } from "../../../data-loaders/store/index.ts";
import { findRun, listRuns } from "../../../data-loaders/store/folders.ts";
import { resultsDir } from "../../../data-loaders/store/layout.ts";
import { runAnswers, runDigest } from "../../../data-loaders/report/digest.ts";
import { runCosts, runFigures } from "../../../data-loaders/report/overview.ts";
import { redact } from "../../../data-loaders/report/publish.ts";
import { reportSettings } from "../../../data-loaders/report/settings.ts";
import { EXPERIMENTS_DIR, slim } from "../../../data-loaders/report/store.ts";

const { values } = parseArgs({ options: { id: { type: "string" } } });
const dir = resultsDir();
const entry = experimentEntries(dir, EXPERIMENTS_DIR).find((e) => e.id === values.id) ?? null;
const run = entry ? findRun(dir, entry.id, entry.run_id) : null;
const settings = await reportSettings(EXPERIMENTS_DIR, values.id ?? "");
const digest = run ? await runDigest(run) : null;
const runs = [];
for (const r of listRuns(dir).filter((r) => r.experimentId === values.id)) {
  const d = await runDigest(r);
  runs.push({ ...slim(d), figures: runFigures(d), downloads: r.requestsPath !== null });
}
const m = run?.manifest ?? null;

const detail = {
  id: values.id,
  entry: entry && { ...entry, notesHtml: new MarkdownIt({ html: false }).render(entry.notes) },
  settings,
  digest: digest && { ...digest, figures: runFigures(digest), costs: runCosts(digest, settings) },
  manifest: m && {
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
    reproduce: reproduceCommand(values.id ?? "", m.environment.git_commit),
  },
  runs,
  answers: (run ? await runAnswers(run) : []).map((a) => ({
    ...a,
    answer: redact(a.answer, settings.publish),
    error_message: redact(a.error_message, settings.publish),
  })),
};

/** The one-line command that reproduces the run: the tracker at the run's commit, run again. */
function reproduceCommand(id: string, commit: string | null): string {
  const run = `npx tracker run ${id}`;
  return commit ? `git checkout ${commit} && npm install && ${run}` : run;
}

process.stdout.write(JSON.stringify(detail));
