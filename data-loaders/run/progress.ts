// Progress while a run is going: a bar with rate and ETA on a terminal, plain periodic lines
// otherwise (CI logs, pipes); a run until precise adds its precision (run/until.ts) as a note.
import { SingleBar } from "cli-progress";

export interface Progress {
  tick(ok: boolean): void;
  stop(): void;
  /** A status shown with the counts from now on (e.g. the precision of a run until precise). */
  note?(text: string): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Defaults to process.stderr.isTTY. */
  tty?: boolean;
  /** Where plain lines go (default stderr). */
  write?: (line: string) => void;
  /** Plain mode: print at most this often (ms). */
  intervalMs?: number;
}

export function createProgress(opts: ProgressOptions): Progress {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  return tty ? barProgress(opts) : lineProgress(opts);
}

function barProgress({ label, total }: ProgressOptions): Progress {
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} | {rate} req/s | errors {errors} | ETA {eta_formatted}{note}`,
    hideCursor: true,
    etaBuffer: 200,
    stream: process.stderr,
  });
  const started = performance.now();
  let errors = 0;
  bar.start(total, 0, { rate: "0.0", errors, note: "" });
  let done = 0;
  return {
    tick(ok) {
      done++;
      if (!ok) errors++;
      const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
      bar.update(done, { rate: rate.toFixed(1), errors });
    },
    stop() {
      bar.stop();
    },
    note(text) {
      bar.update(done, { note: ` | ${text}` });
    },
  };
}

function lineProgress({
  label,
  total,
  write = (l) => process.stderr.write(l + "\n"),
  intervalMs = 10_000,
}: ProgressOptions): Progress {
  const started = performance.now();
  let done = 0;
  let errors = 0;
  let lastAt = started;
  let lastTenth = 0;
  let note = "";
  const line = () => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = done / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    write(
      `${label}: ${done}/${total} (${((100 * done) / total).toFixed(0)}%) ${rate.toFixed(1)} req/s, ` +
        `errors ${errors}, elapsed ${formatSeconds(elapsed)}, ETA ${formatSeconds(eta)}${note ? `; ${note}` : ""}`,
    );
  };
  return {
    tick(ok) {
      done++;
      if (!ok) errors++;
      const now = performance.now();
      const tenth = Math.floor((10 * done) / total);
      if (now - lastAt >= intervalMs || tenth > lastTenth) {
        lastAt = now;
        lastTenth = tenth;
        line();
      }
    },
    stop() {},
    note(text) {
      note = text;
    },
  };
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
