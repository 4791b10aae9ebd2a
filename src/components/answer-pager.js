// Pages through sample answers, ten at a time. Answers and prompt ids are untrusted model
// output: they are only ever inserted as text (htl interpolation), never parsed as HTML.
import { html } from "htl";
import { Pager } from "./pager.js";
import { Badge } from "./badge.js";
import { formatMs, formatNumber } from "./format.js";

export function AnswerPager(answers, { pageSize = 10 } = {}) {
  const list = html`<div class="answers-list"></div>`;
  const nav = Pager(answers.length, pageSize, "requests", (from, to) =>
    list.replaceChildren(...answers.slice(from, to).map(Answer)),
  );
  return html`<div class="answers">${nav}${list}</div>`;
}

function Answer(a) {
  const failed = a.status !== "ok";
  const text = failed ? (a.error_message ?? a.error_class ?? "(no error message)") : (a.answer ?? "(no answer text)");
  return html`<article class="answer">
    <div class="answer-meta">
      <span>request <b>#${a.request_index}</b></span>
      <span>prompt <b>${a.prompt_id}</b></span>
      <span
        >${Badge(a.status, { kind: failed ? "failed" : "fresh" })}${failed && a.error_class ? ` ${a.error_class}` : ""}</span
      >
      <span>finish <b>${a.finish_reason ?? "—"}</b></span>
      <span>tokens <b>${formatNumber(a.prompt_tokens, 0)} → ${formatNumber(a.completion_tokens, 0)}</b></span>
      <span>latency <b>${formatMs(a.e2e_ms)}</b></span>
    </div>
    <pre class=${failed ? "answer-text answer-text--error" : "answer-text"}>${text}</pre>
  </article>`;
}
