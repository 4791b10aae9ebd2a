// Stand-in for `nvidia-smi` in tests (no GPU here). It answers the two queries the tracker makes:
// - the one-shot GPU list (server/nvidia-smi.ts): one recorded RTX 4080 line;
// - the sampling loop (server/gpu-telemetry.ts, `-lms N` or `-l S`): the lines recorded from an
//   RTX 4080 (320 W board limit) under a vLLM run, nvidia-smi-rtx-4080.csv, one every interval with
//   the current time as timestamp, cycling through the recording, until killed.
// Environment: NVIDIA_SMI_STANDIN=fail (print the driver error, exit NVIDIA_SMI_STANDIN_EXIT,
// default 9) or garbage (print lines that are not the query's, every interval);
// NVIDIA_SMI_STANDIN_PIDFILE: write this process's pid there.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
if (process.env.NVIDIA_SMI_STANDIN_PIDFILE) writeFileSync(process.env.NVIDIA_SMI_STANDIN_PIDFILE, String(process.pid));

const mode = process.env.NVIDIA_SMI_STANDIN ?? "";
if (mode === "fail") {
  console.log(
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
  );
  process.exit(Number(process.env.NVIDIA_SMI_STANDIN_EXIT ?? 9));
}

const query = args.find((a) => a.startsWith("--query-gpu="))?.slice("--query-gpu=".length);
const LIST = "name,driver_version,memory.total,memory.used";
const SAMPLE = "index,timestamp,power.draw,utilization.gpu,utilization.memory,memory.used,clocks.sm";
if (!args.includes("--format=csv,noheader,nounits") || (query !== LIST && query !== SAMPLE)) {
  console.log(`Invalid combination of input arguments: ${args.join(" ")}`);
  process.exit(2);
}
if (query === LIST) {
  console.log("NVIDIA GeForce RTX 4080, 550.54.14, 16376, 14873");
  process.exit(0);
}

const at = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : null;
};
const intervalMs = at("-lms") ?? (at("-l") === null ? null : at("-l") * 1000);
const recorded = readFileSync(join(import.meta.dirname, "nvidia-smi-rtx-4080.csv"), "utf8")
  .trim()
  .split("\n");
const pad = (n, w = 2) => String(n).padStart(w, "0");
const stamp = (d) =>
  `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
  `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
let i = 0;
const print = () => {
  if (mode === "garbage") console.log(`garbage ${i++} ### not a query line`);
  else {
    const [index, , ...values] = recorded[i++ % recorded.length].split(", ");
    console.log([index, stamp(new Date()), ...values].join(", "));
  }
};
print();
if (intervalMs !== null) setInterval(print, intervalMs);
