// Overview page data (src/index.md; also read by the Guide's example page): every experiment with
// the run it shows, every run's headline figures, projections and costs, and the benchmark matrix
// (data-loaders/report/pages/overview.ts).
import { overviewPage } from "../../data-loaders/report/pages/overview.ts";

process.stdout.write(JSON.stringify(await overviewPage()));
