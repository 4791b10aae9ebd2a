// Predictions beside measurements for every experiment page (src/experiments/[id].md): the fit and
// speed models at each shown run's workload (data-loaders/report/pages/predictions.ts).
import { predictionsPage } from "../../data-loaders/report/pages/predictions.ts";
import { defineLoader } from "../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async () => JSON.stringify(await predictionsPage()));
