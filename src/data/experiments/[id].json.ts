// One experiment page's data (src/experiments/[id].md, run once per experiment with --id=<id>):
// data-loaders/report/pages/experiment.ts.
import { parseArgs } from "node:util";
import { experimentPage } from "../../../data-loaders/report/pages/experiment.ts";

const { values } = parseArgs({ options: { id: { type: "string" } } });
if (!values.id) throw new Error("src/data/experiments/[id].json.ts: --id=<experiment id> is required");

process.stdout.write(JSON.stringify(await experimentPage(values.id)));
