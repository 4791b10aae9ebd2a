// vLLM's start-up log, read line by line: the facts users used to copy by hand (weights, KV cache,
// CUDA graphs, version) and, when the server did not come up, why. Each field below quotes the
// log line it is read from. A value the log does not state is null, never 0.

export interface StartupFacts {
  /** "vLLM server version X" / "vLLM API server version X". */
  version: string | null;
  /** "Loading weights took X seconds". */
  weights_load_s: number | null;
  /** "Model loading took X GiB [memory] and Y seconds": X. */
  weights_gib: number | null;
  /** "Model loading took X GiB [memory] and Y seconds": Y. */
  model_load_s: number | null;
  /** "torch.compile takes|took X s in total". */
  torch_compile_s: number | null;
  /** "Available KV cache memory: X GiB". */
  kv_cache_gib: number | null;
  /** "GPU KV cache size: N tokens". */
  kv_cache_tokens: number | null;
  /** "Maximum concurrency for L tokens per request: Xx": X. */
  max_concurrency: number | null;
  /** … and L. */
  max_concurrency_tokens_per_request: number | null;
  /** "Graph capturing finished in S secs, took X GiB": X. */
  cuda_graph_gib: number | null;
  cuda_graph_s: number | null;
  /** "init engine (profile, create kv cache, warmup model) took X s|seconds". */
  init_engine_s: number | null;
  /** "Starting vLLM [API ]server [N ]on URL". */
  listening: string | null;
  /** "non-default args: {...}" as printed (Python repr). */
  non_default_args: string | null;
  /** uvicorn's "Application startup complete." was seen. */
  ready: boolean;
}

// An ANSI colour code: the control character ESC (\x1b), "[", its parameters, "m".
// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

/** Removes ANSI colours, a `docker compose logs` prefix and a `(Proc pid=N) ` prefix. */
export function cleanLine(line: string): string {
  return line
    .replace(ANSI_COLOUR, "")
    .replace(/^[\w.-]+\s+\|\s/, "")
    .replace(/^\([\w-]+ pid=\d+\)\s/, "")
    .replace(/\r$/, "");
}

const num = (s: string): number => Number(s.replaceAll(",", ""));

export function emptyFacts(): StartupFacts {
  return {
    version: null,
    weights_load_s: null,
    weights_gib: null,
    model_load_s: null,
    torch_compile_s: null,
    kv_cache_gib: null,
    kv_cache_tokens: null,
    max_concurrency: null,
    max_concurrency_tokens_per_request: null,
    cuda_graph_gib: null,
    cuda_graph_s: null,
    init_engine_s: null,
    listening: null,
    non_default_args: null,
    ready: false,
  };
}

/** Updates `facts` from one log line (lines arrive while the server starts). */
export function readLine(facts: StartupFacts, raw: string): void {
  const line = cleanLine(raw);
  let m: RegExpMatchArray | null;
  if ((m = line.match(/vLLM (?:API )?server version (\S+?),?(?:\s|$)/))) facts.version = m[1]!;
  else if ((m = line.match(/Loading weights took ([\d.]+) seconds/))) facts.weights_load_s = num(m[1]!);
  else if ((m = line.match(/Model loading took ([\d.]+) GiB(?: memory)? and ([\d.]+) seconds/))) {
    facts.weights_gib = num(m[1]!);
    facts.model_load_s = num(m[2]!);
  } else if ((m = line.match(/torch\.compile (?:takes|took) ([\d.]+) s in total/))) facts.torch_compile_s = num(m[1]!);
  else if ((m = line.match(/Available KV cache memory: ([\d.]+) GiB/))) facts.kv_cache_gib = num(m[1]!);
  else if ((m = line.match(/GPU KV cache size: ([\d,]+) tokens/))) facts.kv_cache_tokens = num(m[1]!);
  else if ((m = line.match(/Maximum concurrency for ([\d,]+) tokens per request: ([\d.]+)x/))) {
    facts.max_concurrency_tokens_per_request = num(m[1]!);
    facts.max_concurrency = num(m[2]!);
  } else if ((m = line.match(/Graph capturing finished in (\d+) secs, took ([\d.]+) GiB/))) {
    facts.cuda_graph_s = num(m[1]!);
    facts.cuda_graph_gib = num(m[2]!);
  } else if ((m = line.match(/init engine \(profile, create kv cache, warmup model\) took ([\d.]+) s/)))
    facts.init_engine_s = num(m[1]!);
  else if ((m = line.match(/Starting vLLM (?:API )?server (?:\d+ )?on (\S+)/))) facts.listening = m[1]!;
  else if ((m = line.match(/non-default args: (\{.*\})\s*$/))) facts.non_default_args = m[1]!;
  else if (/Application startup complete\./.test(line)) facts.ready = true;
}

