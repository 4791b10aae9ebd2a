// The one base-URL rule: a server is named by its base URL without a trailing `/` or `/v1`
// (`http://gpu-box:8000`, `http://gpu-box:8000/` and `http://gpu-box:8000/v1` are one server), and
// every route is that base plus the route's own path (`/v1/chat/completions`, `/health`, `/metrics`).

/** `url` without a trailing `/` or `/v1` (no parsing: cheap enough for every request). */
export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** The base URL stored for a server: credentials stripped, no trailing `/` or `/v1`. Throws on a malformed URL. */
export function baseUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return trimBaseUrl(u.href);
}

/** `<base><path>` for a base URL given with or without a trailing `/` or `/v1`; `path` starts with `/`. */
export function serverUrl(endpoint: string, path: string): string {
  return `${trimBaseUrl(endpoint)}${path}`;
}
