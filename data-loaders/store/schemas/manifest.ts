// `manifest.json` of a run folder: what ran (spec as hashed, hashes, server, environment), how
// it ended (status, reason, counts) and the facts gathered on the way. Read and written by
// store/manifest.ts; optional fields are absent in runs stored before they existed.
import { z } from "zod";

const RUN_STATUSES = ["running", "complete", "partial", "failed"] as const;

/** The client's self-check of a run (run/self-check.ts), or of one client thread of it. */
const selfCheckSchema = z.object({
  send_lag_p99_ms: z.number().nullable(),
  event_loop_delay_p99_ms: z.number().nullable(),
  mean_in_flight: z.number().nullable(),
  target_in_flight: z.number().nullable(),
  client_bound: z.boolean(),
  reason: z.string().nullable(),
});

export const manifestSchema = z.object({
  row_schema_version: z.number().int(),
  tracker_version: z.string(),
  run_id: z.string(),
  experiment_id: z.string(),
  /** measured: a real server; simulated: the built-in simulator; recorded: aggregates imported from elsewhere. */
  source: z.enum(["measured", "simulated", "recorded"]),
  status: z.enum(RUN_STATUSES),
  /** Why a run failed or stopped early (null when complete). */
  reason: z.string().nullable(),
  spec_hash: z.string(),
  prompt_hash: z.string(),
  /** The resolved spec, as hashed (quality schema as JSON Schema; no API key). */
  spec: z.record(z.string(), z.unknown()),
  server: z.object({
    kind: z.enum(["simulate", "url", "launch", "recorded"]),
    endpoint: z.string(),
    model: z.string(),
    profile: z.string().nullable(),
  }),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  counts: z.object({
    /** Requests of the run, warm-up included; a run until precise that stopped early: those it sent. */
    requests: z.number().int(),
    done: z.number().int(),
    ok: z.number().int(),
    error: z.number().int(),
  }),
  environment: z.object({
    node: z.string(),
    os: z.string(),
    cpu: z.string(),
    host: z.string(),
    git_commit: z.string().nullable(),
    git_dirty: z.boolean().nullable(),
    /** GPUs from `nvidia-smi` when present (null: no nvidia-smi on the client host). */
    gpus: z
      .array(z.object({ name: z.string(), driver: z.string(), memory_total_mib: z.number() }))
      .nullable()
      .optional(),
  }),
  /** Position of this run inside its experiment (or grid cell): its repeat. */
  group: z
    .object({
      /** The level of a concurrency sweep, in runs stored before sweeps became grid cells (`cell`); null otherwise. */
      level: z.number().nullable(),
      /** 0-based repeat index (`load.repeats`). */
      repeat: z.number().int(),
    })
    .optional(),
  /**
   * Run-clock ms at which an open-loop load's arrival schedule started, before its first gap: the
   * start of the run's duration, as vllm bench serve counts it. Absent for closed loops (their
   * duration starts at the first send) and for runs stored before it was recorded.
   */
  load_started_ms: z.number().optional(),
  /**
   * The grid cell this run measured (experiment/cells.ts): its key, e.g.
   * `model=gemma-3-1b,concurrency=16`, and its value on each axis, in the grid's axis order.
   * Absent for an experiment without a grid.
   */
  cell: z
    .object({
      key: z.string(),
      axes: z.record(z.string(), z.union([z.string(), z.number()])),
    })
    .optional(),
  /**
   * Wall-clock time (ISO) at which the run clock read 0, taken from the clock the run's ms are
   * counted on; a resumed run keeps its first session's. `tracker merge` puts shards on one time
   * axis with it. Absent in runs stored before it was recorded.
   */
  clock_zero_at: z.string().optional(),
  /**
   * A shard run (`tracker run <id> --shard i/n`): the 0-based share `index` of `count` it ran
   * (measured request indices whose position since the warm-up is `index` mod `count`). Not the
   * experiment's run until `tracker merge` joins every shard (run/merge.ts).
   */
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }).optional(),
  /**
   * A run joined by `tracker merge` from complete shard runs: per shard, its run, where its rows
   * went (its run clock shifted by clock_offset_ms, its workers by worker_offset, its warm-up
   * requests renumbered from warmup_first_index) and the host that ran it.
   */
  merged_from: z
    .object({
      count: z.number().int(),
      shards: z.array(
        z.object({
          index: z.number().int(),
          run_id: z.string(),
          host: z.string(),
          started_at: z.string(),
          clock_offset_ms: z.number(),
          worker_offset: z.number().int(),
          warmup_first_index: z.number().int(),
          requests: z.number().int(),
        }),
      ),
    })
    .optional(),
  /** Interruptions survived by this run (kill, Ctrl-C, server gone); empty when it ran straight through. */
  interruptions: z.array(z.object({ at: z.string(), reason: z.string() })).optional(),
  /** Facts the server reported: GET /version, /v1/models, vllm:cache_config_info labels. */
  server_facts: z
    .object({
      version: z.string().nullable(),
      /** Where the version came from: /version, or the responses' system_fingerprint when /version did not answer. */
      version_source: z.enum(["version", "system_fingerprint"]).optional(),
      /** The first system_fingerprint of the run's responses (e.g. vllm-0.28.0-54757788). */
      system_fingerprint: z.string().optional(),
      /** The base model's path or Hugging Face id (its /v1/models card's root). */
      root: z.string().nullable(),
      /** The context length (an adapter's is its base model's). */
      max_model_len: z.number().nullable(),
      cache_config: z.record(z.string(), z.string()).nullable(),
      /** When the experiment's model is a LoRA adapter: its name, path (its card's root) and base model (its parent card). */
      adapter: z.object({ name: z.string(), path: z.string().nullable(), base_model: z.string() }).optional(),
    })
    .optional(),
  /** Client self-check: was the client, not the server, the bottleneck? */
  self_check: selfCheckSchema
    .extend({
      /** With `load.clients` > 1: each client thread's own check (its share of the load, its own event loop). */
      clients: z.array(selfCheckSchema.extend({ client: z.number().int() })).optional(),
    })
    .optional(),
  /** A server the tracker launched (`server.launch`): load time, start-up facts, memory. */
  launch: z
    .object({
      command: z.string(),
      load_time_s: z.number().nullable(),
      log_file: z.string(),
      weights_gib: z.number().nullable(),
      weights_load_s: z.number().nullable(),
      kv_cache_gib: z.number().nullable(),
      kv_cache_tokens: z.number().nullable(),
      max_concurrency: z.number().nullable(),
      cuda_graph_gib: z.number().nullable(),
      gpu_memory_before_mib: z.number().nullable(),
      gpu_memory_after_mib: z.number().nullable(),
      failure: z.string().nullable(),
      /** The start-up log's own timings (server/startup-log.ts); absent in runs stored before they were kept. */
      model_load_s: z.number().nullable().optional(),
      torch_compile_s: z.number().nullable().optional(),
      cuda_graph_s: z.number().nullable().optional(),
      init_engine_s: z.number().nullable().optional(),
      /** Seconds from the spawn to the "Application startup complete." line. */
      ready_line_s: z.number().nullable().optional(),
      /** Prefix caching as asked for and as the server runs it (it may disable what was asked, and says so). */
      prefix_caching: z
        .object({ requested: z.boolean().nullable(), effective: z.boolean().nullable(), reason: z.string().nullable() })
        .optional(),
      kv_block_size: z.number().nullable().optional(),
      /** The routes the server listed at start-up ("Route: …, Methods: …"). */
      routes: z.array(z.object({ path: z.string(), methods: z.array(z.string()) })).optional(),
      /** Set when the server was started for an earlier run (a cell with the same server) and kept running for this one: that run, whose folder holds the log. */
      started_by_run: z.string().optional(),
    })
    .optional(),
  /** A run until precise (`requests: { until, max }`): its target, the last precision check and why sending stopped. */
  until: z
    .object({
      projection: z.number().int(),
      relative_error: z.number(),
      max: z.number().int(),
      /** precise: the interval reached the target; max: `max` requests were sent first; null: still running or stopped otherwise. */
      stopped: z.enum(["precise", "max"]).nullable(),
      checks: z.number().int(),
      last_check: z
        .object({
          /** Measured requests done at the check (warm-up left out) and journaled rows it was computed on. */
          requests: z.number().int(),
          rows: z.number().int(),
          /** Projected time for `projection` requests and its 95% interval, seconds (null before the run had a rate). */
          seconds: z.number().nullable(),
          lo: z.number().nullable(),
          hi: z.number().nullable(),
          /** Relative half-width of the interval: max(seconds − lo, hi − seconds) / seconds. */
          precision: z.number().nullable(),
          /** Requests still needed to reach the target, as estimated then. */
          needed: z.number().int().nullable(),
        })
        .nullable(),
    })
    .optional(),
  /** A judge run (results/.judge/<experiment>/<run>/, judge/run.ts): the judge and what it judged. */
  judge: z
    .object({
      kind: z.enum(["single", "pairwise"]),
      /** The runs whose answers it judged: the experiment's run, and for pairwise the other experiment's. */
      judged: z.array(z.object({ experiment_id: z.string(), run_id: z.string() })),
      /** The served model name the judge requests named. */
      model: z.string(),
      rubric_hash: z.string(),
      scale: z.string(),
      max_tokens: z.number().int(),
    })
    .optional(),
  /** Recorded runs (source "recorded"): aggregates measured elsewhere; requests.parquet only when imported with per-request rows. */
  recorded: z
    .object({
      origin: z.string(),
      /** The benchmark tool that measured the run (`tracker import`), null when not known. */
      tool: z.string().nullable().optional(),
      tool_version: z.string().nullable().optional(),
      requests: z.number().int(),
      completed: z.number().int().nullable(),
      duration_s: z.number().nullable(),
      total_token_throughput: z.number().nullable(),
      output_throughput: z.number().nullable(),
      request_throughput: z.number().nullable(),
      total_input_tokens: z.number().nullable(),
      total_output_tokens: z.number().nullable(),
      mean_ttft_ms: z.number().nullable(),
      mean_tpot_ms: z.number().nullable(),
      mean_e2el_ms: z.number().nullable(),
      concurrency: z.number().nullable(),
    })
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;
