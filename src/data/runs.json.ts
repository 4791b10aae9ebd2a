// Overview page data (src/index.md; also read by the Guide's example page): every experiment with
// the run it shows, every run's headline figures, projections and costs, and the benchmark matrix
// (data-loaders/report/pages/overview.ts).
import { overviewPage } from "../../data-loaders/report/pages/overview.ts";
import { defineLoader } from "../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async () => JSON.stringify(await overviewPage()));
