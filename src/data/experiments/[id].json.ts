// One experiment page's data (src/experiments/[id].md, run once per experiment with --id=<id>):
// data-loaders/report/pages/experiment.ts.
import { experimentPage } from "../../../data-loaders/report/pages/experiment.ts";
import { defineLoader } from "../../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async ({ id }) => JSON.stringify(await experimentPage(id!)));
