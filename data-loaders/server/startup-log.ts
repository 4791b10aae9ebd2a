// vLLM's start-up log, read line by line: the facts users used to copy by hand (weights, KV cache,
// CUDA graphs, version), the settings the server actually runs with (prefix caching, KV-cache
// block size, routes) and, when the server did not come up, why. Each field below quotes the log
// line it is read from. A value the log does not state is null, never 0.

/** Prefix caching as asked for and as vLLM runs it (vLLM turns it off for some models, and says so). */
export interface PrefixCaching {
  /** `non-default args: {… 'enable_prefix_caching': True|False …}`; null when the flag was not given. */
  requested: boolean | null;
  /**
   * The engine's config line (`Initializing a V1 LLM engine (…) with config: … enable_prefix_caching=True`,
   * None meaning off), overridden by a line saying vLLM disables it; null when the log states neither.
   */
  effective: boolean | null;
  /** The line in which vLLM says it disables prefix caching, without its log prefix. */
  reason: string | null;
}

export interface StartupFacts {
  /** "vLLM server version X" / "vLLM API server version X". */
  version: string | null;
  /** "Loading weights took X seconds". */
  weights_load_s: number | null;
  /** "Model loading took X GiB [memory] and Y seconds": X. */
  weights_gib: number | null;
  /** "Model loading took X GiB [memory] and Y seconds": Y (the weights' load included). */
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
  /** "init engine (profile, create kv cache, warmup model) took X s|seconds" (torch.compile and graph capture included). */
  init_engine_s: number | null;
  /** "vllm cache_config_info with initialization after num_gpu_blocks is: N". */
  num_gpu_blocks: number | null;
  /**
   * Tokens per KV-cache block: "Setting attention block size to N tokens …" (hybrid models),
   * else `'block_size': N` in the non-default args, else GPU KV cache size ÷ num_gpu_blocks when
   * that divides exactly (right for attention-only models).
   */
  kv_block_size: number | null;
  prefix_caching: PrefixCaching;
  /** "Route: /path, Methods: A, B" lines, in the log's order. */
  routes: { path: string; methods: string[] }[];
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
const pyBool = (s: string): boolean | null => (s === "True" ? true : s === "False" ? false : null);

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
    num_gpu_blocks: null,
    kv_block_size: null,
    prefix_caching: { requested: null, effective: null, reason: null },
    routes: [],
    listening: null,
    non_default_args: null,
    ready: false,
  };
}

type Apply = (f: StartupFacts, m: RegExpMatchArray, line: string) => void;

/** Each line kind the log is read for, the first matching one applies. */
const LINES: [RegExp, Apply][] = [
  [/vLLM (?:API )?server version (\S+?),?(?:\s|$)/, (f, m) => (f.version = m[1]!)],
  [/Loading weights took ([\d.]+) seconds/, (f, m) => (f.weights_load_s = num(m[1]!))],
  [
    /Model loading took ([\d.]+) GiB(?: memory)? and ([\d.]+) seconds/,
    (f, m) => {
      f.weights_gib = num(m[1]!);
      f.model_load_s = num(m[2]!);
    },
  ],
  [/torch\.compile (?:takes|took) ([\d.]+) s in total/, (f, m) => (f.torch_compile_s = num(m[1]!))],
  [/Available KV cache memory: ([\d.]+) GiB/, (f, m) => (f.kv_cache_gib = num(m[1]!))],
  [/GPU KV cache size: ([\d,]+) tokens/, (f, m) => (f.kv_cache_tokens = num(m[1]!))],
  [
    /Maximum concurrency for ([\d,]+) tokens per request: ([\d.]+)x/,
    (f, m) => {
      f.max_concurrency_tokens_per_request = num(m[1]!);
      f.max_concurrency = num(m[2]!);
    },
  ],
  [
    /Graph capturing finished in (\d+) secs, took ([\d.]+) GiB/,
    (f, m) => {
      f.cuda_graph_s = num(m[1]!);
      f.cuda_graph_gib = num(m[2]!);
    },
  ],
  [/init engine \(profile, create kv cache, warmup model\) took ([\d.]+) s/, (f, m) => (f.init_engine_s = num(m[1]!))],
  [/num_gpu_blocks is: (\d+)/, (f, m) => (f.num_gpu_blocks = num(m[1]!))],
  [/Setting attention block size to (\d+) tokens/, (f, m) => (f.kv_block_size = num(m[1]!))],
  [
    /Initializing a V\d LLM engine .*\benable_prefix_caching=(True|False|None)\b/,
    (f, m) => {
      if (f.prefix_caching.reason === null) f.prefix_caching.effective = pyBool(m[1]!) ?? false;
    },
  ],
  [
    /disabling prefix caching|prefix caching (?:is )?(?:not (?:yet )?supported|disabled)/i,
    (f, _m, line) => {
      f.prefix_caching.effective = false;
      f.prefix_caching.reason = shorten(line);
    },
  ],
  [/Route: (\S+), Methods: (.+)$/, (f, m) => f.routes.push({ path: m[1]!, methods: m[2]!.split(/,\s*/) })],
  [/Starting vLLM (?:API )?server (?:\d+ )?on (\S+)/, (f, m) => (f.listening = m[1]!)],
  [/non-default args: (\{.*\})\s*$/, (f, m) => readArgs(f, m[1]!)],
  [/Application startup complete\./, (f) => (f.ready = true)],
];

/** What the non-default args say about the settings read here. */
function readArgs(f: StartupFacts, args: string): void {
  f.non_default_args = args;
  const prefix = /'enable_prefix_caching': (True|False|None)/.exec(args);
  if (prefix) f.prefix_caching.requested = pyBool(prefix[1]!);
  const block = /'block_size': (\d+)/.exec(args);
  if (block && f.kv_block_size === null) f.kv_block_size = num(block[1]!);
}

/** Updates `facts` from one log line (lines arrive while the server starts). */
export function readLine(facts: StartupFacts, raw: string): void {
  const line = cleanLine(raw);
  for (const [pattern, apply] of LINES) {
    const m = line.match(pattern);
    if (m) return apply(facts, m, line);
  }
}

/** The block size from the KV-cache size and block count, when the log gives no other. */
function derivedBlockSize(f: StartupFacts): number | null {
  if (f.kv_block_size !== null || f.kv_cache_tokens === null || !f.num_gpu_blocks) return f.kv_block_size;
  const size = f.kv_cache_tokens / f.num_gpu_blocks;
  return Number.isInteger(size) ? size : null;
}

/** The facts once the log is complete (or as far as it goes): derived values filled in. */
export function finishFacts(f: StartupFacts): StartupFacts {
  return { ...f, kv_block_size: derivedBlockSize(f) };
}

/** Parses a whole start-up log. */
export function parseStartupLog(text: string): StartupFacts {
  const facts = emptyFacts();
  for (const line of text.split("\n")) readLine(facts, line);
  return finishFacts(facts);
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
