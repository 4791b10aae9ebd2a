// Download (npm run dev; `tracker build` writes it without a loader): one run's quality.parquet, the judge's reasons as the report publishes them.
import { exportQualityToStdout } from "../../../../../data-loaders/site/downloads.ts";

await exportQualityToStdout("quality");
