// Parser for the Prometheus text exposition format (version 0.0.4), as served by vLLM's /metrics.
//
// parsePrometheus(text, source) → { families, samples }:
// - every sample keeps its exposed name (e.g. `vllm:prompt_tokens_total`, `…_bucket`), its
//   labels (escapes `\\`, `\"`, `\n` decoded; unknown and private labels such as
//   `_block_size_resolved` kept as they are) and its value (`+Inf`, `-Inf`, `NaN` allowed);
// - samples are grouped into families using the `# TYPE` lines when there are any: a histogram
//   family `x` owns `x_bucket`, `x_sum`, `x_count` in any order; a counter `x` owns `x_total`
//   (prometheus_client registers `vllm:prompt_tokens` and exposes `vllm:prompt_tokens_total`;
//   V0 names the `_total` form in the TYPE line itself); samples without a TYPE line form an
//   `untyped` family of their own name (bodies pasted without HELP/TYPE lines still parse).
// A line that is not valid exposition throws PrometheusParseError naming the source and line.
//
// Lookups by exposed sample name (`value`, `values`) do not depend on the TYPE lines;
// `histogram` reads a histogram family whatever the order of its samples. vLLM's renamed
// metrics are resolved in one place: `kvCacheUsage` (kv_cache_usage_perc, falling back to
// gpu_cache_usage_perc) and `interTokenLatency` (inter_token_latency_seconds, falling back to
// time_per_output_token_seconds).

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
  /** Optional sample timestamp (ms since the epoch) when the exposition gives one. */
  timestampMs: number | null;
}

export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Family {
  name: string;
  type: FamilyType;
  help: string | null;
  samples: Sample[];
}

export interface Exposition {
  /** Families by name, in order of first appearance. */
  families: Map<string, Family>;
  /** Every sample, in the order of the text. */
  samples: Sample[];
}

export class PrometheusParseError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}:${line}: ${message}`);
    this.name = "PrometheusParseError";
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<FamilyType, string[]> = {
  histogram: ["_bucket", "_sum", "_count", "_created"],
  summary: ["_sum", "_count", "_created"],
  counter: ["_total", "_created"],
  gauge: [],
  untyped: [],
};

function parseValue(text: string): number | null {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
}

/** Parses `{a="x",b="y"}` starting at `text[0] === "{"`; returns the labels and the rest of the line. */
function parseLabels(text: string, fail: (msg: string) => never): { labels: Labels; rest: string } {
  const labels: Labels = {};
  let i = 1;
  const skipSpaces = (): void => {
    while (text[i] === " " || text[i] === "\t") i++;
  };
  for (;;) {
    skipSpaces();
    if (text[i] === "}") return { labels, rest: text.slice(i + 1) };
    const name = LABEL_NAME.exec(text.slice(i));
    if (!name) fail(`expected a label name at column ${i + 1}`);
    const key = name[0];
    i += key.length;
    skipSpaces();
    if (text[i] !== "=") fail(`expected = after label ${key}`);
    i++;
    skipSpaces();
    if (text[i] !== '"') fail(`expected a quoted value for label ${key}`);
    i++;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) fail(`unterminated value of label ${key}`);
      if (c === '"') break;
      if (c === "\\") {
        const next = text[i + 1];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else fail(`invalid escape \\${next ?? ""} in label ${key}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++;
    if (Object.hasOwn(labels, key)) fail(`label ${key} appears twice`);
    labels[key] = value;
    skipSpaces();
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail(`expected , or } after label ${key}`);
  }
}

