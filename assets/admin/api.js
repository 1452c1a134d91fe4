// The admin API over fetch: every call carries the operator's token; an
// answer that is not 2xx becomes an ApiError with the status and the API's
// own `{"error": …}` message. A 401 also tells the page (the token is no
// longer good: back to the login form).

export const API = '/admin/api/';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** What an error means to an operator, in one sentence. */
export function explain(err) {
  if (!(err instanceof ApiError)) return `the server did not answer (${err.message})`;
  switch (err.status) {
    case 401: return 'wrong token: the API refused it (401)';
    case 403: return 'this token is read-only: it may look but not act (403)';
    case 429: return 'too many failed logins from this address: wait a minute (429)';
    default: return `${err.message} (${err.status})`;
  }
}

/**
 * A client for `token`. `onUnauthorized(err)` runs on any 401.
 * `get(path)` and `post(path, body)` resolve with the parsed JSON answer.
 */
export function createApi(token, { onUnauthorized = () => {}, fetch = globalThis.fetch } = {}) {
  async function call(method, path, body) {
    const init = { method, headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page, say: reported as text below.
    }
    if (!response.ok) {
      const message = typeof json?.error === 'string' ? json.error : text.trim() || response.statusText;
      const err = new ApiError(response.status, message);
      if (response.status === 401) onUnauthorized(err);
      throw err;
    }
    return json;
  }
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
  };
}
