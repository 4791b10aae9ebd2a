import { describe, expect, it } from "vitest";
import {
  baseUrl,
  redactJson,
  redactText,
  redactUrl,
  serverUrl,
  serverUrlProblem,
  trimBaseUrl,
} from "../../data-loaders/server/url.ts";

describe("server URLs", () => {
  it("baseUrl drops credentials, query, fragment, a trailing slash and /v1", () => {
    expect(baseUrl("http://gpu-box:8000")).toBe("http://gpu-box:8000");
    expect(baseUrl("http://gpu-box:8000/v1/")).toBe("http://gpu-box:8000");
    expect(baseUrl("https://u:sk-1@host/proxy/v1?api_key=sk-2#x")).toBe("https://host/proxy");
  });

  it("accepts base URLs with or without /v1, under a path", () => {
    for (const url of ["http://gpu-box:8000", "http://gpu-box:8000/", "http://h:11434/v1", "https://h/api/v1/"])
      expect(serverUrlProblem(url), url).toBeNull();
  });

  it("rejects credentials in the user info or a key-like query parameter, pointing at apiKeyEnv and quoting no key", () => {
    for (const [url, shown] of [
      ["http://tracker:sk-abc123@gpu-box:8000", "http://***@gpu-box:8000/"],
      ["http://sk-abc123@gpu-box:8000/v1", "http://***@gpu-box:8000/v1"],
      ["http://gpu-box:8000/v1?api_key=sk-abc123", "http://gpu-box:8000/v1?api_key=***"],
      ["http://gpu-box:8000/?access_token=sk-abc123&x=1", "http://gpu-box:8000/?access_token=***&x=1"],
    ]) {
      const problem = serverUrlProblem(url!)!;
      expect(problem, url).toContain(`credentials in the URL (${shown})`);
      expect(problem).toContain("name it in apiKeyEnv");
      expect(problem).not.toContain("sk-abc123");
    }
  });

  it("rejects any other query or fragment", () => {
    expect(serverUrlProblem("http://gpu-box:8000/?region=eu")).toBe(
      "a base URL has no ?query or #fragment (http://gpu-box:8000/?region=eu)",
    );
    expect(serverUrlProblem("http://gpu-box:8000/#top")).toMatch(/^a base URL has no \?query or #fragment/);
  });

  it("rejects an endpoint path with the base URL to write instead", () => {
    const cases: [string, string][] = [
      ["http://gpu-box:8000/v1/chat/completions", "http://gpu-box:8000"],
      ["http://gpu-box:8000/v1/completions/", "http://gpu-box:8000"],
      ["http://gpu-box:8000/v1/models", "http://gpu-box:8000"],
      ["http://gpu-box:8000/health", "http://gpu-box:8000"],
      ["https://h/api/v1/chat/completions", "https://h/api"],
    ];
    for (const [url, base] of cases)
      expect(serverUrlProblem(url), url).toBe(
        `${url} is an endpoint, not the server's base URL: write "${base}" (the tracker adds /v1/chat/completions, /v1/models, … itself)`,
      );
  });

  it("redacts user info and secret query values in URLs, in text and in JSON", () => {
    expect(redactUrl("http://u:p@h:1/x?token=t&page=2")).toBe("http://***@h:1/x?token=***&page=2");
    expect(redactUrl("http://h:1/x?page=2")).toBe("http://h:1/x?page=2");
    expect(redactUrl("not a url")).toBe("not a url");
    expect(redactText("cannot reach http://u:sk-1@h:8000 within 5 s (ECONNREFUSED)")).toBe(
      "cannot reach http://***@h:8000/ within 5 s (ECONNREFUSED)",
    );
    const manifest = {
      server: { endpoint: "http://a:sk-1@h", urls: ["http://h?key=sk-2"] },
      reason: "http://x:sk-3@h said no",
      counts: { ok: 3 },
      flag: null,
    };
    const redacted = redactJson(manifest);
    expect(JSON.stringify(redacted)).not.toMatch(/sk-\d/);
    expect(redacted).toEqual({
      server: { endpoint: "http://***@h/", urls: ["http://h/?key=***"] },
      reason: "http://***@h/ said no",
      counts: { ok: 3 },
      flag: null,
    });
    expect(manifest.server.endpoint).toBe("http://a:sk-1@h"); // a copy: the value itself is left as it was
  });
});

describe("the base-URL rule", () => {
  it("names one server by its base URL, with or without a trailing / or /v1", () => {
    for (const url of [
      "http://gpu-box:8000",
      "http://gpu-box:8000/",
      "http://gpu-box:8000/v1",
      "http://gpu-box:8000/v1/",
    ])
      expect(trimBaseUrl(url)).toBe("http://gpu-box:8000");
    expect(trimBaseUrl("https://proxy.example/llm/v1")).toBe("https://proxy.example/llm");
    // only a trailing /v1 is the API prefix
    expect(trimBaseUrl("http://h:8000/v1/models")).toBe("http://h:8000/v1/models");
  });

  it("stores base URLs without credentials", () => {
    expect(baseUrl("http://user:secret@gpu-box:8000/v1/")).toBe("http://gpu-box:8000");
    expect(baseUrl("http://gpu-box:8000")).toBe("http://gpu-box:8000");
    expect(() => baseUrl("not a url")).toThrow();
  });

  it("joins a route to the base", () => {
    expect(serverUrl("http://h:8000/v1", "/metrics")).toBe("http://h:8000/metrics");
    expect(serverUrl("http://h:8000/", "/v1/models")).toBe("http://h:8000/v1/models");
  });
});
