import { afterEach, beforeEach, expect, test, vi } from 'vitest';

import { ApiError, NETWORK_MESSAGE, authenticate, hasAccessToken, onUnauthorized, request, setAccessToken } from './api.js';

function reply(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

let calls;
function serve(...answers) {
  calls = [];
  globalThis.fetch = vi.fn(async (url, init) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return next;
  });
}

beforeEach(() => {
  setAccessToken(null);
  onUnauthorized(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  localStorage.clear();
});

test('sends JSON with the in-memory access token and the app header, and never stores the token', async () => {
  serve(reply(200, { access: 'A1', refresh: 'R1', user: { username: 'lucia' } }), reply(200, { ok: true }));
  await authenticate('login', { username: 'lucia', password: 'x' });
  const { data } = await request('/api/collections', { method: 'POST', body: { title: 'T' } });
  expect(data).toEqual({ ok: true });
  expect(calls[1].init.headers.Authorization).toBe('Bearer A1');
  expect(calls[1].init.headers['Content-Type']).toBe('application/json');
  expect(calls[1].init.headers['X-Bachata-Client']).toBe('web');
  expect(calls[1].init.body).toBe('{"title":"T"}');
  expect(localStorage.length).toBe(0);
  expect(sessionStorage.length).toBe(0);
});

test('on a 401 it refreshes once (from the cookie) and retries with the new token', async () => {
  setAccessToken('OLD');
  serve(reply(401, { message: 'expired', code: 'token_not_valid', fields: {} }), reply(200, { access: 'NEW', refresh: 'R2' }), reply(200, { n: 1 }));
  const { data } = await request('/api/collections');
  expect(data).toEqual({ n: 1 });
  expect(calls.map((c) => c.url)).toEqual(['/api/collections', '/api/auth/refresh', '/api/collections']);
  expect(calls[1].init.body).toBe('{}');
  expect(calls[2].init.headers.Authorization).toBe('Bearer NEW');
});

test('when the refresh fails too, the app is sent to log in, once, and the error is the API message', async () => {
  setAccessToken('OLD');
  const unauthorized = vi.fn();
  onUnauthorized(unauthorized);
  serve(
    reply(401, { message: 'Given token not valid for any token type', code: 'token_not_valid', fields: {} }),
    reply(401, { message: 'Token is blacklisted', code: 'token_not_valid', fields: {} }),
  );
  const failure = await request('/api/collections').catch((e) => e);
  expect(failure).toBeInstanceOf(ApiError);
  expect(failure.message).toBe('Given token not valid for any token type');
  expect(unauthorized).toHaveBeenCalledTimes(1);
  expect(calls).toHaveLength(2);
  expect(hasAccessToken()).toBe(false);
});

test("maps the API's error shape: message, code and fields", async () => {
  serve(reply(400, { message: 'Username: That username is taken.', code: 'username_taken', fields: { username: ['That username is taken.'] } }));
  const failure = await request('/api/auth/register', { method: 'POST', body: {} }).catch((e) => e);
  expect(failure.status).toBe(400);
  expect(failure.code).toBe('username_taken');
  expect(failure.message).toBe('Username: That username is taken.');
  expect(failure.fields).toEqual({ username: ['That username is taken.'] });
});

test('a network failure becomes a readable error, and a 304 resolves with no body', async () => {
  serve(new TypeError('Failed to fetch'), reply(304));
  const failure = await request('/api/songs').catch((e) => e);
  expect(failure.message).toBe(NETWORK_MESSAGE);
  const answer = await request('/api/choreography/tasks/x', { headers: { 'If-None-Match': '"v1"' } });
  expect(answer.status).toBe(304);
  expect(answer.data).toBeNull();
  expect(calls[1].init.headers['If-None-Match']).toBe('"v1"');
});
