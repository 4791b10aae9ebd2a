// The thread the precision checks of a run until precise run in (run/until.ts): a check on
// 50,000 rows takes a tenth of a second or more, which on the sending thread would delay the
// timestamps of every request in flight. Each message is a window snapshot; the reply, its check.
import { parentPort, workerData } from "node:worker_threads";
import { checkPrecision, type PrecisionSnapshot, type PrecisionTarget } from "../analysis/precision.ts";

export interface PrecisionWorkerData {
  target: PrecisionTarget;
  runId: string;
  concurrency: number;
}

export function serve(): void {
  const { target, runId, concurrency } = workerData as PrecisionWorkerData & { tsx: string; entry: string };
  parentPort!.on("message", (snapshot: PrecisionSnapshot) =>
    parentPort!.postMessage(checkPrecision(snapshot, target, { runId, concurrency })),
  );
}
