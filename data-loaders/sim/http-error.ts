// A request the simulator answers with an error status and vLLM's error body (chunks.ts
// `errorBody`): thrown by the handlers, written by the router (routes.ts).
import { errorBody } from "./chunks.ts";

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

export const badRequest = (message: string, param: string | null = null): HttpError =>
  new HttpError(400, errorBody(400, message, param));
