// Download (npm run dev; `tracker build` writes it without a loader): one DuckDB database with
// every run's requests (table `requests`) and manifests (table `runs`), answers as the report publishes them.
import { allRunsToStdout } from "../../../data-loaders/site/downloads.ts";

await allRunsToStdout();
