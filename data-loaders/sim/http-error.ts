// A request the simulator answers with an error status and vLLM's error body (chunks.ts
// `errorBody`): thrown by the handlers, written by the router (routes.ts). vLLM words a 400 in
// one of two ways, and the simulator keeps both:
//   * a check inside a handler (a VLLMValidationError reaching create_error_response, e.g. a
//     sampling parameter out of range): type "BadRequestError", `param` the parameter, and the
//     message is the exception's text, to which vLLMValidationError's str() adds
//     " (parameter=…, value=…)" for what it knows (`validationError`);
//   * a check of the request model while FastAPI reads the body (pydantic field errors and the
//     request's model validators, e.g. `stream_options` without `stream`): type "Bad Request"
//     (the HTTP reason phrase), `param` the offending field, and the message is FastAPI's
//     "N validation error(s):" list followed by the same list as Python prints it
//     (`requestValidationError`; FastAPI's endpoint context, which names the server's own source
//     file, is left out).
import { errorBody } from "./chunks.ts";
import { PyRaw, PyTuple, pyRepr, pyStr } from "./py-repr.ts";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(body);
  }
}

/** vLLM's message for a generation request once the engine died (also sent in-band on a stream). */
export const ENGINE_DEAD = "EngineCore encountered an issue. See stack trace (above) for the root cause.";

/** A plain 400 (create_error_response with a message, no parameter). */
export const badRequest = (message: string, param: string | null = null): HttpError =>
  new HttpError(400, errorBody(400, message, param));

/** A VLLMValidationError raised while the request is served: its str() names the parameter and value. */
export function validationError(message: string, param: string | null = null, value?: string): HttpError {
  const extras = [
    ...(param !== null ? [`parameter=${param}`] : []),
    ...(value !== undefined ? [`value=${value}`] : []),
  ];
  const text = extras.length > 0 ? `${message} (${extras.join(", ")})` : message;
  return new HttpError(400, errorBody(400, text, param));
}

/** One pydantic error as FastAPI lists it. */
export interface PydanticError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  /** A model validator's exception, printed as its repr. */
  ctx?: { error: string };
}

/** A pydantic field error, e.g. `fieldError("missing", ["messages"], "Field required", body)`. */
export function fieldError(type: string, loc: (string | number)[], msg: string, input: unknown): PydanticError {
  return { type, loc: ["body", ...loc], msg, input };
}

/** A model validator that raised VLLMValidationError(message, parameter=param). */
export function modelValidatorError(message: string, param: string | null, body: unknown): PydanticError {
  const suffix = param !== null ? ` (parameter=${param})` : "";
  return {
    type: "value_error",
    loc: ["body"],
    msg: `Value error, ${message}${suffix}`,
    input: body,
    ctx: { error: `VLLMValidationError(${pyStr(message)})` },
  };
}

function errorRepr(e: PydanticError): string {
  const fields: Record<string, unknown> = { type: e.type, loc: new PyTuple(e.loc), msg: e.msg, input: e.input };
  if (e.ctx) fields.ctx = { error: new PyRaw(e.ctx.error) };
  return pyRepr(fields);
}

/** FastAPI's RequestValidationError as vLLM's handler answers it. */
export function requestValidationError(errors: PydanticError[], param: string | null): HttpError {
  const reprs = errors.map(errorRepr);
  const count = `${errors.length} validation error${errors.length === 1 ? "" : "s"}:\n`;
  const message = `${count}${reprs.map((r) => `  ${r}\n`).join("")}`.trimEnd() + ` [${reprs.join(", ")}]`;
  return new HttpError(400, errorBody(400, message, param, "Bad Request"));
}

/** A request refused by one of the request model's validators. */
export function refusedByModel(message: string, param: string | null, body: unknown): HttpError {
  return requestValidationError([modelValidatorError(message, param, body)], param);
}
