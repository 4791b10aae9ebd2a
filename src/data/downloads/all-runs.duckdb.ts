// Download: one DuckDB database with every run's requests (table `requests`) and manifests
// (table `runs`), answers as the report publishes them.
import { writeAllRunsDatabase } from "../lib/downloads.ts";

await writeAllRunsDatabase();
