// The experiment format's run-until-precise requests and derived simulator profiles: what is
// accepted, and the message (file and field) for what is not.
import { describe, expect, it } from "vitest";
import { specErrorsFromZod } from "../../data-loaders/experiment/errors.ts";
import { experimentSchema, plannedRequests, type ExperimentInput } from "../../data-loaders/experiment/schema.ts";

const base: ExperimentInput = {
  title: "t",
  server: { simulate: "llama-3.2-1b@rtx-4080" },
  workload: { prompts: { inline: ["a"] }, maxTokens: 16, temperature: 0, seed: 1 },
  requests: 10,
  load: { concurrency: 4 },
};

function errors(over: Record<string, unknown>): string[] {
  const parsed = experimentSchema.safeParse({ ...base, ...over });
  return parsed.success ? [] : specErrorsFromZod("x.ts", parsed.error.issues).map((e) => e.message);
}

describe("requests", () => {
  it("is a number, unchanged, or run until precise with a cap", () => {
    expect(experimentSchema.parse(base).requests).toBe(10);
    const until = { until: { projection: 200_000, relativeError: 0.05 }, max: 5000 };
    const spec = experimentSchema.parse({ ...base, requests: until });
    expect(spec.requests).toEqual(until);
    expect(plannedRequests(spec.requests)).toBe(5000);
    expect(plannedRequests(10)).toBe(10);
  });

  it("names the field of a bad run-until-precise block", () => {
    const until = (u: Record<string, unknown>, rest: Record<string, unknown> = { max: 100 }) => ({
      requests: { until: { projection: 200_000, relativeError: 0.05, ...u }, ...rest },
    });
    expect(errors(until({ relativeError: 0 }))).toEqual([
      "x.ts: requests.until.relativeError: Too small: expected number to be >0",
    ]);
    expect(errors(until({ relativeError: 5 }))).toEqual([
      "x.ts: requests.until.relativeError: Too big: expected number to be <=0.5",
    ]);
    expect(errors(until({}, {}))).toEqual(["x.ts: requests.max: Invalid input: expected number, received undefined"]);
    expect(errors(until({ level: 0.9 }))).toEqual(['x.ts: requests.until: unknown field(s) "level"']);
    expect(errors({ requests: "many" })).toEqual([
      "x.ts: requests: a number of requests, or { until: { projection, relativeError }, max } to run until the projection is precise",
    ]);
    expect(errors({ ...until({}), load: { rate: 5 } })).toEqual([
      "x.ts: requests.until: needs load.concurrency: a projection is judged at the steady state of a closed-loop run (rate and rampUp have none)",
    ]);
  });
});

describe("server.simulate", () => {
  it("takes a profile or a catalog model on a catalog GPU, and says what is wrong with anything else", () => {
    expect(errors({ server: { simulate: "olmo-1b@h100-sxm" } })).toEqual([]);
    const [message] = errors({ server: { simulate: "olmo-1b@rtx-9090" } });
    expect(message).toMatch(/^x\.ts: server\.simulate: one of the simulator profiles: llama-3\.2-1b@rtx-4080, /);
    expect(message).toMatch(/unknown GPU "rtx-9090"/);
  });
});
