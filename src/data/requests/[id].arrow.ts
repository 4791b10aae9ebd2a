// The request explorer's data on one experiment page (src/experiments/[id].md, run once per
// experiment with --id=<id>): a bounded, stratified sample of its run's requests as an Arrow IPC
// stream, data-loaders/report/request-sample.ts.
import { experimentRequestSample } from "../../../data-loaders/report/request-sample.ts";
import { defineLoader } from "../../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, ({ id }) => experimentRequestSample(id!));
