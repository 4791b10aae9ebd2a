// Number formatting shared by the pages: null, undefined and non-finite values show as "—".

const DASH = "—";

function finite(x) {
  return typeof x === "number" && Number.isFinite(x);
}

export function formatNumber(x, digits = 1) {
  return finite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: digits }) : DASH;
}

export function formatPercent(fraction) {
  return finite(fraction) ? `${(fraction * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })}%` : DASH;
}

export function formatMs(ms) {
  if (!finite(ms)) return DASH;
  return ms >= 1000 ? `${formatNumber(ms / 1000, 2)} s` : `${formatNumber(ms, ms < 10 ? 2 : 0)} ms`;
}

export function formatDuration(seconds) {
  if (!finite(seconds)) return DASH;
  if (seconds < 120) return `${formatNumber(seconds, 1)} s`;
  if (seconds < 7200) return `${formatNumber(seconds / 60, 1)} min`;
  return `${formatNumber(seconds / 3600, 1)} h`;
}

/** The completion-to-prompt token ratio as "1 : r" (input : output). */
export function formatRatio(outputPerInput) {
  return finite(outputPerInput) ? `1 : ${formatNumber(outputPerInput, 2)}` : DASH;
}

/** Dollars: cents below $100, whole dollars above. */
export function formatMoney(dollars) {
  if (!finite(dollars)) return DASH;
  return `$${dollars.toLocaleString("en-US", { minimumFractionDigits: dollars < 100 ? 2 : 0, maximumFractionDigits: dollars < 1 ? 4 : dollars < 100 ? 2 : 0 })}`;
}
