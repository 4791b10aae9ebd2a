// Links to the downloads of an experiment's runs (each run's requests as Parquet, as CSV when it
// has at most `csvRowLimit` rows, and its quality files when it was scored) and to the DuckDB
// database of all runs, from an experiment page. A run over the limit says so, with its row count
// and the command that writes its CSV. Empty when no run has stored rows.
import { html } from "htl";
import { formatNumber } from "./format.js";

export function DownloadLinks(runs, { publish, csvRowLimit }) {
  const stored = runs.filter((r) => r.downloads);
  if (stored.length === 0) return "";
  const file = (r, ext) => `../_file/data/downloads/${r.experimentId}/${r.runId}.${ext}`;
  const count = (n) => formatNumber(n, 0);
  const large = stored.filter((r) => !r.csv);
  return html`<p>
      Every request of each run, answers as published on this site (<b>${publish}</b>). The
      <a href="../_file/data/downloads/all-runs.duckdb" download>DuckDB database of all runs</a> has every run in one
      table (and their quality files in the tables <code>quality</code> and <code>pairwise</code>).
      ${
        large.length
          ? html`The site has a CSV file of a run of up to ${count(csvRowLimit)} rows; a larger run's rows are in its
              Parquet file (typed, and far smaller than a CSV: DuckDB, pandas or Polars read it), and
              <code>npx tracker export csv</code> writes its CSV, answers published as here.`
          : ""
      }
    </p>
    <ul>
      ${stored.map(
        (r) =>
          html`<li>
            <code>${r.runId}</code>: <a href=${file(r, "parquet")} download>Parquet</a>
            ${r.csv ? html` · <a href=${file(r, "csv")} download>CSV</a>` : ""}
            ${(r.qualityDownloads ?? []).map(
              (kind) =>
                html` ·
                  <a href=${`../_file/data/downloads/${r.experimentId}/${kind}/${r.runId}.parquet`} download
                    >${kind}.parquet</a
                  >`,
            )}
            ${
              r.csv
                ? ""
                : html`<br />${count(r.rows)} rows, more than the ${count(csvRowLimit)} of a CSV download. Its CSV:
                    <code>npx tracker export csv ${r.experimentId} --run ${r.runId} --out ${r.runId}.csv</code>`
            }
          </li>`,
      )}
    </ul>`;
}
