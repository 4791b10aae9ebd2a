// The request explorer: one dot per sampled request (an Arrow table from data/requests/<id>.arrow),
// latency (end-to-end or TTFT) against prompt tokens, completion tokens or send time, coloured by
// outcome; dragging a region lists its requests with the first bytes of their answers. Prompt ids,
// outcomes and answers are untrusted text: they are only ever set as textContent, never as HTML.
import * as Plot from "@observablehq/plot";
import * as d3 from "d3";
import { formatNumber } from "./format.js";

const X_AXES = [
  { key: "prompt_tokens", label: "prompt tokens" },
  { key: "completion_tokens", label: "completion tokens" },
  { key: "sent_s", label: "send time (s)" },
];
const Y_AXES = [
  { key: "e2e_ms", label: "end-to-end latency (ms)" },
  { key: "ttft_ms", label: "time to first token (ms)" },
];
const COLUMNS = ["request_index", "prompt_id", "outcome", "sent_s", "ttft_ms", "e2e_ms", "prompt_tokens"];
const OUTCOME_LABELS = { ok: "ok", length: "cut by length" };
/** Pixels between the plot's frame and its outermost dots: the brush covers them, so edge dots can be picked. */
const INSET = 8;
const ERROR_COLOURS = ["#ff725c", "#a463f2", "#9c6b4e", "#ff8ab7", "#6cc5b0", "#97bbf5", "#3ca951", "#9498a0"];

/** The explorer for `table`; `listed` caps the rows the brushed region lists. */
export function RequestExplorer(table, { width, height = 360, listed = 100 } = {}) {
  const rows = tableRows(table);
  const root = element("div", "request-explorer");
  if (rows.length === 0) {
    root.append(element("p", "sub", "No stored requests to explore."));
    return root;
  }
  const xSelect = select("x", X_AXES);
  const ySelect = select("y", Y_AXES);
  const legend = element("div", "request-explorer-legend");
  const chartBox = element("div", "request-explorer-chart");
  const listing = element("div", "request-explorer-listing");
  root.append(element("div", "request-explorer-controls"), legend, chartBox, listing);
  root.firstChild.append(ySelect.label, xSelect.label);
  const color = outcomeColours(rows);
  const draw = () => {
    const x = X_AXES.find((a) => a.key === xSelect.input.value);
    const y = Y_AXES.find((a) => a.key === ySelect.input.value);
    const shown = rows.filter((r) => r[x.key] != null && r[y.key] != null);
    const chart = Plot.plot({
      width,
      height,
      x: { label: `${x.label} →`, nice: true, inset: INSET },
      y: { label: `↑ ${y.label}`, grid: true, nice: true, inset: INSET },
      color,
      marks: [Plot.dot(shown, { x: x.key, y: y.key, fill: "outcome", r: 2.5, fillOpacity: 0.7 })],
    });
    legend.replaceChildren(chart.legend("color"));
    chartBox.replaceChildren(chart);
    addBrush(chart, shown, x.key, y.key, (picked) => list(listing, picked, y, listed));
    list(listing, null, y, listed);
  };
  xSelect.input.addEventListener("input", draw);
  ySelect.input.addEventListener("input", draw);
  draw();
  return root;
}

/** Rows as plain objects (the sample is bounded: a few thousand rows). */
function tableRows(table) {
  const columns = [...COLUMNS, "completion_tokens", "text"].map((name) => [name, table.getChild(name)]);
  return Array.from({ length: table.numRows }, (_, i) =>
    Object.fromEntries(columns.map(([n, c]) => [n, c?.get(i) ?? null])),
  );
}

/** ok and length-cut first, then the error classes, each with its own colour (legend drawn apart: the plot stays a bare SVG for the brush). */
function outcomeColours(rows) {
  const outcomes = new Set(rows.map((r) => r.outcome));
  const errors = [...outcomes].filter((o) => !(o in OUTCOME_LABELS)).sort();
  const domain = ["ok", "length"].filter((o) => outcomes.has(o)).concat(errors);
  const fixed = { ok: "#4269d0", length: "#efb118" };
  const range = domain.map((o) => fixed[o] ?? ERROR_COLOURS[errors.indexOf(o) % ERROR_COLOURS.length]);
  return { type: "ordinal", domain, range, tickFormat: (o) => OUTCOME_LABELS[o] ?? o };
}

/** A d3 brush over the plot's frame; `picked` gets the rows inside the region (null when cleared). */
function addBrush(chart, rows, xKey, yKey, picked) {
  const x = chart.scale("x");
  const y = chart.scale("y");
  const [left, right] = x.range;
  const [bottom, top] = y.range;
  const brush = d3
    .brush()
    .extent([
      [Math.min(left, right) - INSET, Math.min(top, bottom) - INSET],
      [Math.max(left, right) + INSET, Math.max(top, bottom) + INSET],
    ])
    .on("end", ({ selection }) => {
      if (!selection) return picked(null);
      const [[x0, y0], [x1, y1]] = selection;
      picked(
        rows.filter((r) => {
          const px = x.apply(r[xKey]);
          const py = y.apply(r[yKey]);
          return px >= x0 && px <= x1 && py >= y0 && py <= y1;
        }),
      );
    });
  d3.select(chart).append("g").attr("class", "request-explorer-brush").call(brush);
}

/** The table of brushed requests, by request index, at most `limit` rows. */
function list(listing, picked, y, limit) {
  if (picked === null) {
    listing.replaceChildren(element("p", "sub", "Drag over the chart to list the requests in a region."));
    return;
  }
  const sorted = [...picked].sort((a, b) => a.request_index - b.request_index);
  const shown = sorted.slice(0, limit);
  const more = sorted.length > shown.length ? `; the first ${formatNumber(limit, 0)} listed` : "";
  const note = element(
    "p",
    "request-explorer-count",
    `${formatNumber(sorted.length, 0)} requests in the region${more}.`,
  );
  const head = ["request", "prompt", "outcome", y.label, "tokens (prompt → completion)", "answer (first bytes)"];
  const tbody = element("tbody");
  for (const r of shown) {
    const tr = element("tr");
    const tokens = `${formatNumber(r.prompt_tokens, 0)} → ${formatNumber(r.completion_tokens, 0)}`;
    const cells = [`#${r.request_index}`, r.prompt_id, OUTCOME_LABELS[r.outcome] ?? r.outcome];
    for (const text of [...cells, formatNumber(r[y.key], 0), tokens]) tr.append(element("td", "", text));
    const answer = element("td");
    answer.append(element("pre", "request-explorer-answer", r.text ?? "(no text)"));
    tr.append(answer);
    tbody.append(tr);
  }
  const thead = element("thead");
  const headRow = element("tr");
  for (const text of head) headRow.append(element("th", "", text));
  thead.append(headRow);
  const tableEl = element("table", "request-explorer-table");
  tableEl.append(thead, tbody);
  const scroll = element("div", "table-scroll");
  scroll.append(tableEl);
  listing.replaceChildren(note, scroll);
}

/** A labelled <select> of `axes`. */
function select(name, axes) {
  const label = element("label", "request-explorer-select", `${name}: `);
  const input = element("select");
  input.name = name;
  for (const a of axes) {
    const option = element("option", "", a.label);
    option.value = a.key;
    input.append(option);
  }
  label.append(input);
  return { label, input };
}

/** An element with a class and text content (never HTML). */
function element(tag, className = "", text = null) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== null) el.textContent = String(text);
  return el;
}
