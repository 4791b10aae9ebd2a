// One row of `server-metrics.parquet` beside requests.parquet: the server's /metrics scraped
// during the run and the GPU series sampled by nvidia-smi, one row per sample (long format).
// Written and read by store/server-metrics.ts; the DuckDB column types come from `duckdbColumns`
// like those of the request rows.
import { z } from "zod";

export const serverMetricRowSchema = z.object({
  run_id: z.string().meta({ description: "Run id." }),
  endpoint: z
    .string()
    .meta({ description: "Base URL scraped, or `nvidia-smi` for the GPU series (server/gpu-telemetry.ts)." }),
  t_ms: z.number().meta({
    description: "Scrape time, ms since run start: when the scrape started, the same for every endpoint of one tick.",
  }),
  metric: z.string().meta({ description: "Series name, e.g. vllm:kv_cache_usage_perc, vllm:generation_tokens_total." }),
  labels: z.string().meta({ description: 'Labels as JSON, e.g. {"model_name":"…","engine":"0"}.' }),
  value: z.number().meta({ description: "Sample value." }),
});
export type ServerMetricRow = z.infer<typeof serverMetricRowSchema>;
