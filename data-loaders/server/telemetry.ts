// Server telemetry during a run: GET <endpoint>/metrics every `intervalMs` on every endpoint,
// keeping the series the experiment page charts, as `server-metrics.parquet` rows
// (serverMetricRowSchema, long format: one row per sample and scrape).
//
// Kept series (exposed names; labels kept as JSON with sorted keys):
//   vllm:kv_cache_usage_perc          gauge 0–1; from vllm:gpu_cache_usage_perc on servers
//                                     older than 0.12 (stored under the current name)
//   vllm:num_requests_running         gauge
//   vllm:num_requests_waiting         gauge
//   vllm:num_preemptions_total        counter
//   vllm:prompt_tokens_total          counter
//   vllm:generation_tokens_total      counter (the generation-token rate is its derivative)
//   vllm:request_success_total        counter, one series per finished_reason
//
// One scrape at start, one every intervalMs, one final scrape in stop(), so counters cover the
// whole run. Scrapes of one endpoint never overlap (a slow one skips the next tick).
// Servers without /metrics (Ollama, hosted APIs): a 404 (or 401/403/405) ends scraping of that
// endpoint and gives no rows; a connection error, timeout or unparsable body skips that scrape
// only (a restarting server comes back). Telemetry never fails a run.
import type { ServerMetricRow } from "../store/schemas/server-metric.ts";
import { getText } from "./http.ts";
import { kvCacheUsage, parsePrometheus, values, KV_CACHE_USAGE, type Exposition, type Sample } from "./prometheus.ts";
import { serverUrl } from "./url.ts";

export const KEPT_SERIES = [
  KV_CACHE_USAGE,
  "vllm:num_requests_running",
  "vllm:num_requests_waiting",
  "vllm:num_preemptions_total",
  "vllm:prompt_tokens_total",
  "vllm:generation_tokens_total",
  "vllm:request_success_total",
] as const;

export interface TelemetryOptions {
  /** Base URLs of the server replicas (with or without /v1). */
  endpoints: string[];
  /** Time between scrapes (ms); 1000 is a good default for runs of minutes. */
  intervalMs: number;
  /** The run's clock: ms since the run started (t_ms of each row). */
  now: () => number;
  runId: string;
  /** Sent as a Bearer token (vLLM leaves /metrics open, a proxy in front may not). */
  apiKey?: string;
  /** Per-scrape timeout (default min(intervalMs, 5000), at least 500 ms). */
  timeoutMs?: number;
  /** Receives one line per endpoint whose /metrics is missing or unreadable (once each). */
  log?: (line: string) => void;
}

export interface Telemetry {
  /** Stops the interval, scrapes once more and returns every row, ordered by time. */
  stop(): Promise<ServerMetricRow[]>;
}

/** The kept samples of one scrape (KV usage resolved across the metric rename). */
export function keptSamples(expo: Exposition): Sample[] {
  const out: Sample[] = kvCacheUsage(expo).map((s) => ({ ...s, name: KV_CACHE_USAGE }));
  for (const name of KEPT_SERIES) if (name !== KV_CACHE_USAGE) out.push(...values(expo, name));
  return out;
}

function labelsJson(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    ),
  );
}

export function startTelemetry(opts: TelemetryOptions): Telemetry {
  if (!(opts.intervalMs >= 10)) throw new Error(`telemetry: intervalMs must be at least 10 ms, got ${opts.intervalMs}`);
  const rows: ServerMetricRow[] = [];
  const timeoutMs = opts.timeoutMs ?? Math.max(500, Math.min(opts.intervalMs, 5_000));
  const scrapers = opts.endpoints.map((endpoint) => {
    const url = serverUrl(endpoint, "/metrics");
    let gone = false;
    let warned = false;
    let inFlight: Promise<void> | null = null;
    const warn = (why: string): void => {
      if (warned) return;
      warned = true;
      opts.log?.(`telemetry: ${url}: ${why}`);
    };
    const once = async (): Promise<void> => {
      const res = await getText(url, { apiKey: opts.apiKey, timeoutMs });
      const t = opts.now();
      if (res.status === null) return warn(`no response (${res.error}); skipping this scrape`);
      if (res.status !== 200) {
        if ([401, 403, 404, 405].includes(res.status)) {
          gone = true;
          return warn(`HTTP ${res.status}; no server metrics for this endpoint`);
        }
        return warn(`HTTP ${res.status}; skipping this scrape`);
      }
      let expo: Exposition;
      try {
        expo = parsePrometheus(res.body, url);
      } catch (e) {
        return warn(`${(e as Error).message}; skipping this scrape`);
      }
      for (const s of keptSamples(expo)) {
        if (!Number.isFinite(s.value)) continue;
        rows.push({
          run_id: opts.runId,
          endpoint,
          t_ms: t,
          metric: s.name,
          labels: labelsJson(s.labels),
          value: s.value,
        });
      }
    };
    const scrape = (): Promise<void> => {
      if (gone) return Promise.resolve();
      inFlight ??= once().finally(() => {
        inFlight = null;
      });
      return inFlight;
    };
    return { scrape, settle: () => inFlight ?? Promise.resolve() };
  });

  const tick = (): void => {
    for (const s of scrapers) void s.scrape();
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref(); // never keeps a failed run's process alive

  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(scrapers.map((s) => s.settle()));
      await Promise.all(scrapers.map((s) => s.scrape()));
      return rows.sort((a, b) => a.t_ms - b.t_ms);
    },
  };
}
