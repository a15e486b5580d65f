// The one API client: JSON over native fetch, the access token in memory only (never localStorage), the
// refresh token in the API's HttpOnly cookie. A 401 triggers one refresh and one retry; when that fails the
// app is told (onUnauthorized) and sends the user to log in, remembering the page they were on.
// Every word a user reads about a failure comes from the API's error shape {message, code, fields}.

const CLIENT_HEADER = { 'X-Bachata-Client': 'web' };
export const NETWORK_MESSAGE = 'We could not reach Bachata Buddy. Check your connection and try again.';

let accessToken = null;
let refreshing = null;
let unauthorizedHandler = () => {};

export class ApiError extends Error {
  constructor(message, { status = 0, code = 'network_error', fields = {} } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

export function setAccessToken(token) {
  accessToken = token || null;
}

export function hasAccessToken() {
  return accessToken !== null;
}

/** Called (once per failed refresh) when the session is gone; the app navigates to the login page. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

async function parse(response) {
  if (response.status === 204 || response.status === 304) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorFrom(response, data) {
  if (data && typeof data.message === 'string') {
    return new ApiError(data.message, { status: response.status, code: data.code, fields: data.fields });
  }
  return new ApiError(`The server answered ${response.status} ${response.statusText}`.trim(), {
    status: response.status,
    code: 'http_error',
  });
}

/**
 * One refresh at a time (React's strict mode and parallel 401s would otherwise race the rotating token).
 * Resolves to the JSON {access, refresh} or null when there is no session.
 */
export function refreshSession() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const response = await fetch('/api/auth/refresh', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', ...CLIENT_HEADER },
          body: '{}',
        });
        const data = await parse(response);
        if (!response.ok || !data?.access) {
          accessToken = null;
          return null;
        }
        accessToken = data.access;
        return data;
      } catch {
        return null;
      }
    })();
    refreshing.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

function buildInit({ method, body, headers, signal }) {
  const init = { method, signal, credentials: 'same-origin', headers: { ...CLIENT_HEADER, ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (accessToken) init.headers.Authorization = `Bearer ${accessToken}`;
  return init;
}

/**
 * request('/api/collections', {method, body, headers, signal}) → {data, status, headers}
 * Throws ApiError (status 0 for network failures). 304 answers resolve with data null.
 */
export async function request(path, { method = 'GET', body, headers = {}, signal, retry = true } = {}) {
  let response;
  try {
    response = await fetch(path, buildInit({ method, body, headers, signal }));
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(NETWORK_MESSAGE);
  }
  if (response.status === 401 && retry && !path.startsWith('/api/auth/')) {
    const hadSession = accessToken !== null;
    const refreshed = await refreshSession();
    if (refreshed) return request(path, { method, body, headers, signal, retry: false });
    if (hadSession || accessToken === null) unauthorizedHandler();
  }
  const data = await parse(response);
  if (!response.ok && response.status !== 304) throw errorFrom(response, data);
  return { data, status: response.status, headers: response.headers };
}

/** GET returning just the body. */
export async function getJson(path, options) {
  return (await request(path, options)).data;
}

/**
 * A multipart upload with progress (fetch cannot report upload progress; XMLHttpRequest can).
 * onProgress receives a fraction 0..1. Resolves to the JSON body; rejects with ApiError.
 */
export function upload(path, formData, { onProgress, signal } = {}) {
  const send = () =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      xhr.setRequestHeader('X-Bachata-Client', 'web');
      if (accessToken) xhr.setRequestHeader('Authorization', `Bearer ${accessToken}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          data = null;
        }
        resolve({ status: xhr.status, statusText: xhr.statusText, data });
      };
      xhr.onerror = () => reject(new ApiError(NETWORK_MESSAGE));
      xhr.onabort = () => reject(new DOMException('Aborted', 'AbortError'));
      signal?.addEventListener('abort', () => xhr.abort());
      xhr.send(formData);
    });
  return (async () => {
    let answer = await send();
    if (answer.status === 401 && (await refreshSession())) answer = await send();
    if (answer.status >= 200 && answer.status < 300) return answer.data;
    if (answer.status === 401) unauthorizedHandler();
    throw errorFrom({ status: answer.status, statusText: answer.statusText }, answer.data);
  })();
}

/** Logs in or registers; keeps the access token; resolves to the API's {access, refresh, user}. */
export async function authenticate(kind, body) {
  const { data } = await request(`/api/auth/${kind}`, { method: 'POST', body, retry: false });
  accessToken = data.access;
  return data;
}

/** Ends the session on the server (blacklists the cookie's refresh token) and forgets the access token. */
export async function logout() {
  try {
    await request('/api/auth/logout', { method: 'POST', body: {}, retry: false });
  } finally {
    accessToken = null;
  }
}

/** A fresh key per intended action: the same key on a retry of that action makes the API return one task. */
export function idempotencyKey() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