/** Parses a whole start-up log. */
export function parseStartupLog(text: string): StartupFacts {
  const facts = emptyFacts();
  for (const line of text.split("\n")) readLine(facts, line);
  return facts;
}

export const START_FAILURES = ["out_of_memory", "model_unsupported", "port_in_use", "crash", "timeout"] as const;
export type StartFailureKind = (typeof START_FAILURES)[number];

export interface StartFailure {
  kind: StartFailureKind;
  /** One line for the matrix and the experiment page, e.g. "out of memory: torch.OutOfMemoryError: CUDA out of memory. …". */
  reason: string;
}

const LABELS: Record<StartFailureKind, string> = {
  out_of_memory: "out of memory",
  model_unsupported: "tokenizer or model architecture not supported",
  port_in_use: "port already in use",
  crash: "server crashed while loading",
  timeout: "server not ready in time",
};

// Checked in this order: the first kind with a matching line wins.
const PATTERNS: [StartFailureKind, RegExp][] = [
  ["port_in_use", /Address already in use|\[Errno 98\]|error while attempting to bind on address/i],
  [
    "out_of_memory",
    /OutOfMemoryError|CUDA out of memory|No available memory for the cache blocks|larger than the available KV cache memory|is less than desired GPU memory utilization|CUDA error: out of memory/i,
  ],
  [
    "model_unsupported",
    /architectures? \[?.*\]? (?:are|is) not supported|does not recognize this architecture|Tokenizer class \S+ does not exist|Can't load tokenizer|tokenizer.*(?:error|not supported|failed)|Unrecognized (?:model|configuration class)|model type `?\S+`? but Transformers does not recognize/i,
  ],
];

/**
 * Why a server did not start, from its log: the first line matching a known failure, else the
 * last error-looking line (a crash). `timedOut` is used when the log says nothing specific.
 */
export function classifyStartFailure(
  logText: string,
  opts: { timedOut?: boolean; detail?: string } = {},
): StartFailure {
  const lines = logText
    .split("\n")
    .map(cleanLine)
    .filter((l) => l.trim());
  for (const [kind, pattern] of PATTERNS) {
    const hit = lines.find((l) => pattern.test(l));
    if (hit) return { kind, reason: `${LABELS[kind]}: ${shorten(hit)}` };
  }
  if (opts.timedOut) return { kind: "timeout", reason: `${LABELS.timeout}${opts.detail ? ` (${opts.detail})` : ""}` };
  const error =
    [...lines]
      .reverse()
      .find((l) => /^(?:ERROR\b|CRITICAL\b|Traceback|\w+(?:Error|Exception)\b)/.test(l) && !/^Traceback/.test(l)) ??
    [...lines].reverse().find((l) => /Error|Exception|failed/i.test(l));
  const detail = [opts.detail, error ? shorten(error) : null].filter(Boolean).join(": ");
  return { kind: "crash", reason: `${LABELS.crash}${detail ? `: ${detail}` : ""}` };
}

/** Drops the log prefix (level, time, source) and caps the length. */
function shorten(line: string): string {
  const text = line
    .replace(/^(?:INFO|WARNING|ERROR|DEBUG|CRITICAL)\s+\d\d-\d\d \d\d:\d\d:\d\d\s+\[[^\]]*\]\s*/, "")
    .trim();
  return text.length > 300 ? text.slice(0, 297) + "…" : text;
}
