// The simulator in a child process, for the client benchmark: at zero latency the simulator
// needs a core of its own to produce 1,024 streams; in the client's process it would take CPU
// from the very thing measured (and process.cpuUsage() would count it). Started with
// child_process.fork and `--import tsx`; the options come as JSON in argv[2]. Sends
// { url, model } over IPC once listening; closes and exits on the message "close".
import { startSimulator, type SimulatorOptions } from "../sim/server.ts";

const sim = await startSimulator(JSON.parse(process.argv[2]!) as SimulatorOptions);
process.on("message", (msg: unknown) => {
  if (msg === "close") void sim.close().then(() => process.exit(0));
});
process.send!({ url: sim.url, model: sim.model });
