// `server: { urls: [...], model }`: several replicas of one model (data-parallel, no router).
// The runner spreads requests over them round-robin; the manifest records them as kind "url"
// with every endpoint.
import type { ReplicasServer } from "../../experiment/schema.ts";
import type { ServerKind } from "../kinds.ts";
import { openUrls } from "./url.ts";

export const replicasKind: ServerKind<ReplicasServer> = {
  declared: (spec) => ({ kind: "url", model: spec.model, profile: null }),
  open: (spec, opts) => openUrls(spec.urls, spec, opts),
};
