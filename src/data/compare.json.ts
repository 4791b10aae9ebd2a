// Compare page data (src/compare.md): the run each experiment shows, every sweep level, and the
// speedup and paired per-prompt differences of every ordered pair (data-loaders/report/pages/compare.ts).
import { comparePage } from "../../data-loaders/report/pages/compare.ts";
import { defineLoader } from "../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async () => JSON.stringify(await comparePage()));
