// The simulator in a child process, for the client benchmark: at zero latency the simulator
// needs a core of its own to produce 1,024 streams; in the client's process it would take CPU
// from the very thing measured (and process.cpuUsage() would count it). Started with
// child_process.fork and `--import tsx`; the options come as JSON in argv[2]. Sends
// { url, model } over IPC once listening; closes and exits on the message "close"; answers the
// message "groundTruth" with the ground-truth records, their times on the machine-wide monotonic
// clock (monotonicMs in bench/clock.ts) so the parent can compare them with its own.
import { startSimulator, type SimulatorOptions } from "../sim/simulator.ts";
import { monotonicOffsetMs } from "./clock.ts";

const sim = await startSimulator(JSON.parse(process.argv[2]!) as SimulatorOptions);
const offset = monotonicOffsetMs();
process.on("message", (msg: unknown) => {
  if (msg === "close") void sim.close().then(() => process.exit(0));
  if (msg === "groundTruth") {
    const records = sim
      .groundTruth()
      .map((r) => ({ ...r, firstWriteMs: r.firstWriteMs === null ? null : r.firstWriteMs + offset }));
    process.send!({ groundTruth: records });
  }
});
process.send!({ url: sim.url, model: sim.model });
