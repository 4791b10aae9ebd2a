// Quality page data (src/quality.md): each shown run's answer quality, answers side by side and
// agreement between runs on the same prompts (data-loaders/report/pages/quality.ts).
import { qualityPage } from "../../data-loaders/report/pages/quality.ts";

process.stdout.write(JSON.stringify(await qualityPage()));
