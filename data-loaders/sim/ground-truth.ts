// Server-side ground truth per request (keyed by X-Request-Id), for checking what a client
// measures. Times are ms on this process's performance.now() clock.
export interface GroundTruthRecord {
  requestId: string;
  /** When the request body had been read and the request was accepted. */
  arrivalMs: number;
  /** When each generated token was written (the engine step's end; later if a stall held it). */
  tokenMs: number[];
  firstTokenMs: number | null;
  /** Streaming: when the first token's event (chat: the role chunk) went to the socket (after Node's cork/uncork). */
  firstWriteMs: number | null;
  /** When the response was completed, reset or failed. */
  endMs: number | null;
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
  /** HTTP status sent (null when the connection was reset before a response). */
  httpStatus: number | null;
}

export class GroundTruth {
  private readonly records = new Map<string, GroundTruthRecord>();

  constructor(private readonly enabled: boolean) {}

  start(requestId: string, arrivalMs: number, promptTokens: number): GroundTruthRecord {
    const record: GroundTruthRecord = {
      requestId,
      arrivalMs,
      tokenMs: [],
      firstTokenMs: null,
      firstWriteMs: null,
      endMs: null,
      finishReason: null,
      promptTokens,
      completionTokens: 0,
      httpStatus: null,
    };
    if (this.enabled) this.records.set(requestId, record);
    return record;
  }

  all(): GroundTruthRecord[] {
    return [...this.records.values()];
  }
}
