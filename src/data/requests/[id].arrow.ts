// The request explorer's data on one experiment page (src/experiments/[id].md, run once per
// experiment with --id=<id>): a bounded, stratified sample of its run's requests as an Arrow IPC
// stream, data-loaders/report/request-sample.ts.
import { parseArgs } from "node:util";
import { experimentRequestSample } from "../../../data-loaders/report/request-sample.ts";

const { values } = parseArgs({ options: { id: { type: "string" } } });
if (!values.id) throw new Error("src/data/requests/[id].arrow.ts: --id=<experiment id> is required");

process.stdout.write(await experimentRequestSample(values.id));
