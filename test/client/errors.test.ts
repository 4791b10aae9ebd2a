import { describe, expect, it, test } from "vitest";
import { errors as undiciErrors } from "undici";
import {
  classifyHttpStatus,
  classifyNetworkError,
  errorInfoOf,
  httpErrorMessage,
  isContextOverflow,
  overflowNumbers,
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
    expect(overflowNumbers(info.message)).toEqual({ limit: 4096, requested: 5016, prompt: 5000, completion: 16 });
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

// Context-overflow wordings of vLLM's releases, each as vLLM's format string fills it in (the
// current renderers: `vllm/renderers/params.py`; ≈0.11: the serving engine's input validation),
// plus the real legacy log line. Classified by `param` or by the wording, numbers kept.
const nested = (message: string, param: string | null) =>
  JSON.stringify({ error: { message, type: "BadRequestError", param, code: 400 } });

describe("context overflow", () => {
  test.each([
    [
      "current renderers, token check (param input_tokens)",
      nested(
        "You passed 5000 input tokens and requested 16 output tokens. However, the model's context length is only 4096 tokens, resulting in a maximum input length of 4080 tokens. Please reduce the length of the input prompt.",
        "input_tokens",
      ),
      { limit: 4096, requested: 5016, prompt: 5000, completion: 16 },
    ],
    [
      "current renderers, text check before tokenization (param input_text): the prompt is in characters",
      nested(
        "You passed 20000 input characters and requested 16 output tokens. However, the model's context length is only 4096 tokens, resulting in a maximum input length of 4080 tokens (at most 16320 characters). Please reduce the length of the input prompt.",
        "input_text",
      ),
      { limit: 4096, requested: null, prompt: null, completion: 16 },
    ],
    [
      "2026 wording with 'at least' (the tokenizer truncated at max + 1)",
      nested(
        "This model's maximum context length is 4096 tokens. However, you requested 16 output tokens and your prompt contains at least 4081 input tokens, for a total of at least 4097 tokens. Please reduce the length of the input prompt or the number of requested output tokens.",
        "input_tokens",
      ),
      { limit: 4096, requested: 4097, prompt: 4081, completion: 16 },
    ],
    [
      "≤ 0.10, legacy flat shape (a real benchmark log)",
      '{"object":"error","message":"This model\'s maximum context length is 512 tokens. However, you requested 806 tokens (678 in the messages, 128 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}',
      { limit: 512, requested: 806, prompt: 678, completion: 128 },
    ],
    [
      "≈ 0.11, output limit too large for the prompt",
      nested(
        "'max_tokens' or 'max_completion_tokens' is too large: 1000. This model's maximum context length is 1024 tokens and your request has 503 input tokens (1000 > 1024 - 503).",
        null,
      ),
      { limit: 1024, requested: 1503, prompt: 503, completion: 1000 },
    ],
    [
      "≈ 0.11, no output limit requested",
      nested(
        "This model's maximum context length is 1024 tokens. However, your request has 2000 input tokens. Please reduce the length of the input messages.",
        null,
      ),
      { limit: 1024, requested: null, prompt: 2000, completion: null },
    ],
    [
      "a wording not seen before, classified by its param alone",
      nested("Prompt too long for this deployment.", "input_tokens"),
      { limit: null, requested: null, prompt: null, completion: null },
    ],
  ])("%s", (_name, body, numbers) => {
    const info = parseErrorBody(body);
    expect(isContextOverflow(400, info)).toBe(true);
    expect(classifyHttpStatus(400, info)).toBe("context_length");
    expect(retryable(classifyHttpStatus(400, info))).toBe(false);
    expect(overflowNumbers(info.message)).toEqual(numbers);
  });

  test("other 400s and other statuses are not overflows", () => {
    const toolChoice = parseErrorBody(fixtureText("error-400-tool-choice-legacy-0.9.2.json"));
    expect(isContextOverflow(400, toolChoice)).toBe(false);
    const otherParam = parseErrorBody(nested("top_p must be in (0, 1], got 0.0.", "top_p"));
    expect(classifyHttpStatus(400, otherParam)).toBe("http_4xx");
    // The same words under another status are the server's trouble, not the prompt's length.
    const wording = parseErrorBody(fixtureText("error-400-current.json"));
    expect(classifyHttpStatus(500, wording)).toBe("http_5xx");
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
