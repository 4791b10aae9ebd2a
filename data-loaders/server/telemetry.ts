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
//   vllm:time_to_first_token_seconds  histograms (_bucket with `le`, _sum, _count), the server's
//   vllm:inter_token_latency_seconds  view of latency; inter-token from
//   vllm:e2e_request_latency_seconds  vllm:time_per_output_token_seconds on servers older than
//                                     0.11 (stored under the current name); kept at the first
//                                     scrape, then at most every histogramEveryMs, and at the
//                                     final one (their buckets are many rows per scrape)
//
// One scrape at start, one every intervalMs, one final scrape in stop(), so counters cover the
// whole run. Scrapes of one endpoint never overlap (a slow one skips the next tick).
//
// Replicas: listed replicas (`server.urls`) are scraped one by one, each endpoint's rows its own
// series; a tick's scrapes of every endpoint carry the tick's time (t_ms), so that the total over
// replicas at a time (metrics/series.ts) adds the replicas of one tick together rather than
// treating each as a scrape of its own. Replicas behind one URL (a router or a Service) keep their
// own series when the server tells them apart with a label (vLLM's `engine` for data-parallel
// engines, or a router's label naming its backend): labels are part of each series.
//
// A launched server's periodic stats lines (`logStats`, server/stats-log.ts) are kept too, and
// stored for its endpoint when its /metrics gave none of the gauges (not reachable, or served
// without vLLM's series): running, waiting and KV-cache usage then come from the log, with the
// log's throughputs and prefix-cache hit rate, every ~10 s as vLLM logs them.
// Servers without /metrics (Ollama, hosted APIs): a 404 (or 401/403/405) ends scraping of that
// endpoint and gives no rows; a connection error, timeout or unparsable body skips that scrape
// only (a restarting server comes back). Telemetry never fails a run.
import type { ServerMetricRow } from "../store/schemas/server-metric.ts";
import { getText } from "./http.ts";
import {
  E2E_REQUEST_LATENCY,
  INTER_TOKEN_LATENCY,
  INTER_TOKEN_LATENCY_OLD,
  KV_CACHE_USAGE,
  kvCacheUsage,
  parsePrometheus,
  TIME_TO_FIRST_TOKEN,
  values,
  type Exposition,
  type Sample,
} from "./prometheus.ts";
import { statsSamples, type LogStats } from "./stats-log.ts";
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

/** The latency histograms kept (current names). */
export const KEPT_HISTOGRAMS = [TIME_TO_FIRST_TOKEN, INTER_TOKEN_LATENCY, E2E_REQUEST_LATENCY] as const;

/** The gauges whose presence says an endpoint's /metrics serves vLLM's series. */
const GAUGES = new Set<string>([KV_CACHE_USAGE, "vllm:num_requests_running", "vllm:num_requests_waiting"]);

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
  /** A launched server's stats lines (for the first endpoint), stored when its /metrics has no gauges. */
  logStats?: LogStats;
  /** Least time between two scrapes whose histograms are kept (default 10 s). */
  histogramEveryMs?: number;
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

/** The samples of histogram `from`, renamed to `as`. */
function histogramSamples(expo: Exposition, from: string, as: string): Sample[] {
  return ["_bucket", "_sum", "_count"].flatMap((suffix) =>
    values(expo, from + suffix).map((s) => ({ ...s, name: as + suffix })),
  );
}

/** The kept latency histograms of one scrape (inter-token latency resolved across the metric rename). */
export function keptHistogramSamples(expo: Exposition): Sample[] {
  const itl = histogramSamples(expo, INTER_TOKEN_LATENCY, INTER_TOKEN_LATENCY);
  return [
    ...histogramSamples(expo, TIME_TO_FIRST_TOKEN, TIME_TO_FIRST_TOKEN),
    ...(itl.length > 0 ? itl : histogramSamples(expo, INTER_TOKEN_LATENCY_OLD, INTER_TOKEN_LATENCY)),
    ...histogramSamples(expo, E2E_REQUEST_LATENCY, E2E_REQUEST_LATENCY),
  ];
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
  const scrapers = opts.endpoints.map((endpoint) => endpointScraper(endpoint, opts, timeoutMs, rows));
  const fromLog = logStatsRows(opts);

  const tick = (): void => {
    const t = opts.now();
    for (const s of scrapers) void s.scrape(false, t);
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref(); // never keeps a failed run's process alive

  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(scrapers.map((s) => s.settle()));
      const t = opts.now();
      await Promise.all(scrapers.map((s) => s.scrape(true, t)));
      fromLog.stop();
      if (scrapers[0] && !scrapers[0].sawGauges()) rows.push(...fromLog.rows);
      return rows.sort((a, b) => a.t_ms - b.t_ms);
    },
  };
}

/** The scraper of one endpoint: its rows go to `rows`. */
function endpointScraper(endpoint: string, opts: TelemetryOptions, timeoutMs: number, rows: ServerMetricRow[]) {
  const url = serverUrl(endpoint, "/metrics");
  const histogramEveryMs = opts.histogramEveryMs ?? 10_000;
  let gone = false;
  let warned = false;
  let gauges = false;
  let lastHistogramMs = -Infinity;
  let inFlight: Promise<void> | null = null;
  const warn = (why: string): void => {
    if (warned) return;
    warned = true;
    opts.log?.(`telemetry: ${url}: ${why}`);
  };
  const keep = (s: Sample, t: number): void => {
    if (!Number.isFinite(s.value)) return;
    if (GAUGES.has(s.name)) gauges = true;
    rows.push({ run_id: opts.runId, endpoint, t_ms: t, metric: s.name, labels: labelsJson(s.labels), value: s.value });
  };
  const once = async (final: boolean, t: number): Promise<void> => {
    const res = await getText(url, { apiKey: opts.apiKey, timeoutMs });
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
    for (const s of keptSamples(expo)) keep(s, t);
    if (final || t - lastHistogramMs >= histogramEveryMs) {
      lastHistogramMs = t;
      for (const s of keptHistogramSamples(expo)) keep(s, t);
    }
  };
  /** Scrapes once (unless one is in flight); its rows carry `t`, the tick's time. */
  const scrape = (final: boolean, t: number): Promise<void> => {
    if (gone) return Promise.resolve();
    inFlight ??= once(final, t).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  return { scrape, settle: () => inFlight ?? Promise.resolve(), sawGauges: () => gauges };
}

/** Rows of the first endpoint's stats lines, kept while the run goes. */
function logStatsRows(opts: TelemetryOptions): { rows: ServerMetricRow[]; stop(): void } {
  const rows: ServerMetricRow[] = [];
  const endpoint = opts.endpoints[0];
  if (!opts.logStats || endpoint === undefined) return { rows, stop: () => {} };
  const stop = opts.logStats.subscribe((line) => {
    const t = opts.now();
    for (const s of statsSamples(line))
      rows.push({
        run_id: opts.runId,
        endpoint,
        t_ms: t,
        metric: s.metric,
        labels: labelsJson(s.labels),
        value: s.value,
      });
  });
  return { rows, stop };
}
