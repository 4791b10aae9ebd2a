// Server-sent events of a streamed completion, written in order: `data: …` events, the end of
// the response, or a connection reset (TCP RST) once everything before it reached the socket.
// An injected stall holds back everything written from its start until its end, the way a
// stalled engine does; releaseTime says when a held event actually leaves.
import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";

const RESET = Symbol("reset");

/** Writes SSE events, holding them back while a stall is in effect. */
export class EventWriter {
  private holdUntil = 0;
  /** Queued SSE text; null ends the response, RESET drops the connection. */
  private readonly queue: (string | null | typeof RESET)[] = [];
  private timer: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    private readonly res: ServerResponse,
    /** Called right after each event is written to the socket. */
    private readonly onWrite?: () => void,
  ) {}

  /** Holds everything written from now until `untilMs`. */
  stall(untilMs: number): void {
    this.holdUntil = Math.max(this.holdUntil, untilMs);
  }

  /** Time at which an event produced at `atMs` is actually written. */
  releaseTime(atMs: number): number {
    return Math.max(atMs, this.holdUntil);
  }

  event(data: string): void {
    this.push(`data: ${data}\n\n`);
  }

  end(): void {
    this.push(null);
  }

  /** Resets the connection (TCP RST) once everything written so far has reached the socket. */
  reset(): void {
    this.push(RESET);
  }

  private push(item: string | null | typeof RESET): void {
    if (this.closed) return;
    this.queue.push(item);
    this.flush();
  }

  private readonly flush = (): void => {
    this.timer = null;
    if (this.res.destroyed) {
      this.closed = true;
      return;
    }
    const wait = this.holdUntil - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(this.flush, wait);
      return;
    }
    while (this.queue.length > 0 && !this.closed) {
      const item = this.queue.shift()!;
      if (item === null) {
        this.closed = true;
        this.res.end();
      } else if (item === RESET) {
        this.closed = true;
        const socket = this.res.socket;
        socket?.write("", () => socket.resetAndDestroy());
      } else {
        this.res.write(item);
        this.onWrite?.();
      }
    }
  };
}
