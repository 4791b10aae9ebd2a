// `npx tracker compare --baseline <id> [id…]`: the runs against a baseline, as text or JSON, from
// the same data as the Compare page (report/comparison.ts, report/compare-text.ts).
import { Command, InvalidArgumentError, Option } from "commander";
import { RATE_UNITS, type RateUnit } from "./experiment/recorded-history.ts";
import { historyData } from "./report/comparison.ts";
import { compareReport, compareText } from "./report/compare-text.ts";
import { storeView, type StoreDirs } from "./report/store.ts";

export interface CompareOptions {
  baseline: string;
  requests: number;
  rankBy: RateUnit;
  json?: boolean;
}

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  dirs?: StoreDirs;
}

export function wholeNumber(value: string): number {
  const n = Number(value.replaceAll("_", "").replaceAll(",", ""));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

export const rankByOption = () =>
  new Option("--rank-by <unit>", "the rate the ranking uses").choices(RATE_UNITS).default("requests");

/** The `compare` command, for cli.ts to add. */
export function compareCommand(): Command {
  return new Command("compare")
    .description(
      "compare runs with a baseline: rates in every unit, time for 1K–1M requests and time saved, tokens, cost at the reports' prices, the hybrid plan, and the reports' own figures recomputed",
    )
    .requiredOption("--baseline <id>", "the experiment to compare with")
    .argument("[ids...]", "experiments to compare (default: every experiment with figures)")
    .option("--requests <n>", "job size for the time saved and the hybrid plan", wholeNumber, 200_000)
    .addOption(rankByOption())
    .option("--json", "print the comparison as JSON")
    .action(async (ids: string[], opts: CompareOptions) => {
      process.exitCode = await runCompare(ids, opts, {
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
      });
    });
}

/** Prints the comparison; returns the exit code (1 when an experiment has no figures to compare). */
export async function runCompare(ids: readonly string[], opts: CompareOptions, io: CommandIo): Promise<number> {
  const data = historyData(await storeView(io.dirs));
  try {
    const report = compareReport(data, opts.baseline, ids, { rankBy: opts.rankBy, requests: opts.requests });
    io.out(opts.json ? JSON.stringify(report, null, 2) + "\n" : compareText(report));
    return 0;
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
