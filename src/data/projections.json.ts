// Projections page data (src/projections.md): projected times with intervals, backtests, costs
// and cascade grids (data-loaders/report/pages/projections.ts).
import { projectionsPage } from "../../data-loaders/report/pages/projections.ts";

process.stdout.write(JSON.stringify(await projectionsPage()));
