// Projections page data (src/projections.md): projected times with intervals, backtests, costs
// and cascade grids (data-loaders/report/pages/projections.ts).
import { projectionsPage } from "../../data-loaders/report/pages/projections.ts";
import { defineLoader } from "../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async () => JSON.stringify(await projectionsPage()));
