// Server URLs: the one base-URL rule, what a server URL in an experiment file may hold, and the
// redaction of credentials wherever a URL is stored, logged or shown. A server is named by its
// base URL without a trailing `/` or `/v1` (`http://gpu-box:8000`, `http://gpu-box:8000/` and
// `http://gpu-box:8000/v1` are one server), and every route is that base plus the route's own path
// (`/v1/chat/completions`, `/health`, `/metrics`). Keys come from the environment variable named by
// `apiKeyEnv`; a URL never carries one.

/** Query parameters whose value is a secret (`?api_key=…`, `?token=…`, `?sig=…`). */
const SECRET_PARAM = /key|token|secret|passw|auth|sig|credential|session/i;

/** Paths of the endpoints the tracker calls itself: a server URL ending in one is not a base URL. */
const ENDPOINT_PATH =
  /(?:\/v1)?\/(?:chat\/completions|completions|models|embeddings|responses|tokenize|detokenize|health|metrics|version)\/*$/;

/** `url` without a trailing `/` or `/v1` (no parsing: cheap enough for every request). */
export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** The base URL stored for a server: credentials, query and fragment stripped, no trailing `/` or `/v1`. Throws on a malformed URL. */
export function baseUrl(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return trimBaseUrl(u.href);
}

/** `<base><path>` for a base URL given with or without a trailing `/` or `/v1`; `path` starts with `/`. */
export function serverUrl(endpoint: string, path: string): string {
  return `${trimBaseUrl(endpoint)}${path}`;
}

/**
 * Why `url` may not be a server URL in an experiment file, or null when it may. The reasons name
 * the fix and quote the URL only redacted.
 */
export function serverUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null; // the schema's own URL check reports it
  }
  if (u.username || u.password || [...u.searchParams.keys()].some((k) => SECRET_PARAM.test(k)))
    return (
      `credentials in the URL (${redactUrl(url)}): the URL is stored with the results and shown on the site. ` +
      "Put the key in an environment variable and name it in apiKeyEnv (it is sent as Authorization: Bearer)"
    );
  if (u.search || u.hash) return `a base URL has no ?query or #fragment (${redactUrl(url)})`;
  if (ENDPOINT_PATH.test(u.pathname)) {
    const base = new URL(u.href);
    base.pathname = u.pathname.replace(ENDPOINT_PATH, "") || "/";
    return (
      `${redactUrl(url)} is an endpoint, not the server's base URL: write "${baseUrl(base.href)}" ` +
      "(the tracker adds /v1/chat/completions, /v1/models, … itself)"
    );
  }
  return null;
}

/** `url` with its user name, password and secret-looking query values replaced by `***`. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (u.username || u.password) {
    u.username = "***";
    u.password = "";
    changed = true;
  }
  for (const key of [...new Set(u.searchParams.keys())]) {
    if (!SECRET_PARAM.test(key)) continue;
    u.searchParams.set(key, "***");
    changed = true;
  }
  return changed ? u.href : url;
}

/** A URL in running text: up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'`<>()[\]{}]+/gi;

/** `text` with every URL in it redacted (error messages, reasons, log lines). */
export function redactText(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}

/** A copy of a JSON value (a manifest, the experiment index) with every URL in its strings redacted. */
export function redactJson<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactJson(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactJson(v);
    return out as T;
  }
  return value;
}
