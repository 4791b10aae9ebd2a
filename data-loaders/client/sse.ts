// Incremental Server-Sent Events decoder for OpenAI-compatible streams.
//
// Feed it the response body in chunks of any size (`push`); it returns the `data:` payload of
// every event completed by that chunk. Bytes are decoded with a streaming TextDecoder, so a
// multi-byte UTF-8 character split across chunks is fine. Lines may end in `\n`, `\r\n` or `\r`
// (also when the `\r` and `\n` of one CRLF arrive in different chunks). Comment lines (`:`) and
// fields other than `data` are ignored; several `data:` lines of one event are joined with `\n`.
// `data: [DONE]` is not returned as a payload: it sets `done`, and later events are dropped.
//
// Cost is linear in the input: line terminators are found with a native regex search, and an
// incomplete line is kept as a list of pieces that is joined once, when the line completes.

const LINE_END = /\r\n|\r|\n/g;

export class SseDecoder {
  /** True once `data: [DONE]` was received. */
  done = false;
  private readonly decoder = new TextDecoder("utf-8");
  /** Pieces of the current, not yet terminated line. */
  private lineParts: string[] = [];
  /** `data` field values of the current event. */
  private dataLines: string[] = [];
  /** The previous chunk ended in `\r`: a `\n` at the start of the next one belongs to it. */
  private pendingCr = false;

  /** Decodes one chunk; returns the payloads of the events it completed. */
  push(chunk: Uint8Array): string[] {
    return this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /**
   * End of body: flushes the UTF-8 decoder and dispatches a last event that lacks its final
   * blank line (so a truncated payload still reaches the JSON parser and is reported there).
   */
  end(): string[] {
    const out = this.feed(this.decoder.decode());
    if (this.lineParts.length > 0) {
      this.line(this.lineParts.join(""), out);
      this.lineParts = [];
    }
    this.dispatch(out);
    return out;
  }

  private feed(text: string): string[] {
    const out: string[] = [];
    if (text === "") return out;
    let start = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.startsWith("\n")) start = 1;
    }
    LINE_END.lastIndex = start;
    let m: RegExpExecArray | null;
    while ((m = LINE_END.exec(text)) !== null) {
      let line = text.slice(start, m.index);
      if (this.lineParts.length > 0) {
        this.lineParts.push(line);
        line = this.lineParts.join("");
        this.lineParts = [];
      }
      this.line(line, out);
      start = m.index + m[0].length;
      // A lone `\r` at the very end may be the first half of a CRLF split across chunks.
      if (m[0] === "\r" && start === text.length) this.pendingCr = true;
    }
    if (start < text.length) this.lineParts.push(text.slice(start));
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ":" comment */) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== "data") return;
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* one optional space */) value = value.slice(1);
    this.dataLines.push(value);
  }

  private dispatch(out: string[]): void {
    if (this.dataLines.length === 0) return;
    const data = this.dataLines.length === 1 ? this.dataLines[0]! : this.dataLines.join("\n");
    this.dataLines = [];
    if (this.done) return;
    if (data === "[DONE]") this.done = true;
    else out.push(data);
  }
}
