// Links to the downloads of an experiment's runs (each run's requests as Parquet and CSV, and its
// quality files when it was scored) and to the DuckDB database of all runs, from an experiment
// page. Empty when no run has stored rows.
import { html } from "htl";

export function DownloadLinks(runs, { publish }) {
  const stored = runs.filter((r) => r.downloads);
  if (stored.length === 0) return "";
  const file = (r, ext) => `../_file/data/downloads/${r.experimentId}/${r.runId}.${ext}`;
  return html`<p>
      Every request of each run, answers as published on this site (<b>${publish}</b>). The
      <a href="../_file/data/downloads/all-runs.duckdb" download>DuckDB database of all runs</a> has every run in one
      table (and their quality files in the tables <code>quality</code> and <code>pairwise</code>).
    </p>
    <ul>
      ${stored.map(
        (r) =>
          html`<li>
            <code>${r.runId}</code>: <a href=${file(r, "parquet")} download>Parquet</a> ·
            <a href=${file(r, "csv")} download>CSV</a>
            ${(r.qualityDownloads ?? []).map(
              (kind) =>
                html` ·
                  <a href=${`../_file/data/downloads/${r.experimentId}/${kind}/${r.runId}.parquet`} download
                    >${kind}.parquet</a
                  >`,
            )}
          </li>`,
      )}
    </ul>`;
}
