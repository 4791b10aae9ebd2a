// Quality page data (src/quality.md): each shown run's answer quality, answers side by side and
// agreement between runs on the same prompts (data-loaders/report/pages/quality.ts).
import { qualityPage } from "../../data-loaders/report/pages/quality.ts";
import { defineLoader } from "../../data-loaders/site/loader.ts";

export default defineLoader(import.meta, async () => JSON.stringify(await qualityPage()));
