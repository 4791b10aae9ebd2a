// Methods page data: every formula module's own method notes (data-loaders/report/methods.ts), the
// extrapolation method as exported by analysis/extrapolate.ts, and the site's bootstrap settings.
import { EXTRAPOLATION_METHOD } from "../../data-loaders/analysis/extrapolate.ts";
import { BOOTSTRAP_REPLICATES } from "../../data-loaders/report/digest.ts";
import { methodNotes } from "../../data-loaders/report/methods.ts";
import { defineLoader } from "../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async () =>
  JSON.stringify({
    modules: methodNotes(),
    extrapolation: EXTRAPOLATION_METHOD,
    projectionReplicates: BOOTSTRAP_REPLICATES,
  }),
);
