// `npx tracker report [id…] [--markdown]`: the benchmark summary the users wrote by hand, generated
// from the store (report/summary.ts), as text or as Markdown to paste into a README.
import { Command, Option } from "commander";
import { rankByOption, type CommandIo } from "./compare-command.ts";
import type { RateUnit } from "./experiment/recorded-history.ts";
import { historyData } from "./report/comparison.ts";
import { storeView } from "./report/store.ts";
import { summary, summaryText } from "./report/summary.ts";

export interface ReportOptions {
  baseline?: string;
  rankBy: RateUnit;
  markdown?: boolean;
}

/** The `report` command, for cli.ts to add. */
export function reportCommand(): Command {
  return new Command("report")
    .description(
      "a self-contained summary of the runs: ranking, throughput, success, tokens, ratios, cost for 1K–1M requests, time for 50K/200K, selection notes and text bar charts (Markdown with --markdown)",
    )
    .argument("[ids...]", "experiments to include (default: every experiment with figures)")
    .addOption(new Option("--baseline <id>", "the run ratios are against (default: the slowest)"))
    .addOption(rankByOption())
    .option("--markdown", "write Markdown (tables and fenced bar charts) to paste into a README")
    .action(async (ids: string[], opts: ReportOptions) => {
      process.exitCode = await runReport(ids, opts, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
    });
}

/** Prints the summary; returns the exit code (1 when an experiment has no figures). */
export async function runReport(ids: readonly string[], opts: ReportOptions, io: CommandIo): Promise<number> {
  const data = historyData(await storeView(io.dirs));
  try {
    const s = summary(data, { ids, baseline: opts.baseline, rankBy: opts.rankBy });
    io.out(summaryText(s, opts.markdown ? "markdown" : "text"));
    return 0;
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
