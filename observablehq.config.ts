// Observable Framework configuration of the report site. Everything is served from this
// machine: no CDN, no web fonts (see the offline rules in the README).
import { experimentEntries } from "./data-loaders/store/index.ts";
import { experimentsFolder, resultsDir } from "./data-loaders/store/layout.ts";

/** Experiments from results/experiments.json, else one per experiments/*.ts file. */
const experiments = experimentEntries(resultsDir(), experimentsFolder());

export default {
  root: "src",
  output: process.env.TRACKER_SITE_OUT ?? "dist",
  title: "vLLM benchmark tracker",
  pages: [
    { name: "Compare", path: "/compare" },
    { name: "Quality", path: "/quality" },
    { name: "Projections", path: "/projections" },
    {
      name: "Experiments",
      open: true,
      // A grid's cells are reached from its page (each still has a page of its own, below).
      pages: experiments.filter((e) => !e.cell).map((e) => ({ name: e.title, path: `/experiments/${e.id}` })),
    },
    { name: "Methods", path: "/methods" },
    { name: "Guide", path: "/guide" },
  ],
  // The downloads (data/downloads/…) are not built here: `tracker build` writes them once per
  // change and adds them to the site (data-loaders/site/downloads.ts).
  dynamicPaths: experiments.map((e) => `/experiments/${e.id}`),
  globalStylesheets: [],
  // An empty icon, so browsers do not ask the server for /favicon.ico.
  head: '<link rel="icon" href="data:,">',
  style: "style.css",
  interpreters: { ".ts": ["node", "--import", "tsx"] },
  footer: "vLLM benchmark tracker · built offline from the local results store.",
  search: false,
};
