// GPUs of the machine running the tracker, from
//   nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv,noheader,nounits
// which prints one line per GPU, e.g. `NVIDIA GeForce RTX 4080, 550.54.14, 16376, 1021`
// (memory in MiB). queryGpus() is null when nvidia-smi is absent or fails (no NVIDIA driver),
// so a machine without a GPU records "no GPU information" rather than an error.
import { execFile } from "node:child_process";

export interface GpuInfo {
  name: string;
  driver: string;
  memory_total_mib: number;
  memory_used_mib: number;
}

export const NVIDIA_SMI_ARGS = [
  "--query-gpu=name,driver_version,memory.total,memory.used",
  "--format=csv,noheader,nounits",
];

/** Parses the CSV lines printed by NVIDIA_SMI_ARGS; throws naming the line and field of a bad value. */
export function parseNvidiaSmi(output: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  output.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length < 4)
      throw new Error(
        `nvidia-smi output line ${index + 1}: expected 4 fields (name, driver_version, memory.total, memory.used), got "${line}"`,
      );
    // A GPU name could contain a comma; the last three fields are never text.
    const [driver, total, used] = fields.slice(-3) as [string, string, string];
    const name = fields.slice(0, -3).join(", ");
    const mib = (text: string, field: string): number => {
      if (!/^\d+(\.\d+)?$/.test(text))
        throw new Error(`nvidia-smi output line ${index + 1}: ${field} is "${text}", not a number of MiB`);
      return Number(text);
    };
    gpus.push({
      name,
      driver,
      memory_total_mib: mib(total, "memory.total"),
      memory_used_mib: mib(used, "memory.used"),
    });
  });
  return gpus;
}

/**
 * Runs nvidia-smi (timeout 10 s). Null when the command is absent, fails or prints something
 * unparsable; `log` receives the reason in the last two cases.
 */
export async function queryGpus(
  opts: { command?: string; log?: (line: string) => void } = {},
): Promise<GpuInfo[] | null> {
  const command = opts.command ?? "nvidia-smi";
  const output = await new Promise<string | null>((resolve) => {
    execFile(command, NVIDIA_SMI_ARGS, { encoding: "utf8", timeout: 10_000 }, (err, stdout) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT")
          opts.log?.(`nvidia-smi failed: ${err.message.split("\n")[0]}`);
        resolve(null);
      } else resolve(stdout);
    });
  });
  if (output === null) return null;
  try {
    return parseNvidiaSmi(output);
  } catch (e) {
    opts.log?.((e as Error).message);
    return null;
  }
}
