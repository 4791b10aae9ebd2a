// Where a launched server's load time goes (the users copied "model load 678 s" by hand and
// could not say why), from the durations vLLM's start-up log states (server/startup-log.ts) and
// the load time the tracker measured (spawn → first 200 from GET /health):
//
//   weights                     "Loading weights took X seconds"
//   model loading, other        "Model loading took … and Y seconds" − weights
//   torch.compile               "torch.compile takes|took X s in total"
//   CUDA-graph capture          "Graph capturing finished in X secs"
//   engine init, other          "init engine (profile, create kv cache, warmup model) took X s"
//                               − torch.compile − CUDA graphs (memory profiling, KV-cache set-up)
//   process start and API server  the time to the ready line ("Application startup complete.")
//                               − model loading − engine init (imports, config, download, the
//                               API server's own start)
//   until /health answered      load time − time to the ready line (the tracker's polling)
//
// A duration the log does not state leaves its segment out; what it would have held then falls
// into the next segment that is computed from a total (so the segments always sum to the load
// time). A remainder below zero (log lines out of order, rounding of whole seconds) counts as 0.

export interface LoadTimes {
  load_time_s: number | null;
  weights_load_s: number | null;
  model_load_s?: number | null;
  torch_compile_s?: number | null;
  cuda_graph_s?: number | null;
  init_engine_s?: number | null;
  ready_line_s?: number | null;
}

export interface LoadSegment {
  label: string;
  seconds: number;
}

const rest = (total: number, ...parts: (number | null | undefined)[]): number =>
  Math.max(0, total - parts.reduce<number>((s, p) => s + (p ?? 0), 0));

/** The segments of the load time, in order (empty when no load time was measured). */
export function loadTimeBreakdown(t: LoadTimes): LoadSegment[] {
  if (t.load_time_s === null) return [];
  const out: LoadSegment[] = [];
  const add = (label: string, seconds: number | null | undefined): void => {
    if (seconds !== null && seconds !== undefined) out.push({ label, seconds });
  };
  const model = t.model_load_s ?? t.weights_load_s;
  add("weights", t.weights_load_s);
  if (t.model_load_s != null) add("model loading, other", rest(t.model_load_s, t.weights_load_s));
  add("torch.compile", t.torch_compile_s);
  add("CUDA-graph capture", t.cuda_graph_s);
  if (t.init_engine_s != null) add("engine init, other", rest(t.init_engine_s, t.torch_compile_s, t.cuda_graph_s));
  const ready = t.ready_line_s ?? null;
  const startEnd = ready ?? t.load_time_s;
  add("process start and API server", rest(startEnd, model, t.init_engine_s));
  if (ready !== null) add("until /health answered", rest(t.load_time_s, ready));
  return out;
}
