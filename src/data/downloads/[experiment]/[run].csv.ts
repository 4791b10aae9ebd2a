// Download: one run's requests as CSV (itl_ms as a JSON list), with answers as the report publishes them.
import { exportRunToStdout } from "../../lib/downloads.ts";

await exportRunToStdout("csv");