/** Parses a Prometheus text exposition body. `source` names it in errors (file name or URL). */
export function parsePrometheus(text: string, source = "metrics"): Exposition {
  const declared = new Map<string, { type: FamilyType; help: string | null }>();
  const lines = text.split(/\r?\n/);
  const parsed: { sample: Sample; line: number }[] = [];
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const fail = (msg: string): never => {
      throw new PrometheusParseError(source, lineNo, msg);
    };
    const line = raw.trim();
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // other comments (and OpenMetrics' `# EOF`) carry nothing
      const [, kind, name, rest = ""] = m;
      if (!NAME.test(name!) || NAME.exec(name!)![0] !== name) fail(`invalid metric name ${name} in # ${kind}`);
      const entry = declared.get(name!) ?? { type: "untyped" as FamilyType, help: null };
      if (kind === "TYPE") {
        const type = rest.trim();
        if (!TYPES.has(type)) fail(`unknown metric type "${type}" for ${name}`);
        entry.type = type as FamilyType;
      } else {
        entry.help = unescapeHelp(rest);
      }
      declared.set(name!, entry);
      return;
    }
    const nameMatch = NAME.exec(line);
    if (!nameMatch) return fail(`expected a metric name, got "${line.slice(0, 40)}"`);
    const name = nameMatch[0];
    let rest = line.slice(name.length);
    let labels: Labels = {};
    if (rest.startsWith("{")) ({ labels, rest } = parseLabels(rest, fail));
    const fields = rest.trim().split(/[ \t]+/);
    if (fields.length < 1 || fields[0] === "" || fields.length > 2) fail(`expected "value [timestamp]" after ${name}`);
    const value = parseValue(fields[0]!);
    if (value === null) return fail(`invalid value "${fields[0]}" for ${name}`);
    let timestampMs: number | null = null;
    if (fields.length === 2) {
      if (!/^-?\d+$/.test(fields[1]!)) fail(`invalid timestamp "${fields[1]}" for ${name}`);
      timestampMs = Number(fields[1]);
    }
    parsed.push({ sample: { name, labels, value, timestampMs }, line: lineNo });
  });

  const families = new Map<string, Family>();
  const familyOf = (sampleName: string): string => {
    if (
      declared.has(sampleName) &&
      declared.get(sampleName)!.type !== "histogram" &&
      declared.get(sampleName)!.type !== "summary"
    )
      return sampleName;
    for (const [name, { type }] of declared) {
      if (!sampleName.startsWith(name)) continue;
      if (SUFFIXES[type].includes(sampleName.slice(name.length))) return name;
    }
    return sampleName;
  };
  for (const [name, d] of declared) families.set(name, { name, type: d.type, help: d.help, samples: [] });
  for (const { sample } of parsed) {
    const name = familyOf(sample.name);
    let family = families.get(name);
    if (!family) {
      family = { name, type: "untyped", help: null, samples: [] };
      families.set(name, family);
    }
    family.samples.push(sample);
  }
  for (const [name, family] of families) if (family.samples.length === 0) families.delete(name);
  return { families, samples: parsed.map((p) => p.sample) };
}

function matches(labels: Labels, want: Labels | undefined): boolean {
  if (!want) return true;
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

/** Every sample with this exposed name (and these label values, when given). */
export function values(expo: Exposition, name: string, want?: Labels): Sample[] {
  return expo.samples.filter((s) => s.name === name && matches(s.labels, want));
}

/** The value of the first sample with this exposed name (and labels); null when absent. */
export function value(expo: Exposition, name: string, want?: Labels): number | null {
  return values(expo, name, want)[0]?.value ?? null;
}

export interface Histogram {
  /** Labels of the series, without `le`. */
  labels: Labels;
  /** Cumulative bucket counts by upper bound, sorted by `le` (the last is +Inf when exposed). */
  buckets: { le: number; count: number }[];
  sum: number | null;
  count: number | null;
}

/** The series of histogram `name` (`name_bucket`, `name_sum`, `name_count` in any order). */
export function histogram(expo: Exposition, name: string, want?: Labels): Histogram[] {
  const series = new Map<string, Histogram>();
  const seriesOf = (labels: Labels): Histogram => {
    const { le: _le, ...rest } = labels;
    const key = JSON.stringify(
      Object.keys(rest)
        .sort()
        .map((k) => [k, rest[k]]),
    );
    let h = series.get(key);
    if (!h) {
      h = { labels: rest, buckets: [], sum: null, count: null };
      series.set(key, h);
    }
    return h;
  };
  for (const s of expo.samples) {
    if (!matches(s.labels, want)) continue;
    if (s.name === `${name}_bucket`) {
      const le = parseValue(s.labels.le ?? "");
      if (le === null) throw new Error(`histogram ${name}: bucket without a valid le label`);
      seriesOf(s.labels).buckets.push({ le, count: s.value });
    } else if (s.name === `${name}_sum`) {
      seriesOf(s.labels).sum = s.value;
    } else if (s.name === `${name}_count`) {
      seriesOf(s.labels).count = s.value;
    }
  }
  for (const h of series.values()) h.buckets.sort((a, b) => a.le - b.le);
  return [...series.values()];
}

export const KV_CACHE_USAGE = "vllm:kv_cache_usage_perc";
export const KV_CACHE_USAGE_OLD = "vllm:gpu_cache_usage_perc";
export const TIME_TO_FIRST_TOKEN = "vllm:time_to_first_token_seconds";
export const E2E_REQUEST_LATENCY = "vllm:e2e_request_latency_seconds";
export const INTER_TOKEN_LATENCY = "vllm:inter_token_latency_seconds";
export const INTER_TOKEN_LATENCY_OLD = "vllm:time_per_output_token_seconds";

/** KV-cache usage samples (fraction 0–1): the current name, else the pre-0.12 name. */
export function kvCacheUsage(expo: Exposition): Sample[] {
  const current = values(expo, KV_CACHE_USAGE);
  return current.length > 0 ? current : values(expo, KV_CACHE_USAGE_OLD);
}

/** Inter-token latency histogram: the current name, else the pre-2026 name. */
export function interTokenLatency(expo: Exposition): Histogram[] {
  const current = histogram(expo, INTER_TOKEN_LATENCY);
  return current.length > 0 ? current : histogram(expo, INTER_TOKEN_LATENCY_OLD);
}
