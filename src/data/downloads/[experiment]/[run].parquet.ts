// Download: one run's requests.parquet, with answers as the report publishes them.
import { exportRunToStdout } from "../../lib/downloads.ts";

await exportRunToStdout("parquet");
