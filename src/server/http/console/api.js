// api.js — the one way the console and the portal talk to the server.
//
// Owns: the base path `/api/v1`, the bearer token (kept in sessionStorage
// under `chainplan.token`, so it dies with the tab), turning problem bodies
// into errors that carry `status`, `code`, `detail` and `errors[]`, and
// reading `text/event-stream` answers with fetch (EventSource cannot send
// an Authorization header).

export const BASE = '/api/v1';
const TOKEN_KEY = 'chainplan.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
  const t = (token || '').trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An answer the server refused, read from its problem body (RFC 9457). */
export class ApiError extends Error {
  constructor(problem) {
    const p = problem || {};
    super(p.detail || p.title || 'request failed');
    this.name = 'ApiError';
    this.status = p.status ?? 0;
    this.code = p.code || '';
    this.title = p.title || '';
    this.detail = p.detail || '';
    this.errors = Array.isArray(p.errors) ? p.errors : [];
  }

  /** One line for people: "Bad Request (INVALID_ARGUMENT): detail". */
  summary() {
    const head = [this.title, this.code && `(${this.code})`].filter(Boolean).join(' ');
    return head ? `${head}: ${this.detail || this.message}` : this.detail || this.message;
  }
}

function headers(hasBody) {
  const h = { Accept: 'application/json' };
  if (hasBody) h['Content-Type'] = 'application/json';
  const token = getToken();
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

// Any refusal becomes an ApiError; a body that is not a problem document
// (a proxy's HTML page, say) still gives its status and text.
async function problemOf(response) {
  const text = await response.text().catch(() => '');
  let problem = null;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = null;
  }
  if (!problem || typeof problem !== 'object') {
    problem = { status: response.status, title: response.statusText, detail: text.slice(0, 300) };
  }
  problem.status = problem.status ?? response.status;
  // Lets a page ask for a token wherever the refusal happened.
  if (response.status === 401) window.dispatchEvent(new CustomEvent('chainplan:unauthorized'));
  return new ApiError(problem);
}

// A connection that never got an answer: status 0, so callers can tell it
// from a refusal.
function unreachable(err) {
  return new ApiError({ status: 0, title: 'No answer', code: 'UNAVAILABLE', detail: String(err && err.message || err) });
}

/**
 * Calls the JSON API: `api('GET', '/networks')`, `api('POST', path, body)`.
 * Returns the parsed JSON answer ({} for an empty one); throws ApiError.
 */
export async function api(method, path, body, { signal } = {}) {
  const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers: headers(hasBody),
      body: hasBody ? JSON.stringify(body) : undefined,
      signal,
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw unreachable(err);
  }
  if (!response.ok) throw await problemOf(response);
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body = {}, opts) => api('POST', path, body, opts);
export const put = (path, body = {}, opts) => api('PUT', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

/** A path segment, escaped: ids may hold characters that mean something in a URL. */
export const seg = (id) => encodeURIComponent(String(id));

/**
 * Reads an event stream: `sse(path, {method, body}, onEvent)`.
 *
 * `onEvent(eventName, data)` is called with each event's name (`message`,
 * `error`, …) and its data parsed as JSON. A refusal before the stream
 * starts arrives as `error` with the problem body (as an ApiError). Two
 * events come from here rather than the server: `open` once the server
 * accepted the stream (a quiet stream is then known to be alive), and
 * `end` once when it ends, whatever ended it but the caller's abort.
 * With `idleMs`, a stream that sends nothing at all for that long (the
 * server's keep-alive comments count) is taken for dead: `error`, then
 * `end`, so the caller can reconnect instead of waiting forever on a
 * connection that a sleeping laptop or a dropped route left hanging.
 * Returns a function that aborts the stream.
 */
export function sse(path, { method = 'GET', body, idleMs = 0 } = {}, onEvent) {
  const controller = new AbortController();
  let ended = false;
  let idle = false;
  let idleTimer = null;
  const watch = () => {
    if (!idleMs) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idle = true;
      controller.abort();
    }, idleMs);
  };
  const finish = () => {
    clearTimeout(idleTimer);
    if (!ended && (!controller.signal.aborted || idle)) {
      ended = true;
      onEvent('end', null);
    }
  };

  (async () => {
    const hasBody = body !== undefined && method !== 'GET';
    let response;
    try {
      response = await fetch(BASE + path, {
        method,
        headers: { ...headers(hasBody), Accept: 'text/event-stream' },
        body: hasBody ? JSON.stringify(body) : undefined,
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch (err) {
      if (!controller.signal.aborted) onEvent('error', unreachable(err));
      finish();
      return;
    }
    if (!response.ok) {
      const err = await problemOf(response);
      onEvent('error', err);
      finish();
      return;
    }

    onEvent('open', null);
    watch();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        watch();
        buffer += decoder.decode(value, { stream: true });
        // Events end with a blank line; keep the unfinished tail.
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop();
        for (const block of blocks) dispatch(block, onEvent);
      }
      buffer += decoder.decode();
      if (buffer.trim()) dispatch(buffer, onEvent);
    } catch (err) {
      if (idle) onEvent('error', unreachable(new Error(`no data for ${Math.round(idleMs / 1000)} s`)));
      else if (!controller.signal.aborted) onEvent('error', unreachable(err));
    }
    finish();
  })();

  return () => controller.abort();
}

// One event block: `event:` names it (default `message`), `data:` lines
// join with newlines; comments (`:`) keep the connection alive and are
// dropped.
function dispatch(block, onEvent) {
  let name = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  if (!data.length) return;
  let parsed;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    parsed = data.join('\n');
  }
  // An `error` event carries a problem body: hand it over as an ApiError
  // like every other refusal.
  if (name === 'error') parsed = new ApiError(parsed);
  onEvent(name, parsed);
}

/** An id for a retry-safe request (publish), also where crypto.randomUUID is missing. */
export function requestId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A 64-bit integer of the JSON mapping (a string) as a number; absent is 0. */
export const int = (v) => (v === undefined || v === null || v === '' ? 0 : Number(v));

/**
 * A double of the JSON mapping: a number, or "Infinity"/"-Infinity"/"NaN"
 * as strings; absent is `fallback`.
 */
export function num(v, fallback = 0) {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  const n = Number(v);
  return Number.isNaN(n) && v !== 'NaN' ? fallback : n;
}

/** Who the token is; {role:'none'} when the server wants a token and has none. */
export async function session() {
  try {
    return await get('/session');
  } catch (err) {
    if (err.status === 401) return { role: 'none', error: err };
    throw err;
  }
}
