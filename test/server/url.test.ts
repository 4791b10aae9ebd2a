import { describe, expect, it } from "vitest";
import { baseUrl, serverUrl, trimBaseUrl } from "../../data-loaders/server/url.ts";

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
