import { describe, expect, it } from "vitest";
import { errors as undiciErrors } from "undici";
import {
  classifyHttpStatus,
  classifyNetworkError,
  errorInfoOf,
  httpErrorMessage,
  parseErrorBody,
  redact,
  retryable,
} from "../../data-loaders/client/errors.ts";
import { ERROR_CLASSES } from "../../data-loaders/store/schemas/request-row.ts";
import { fixtureText } from "./helpers.ts";

function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("error bodies (fixtures)", () => {
  it("error-400-current.json: nested shape, context overflow", () => {
    const info = parseErrorBody(fixtureText("error-400-current.json"));
    expect(info.type).toBe("BadRequestError");
    expect(info.param).toBe("input_tokens");
    expect(info.code).toBe(400);
    expect(info.message).toMatch(
      /^This model's maximum context length is 4096 tokens\. However, you requested 16 output tokens and your prompt contains 5000 input tokens/,
    );
    expect(classifyHttpStatus(400, info)).toBe("context_length");
    expect(httpErrorMessage(400, info)).toBe(info.message);
  });

  it("error-400-tool-choice-legacy-0.9.2.json: legacy flat shape, not a context overflow", () => {
    const info = parseErrorBody(fixtureText("error-400-tool-choice-legacy-0.9.2.json"));
    expect(info).toEqual({
      message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
      type: "BadRequestError",
      param: null,
      code: 400,
    });
    const cls = classifyHttpStatus(400, info);
    expect(cls).toBe("http_4xx");
    expect(retryable(cls)).toBe(false);
  });

  it("error-401-unauthorized.json: error is a string, class auth", () => {
    const info = parseErrorBody(fixtureText("error-401-unauthorized.json"));
    expect(info).toEqual({ message: "Unauthorized", type: null, param: null, code: null });
    expect(classifyHttpStatus(401, info)).toBe("auth");
  });
});

describe("HTTP status classes", () => {
  it("legacy flat context-length wording (from a public benchmark log) is context_length", () => {
    const body =
      '{"object":"error","message":"This model\'s maximum context length is 512 tokens. However, you requested 806 tokens (678 in the messages, 128 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}';
    expect(classifyHttpStatus(400, parseErrorBody(body))).toBe("context_length");
  });

  it("404 unknown model keeps the message; other 4xx and 5xx", () => {
    const info = parseErrorBody(
      '{"error":{"message":"The model `nope` does not exist.","type":"NotFoundError","param":"model","code":404}}',
    );
    expect(classifyHttpStatus(404, info)).toBe("http_4xx");
    expect(httpErrorMessage(404, info)).toBe("The model `nope` does not exist.");
    // The context-length wording only counts with HTTP 400.
    expect(classifyHttpStatus(422, { message: "maximum context length", type: null, param: null, code: null })).toBe(
      "http_4xx",
    );
    expect(
      classifyHttpStatus(
        500,
        parseErrorBody('{"error":{"message":"boom","type":"InternalServerError","param":null,"code":500}}'),
      ),
    ).toBe("http_5xx");
    expect(
      classifyHttpStatus(503, parseErrorBody('{"error":"The model is currently scaling. Please try again later."}')),
    ).toBe("http_5xx");
    expect(classifyHttpStatus(403, parseErrorBody(""))).toBe("auth");
  });

  it("non-JSON or empty bodies keep an excerpt or fall back to the status", () => {
    const html = parseErrorBody("<html><body>502 Bad Gateway</body></html>");
    expect(html.message).toBe("<html><body>502 Bad Gateway</body></html>");
    expect(httpErrorMessage(502, parseErrorBody(""))).toBe("HTTP 502");
    expect(parseErrorBody("x".repeat(5000)).message).toHaveLength(200);
  });

  it("errorInfoOf: only error objects are errors", () => {
    expect(errorInfoOf({ id: "chatcmpl-1", choices: [] })).toBeNull();
    expect(errorInfoOf(null)).toBeNull();
    expect(errorInfoOf({ error: { message: "m", type: "t", param: null, code: "c" } })).toEqual({
      message: "m",
      type: "t",
      param: null,
      code: "c",
    });
  });
});

describe("network error classes", () => {
  it("connect failures", () => {
    expect(classifyNetworkError(systemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")).errorClass).toBe(
      "connect",
    );
    expect(classifyNetworkError(systemError("ENOTFOUND", "getaddrinfo ENOTFOUND x.invalid")).errorClass).toBe(
      "connect",
    );
    expect(classifyNetworkError(new undiciErrors.ConnectTimeoutError()).errorClass).toBe("connect");
    // Happy-eyeballs connects fail with an AggregateError of per-address errors.
    const agg = new AggregateError([systemError("ECONNREFUSED"), systemError("ECONNREFUSED")], "");
    const failure = classifyNetworkError(agg);
    expect(failure.errorClass).toBe("connect");
    expect(failure.message).toContain("ECONNREFUSED");
  });

  it("resets", () => {
    expect(classifyNetworkError(systemError("ECONNRESET", "read ECONNRESET")).errorClass).toBe("reset");
    expect(classifyNetworkError(new undiciErrors.SocketError("other side closed")).errorClass).toBe("reset");
    // fetch-style wrapping: the cause carries the code.
    expect(
      classifyNetworkError(new TypeError("terminated", { cause: new undiciErrors.SocketError("other side closed") }))
        .errorClass,
    ).toBe("reset");
  });

  it("timeouts and aborts", () => {
    expect(classifyNetworkError(new undiciErrors.HeadersTimeoutError()).errorClass).toBe("timeout");
    expect(classifyNetworkError(new undiciErrors.BodyTimeoutError()).errorClass).toBe("timeout");
    expect(classifyNetworkError(new DOMException("timed out", "TimeoutError")).errorClass).toBe("timeout");
    expect(classifyNetworkError(new undiciErrors.RequestAbortedError()).errorClass).toBe("aborted");
    const controller = new AbortController();
    controller.abort();
    expect(classifyNetworkError(controller.signal.reason).errorClass).toBe("aborted");
  });
});

describe("retryable", () => {
  it("retries transient classes only", () => {
    const expected = new Set(["connect", "reset", "http_5xx", "in_band_error", "timeout"]);
    for (const c of ERROR_CLASSES) expect(retryable(c), c).toBe(expected.has(c));
  });
});

describe("redact", () => {
  it("removes the key and Authorization header values", () => {
    expect(redact("bad key sk-secret-123 given", "sk-secret-123")).toBe("bad key [redacted] given");
    expect(redact('headers {"authorization":"Bearer abc.def"}', undefined)).not.toContain("abc.def");
    expect(redact("Authorization: Bearer tok123", undefined)).toBe("Authorization: Bearer [redacted]");
    expect(redact("nothing here", "")).toBe("nothing here");
  });
});
