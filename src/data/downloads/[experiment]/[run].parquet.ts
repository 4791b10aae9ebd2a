// Download (npm run dev; `tracker build` writes it without a loader): one run's requests as Parquet, answers as the report publishes them.
import { exportRunToStdout } from "../../../../data-loaders/site/downloads.ts";

await exportRunToStdout("parquet");
