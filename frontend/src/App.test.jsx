import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, vi } from 'vitest';

import App from './App.jsx';

afterEach(() => vi.restoreAllMocks());

function api(routes) {
  globalThis.fetch = vi.fn(async (url) => {
    const answer = routes[url];
    return new Response(JSON.stringify(answer?.[1] ?? { message: 'Not found.', code: 'not_found', fields: {} }), {
      status: answer?.[0] ?? 404,
      headers: { 'Content-Type': 'application/json' },
    });
  });
}

test('without a session the home page invites to generate, and a private page sends to log in', async () => {
  api({ '/api/auth/refresh': [401, { message: 'No session', code: 'not_authenticated', fields: {} }] });
  render(
    <MemoryRouter initialEntries={['/collections']}>
      <App />
    </MemoryRouter>,
  );
  expect(await screen.findByRole('heading', { level: 1, name: 'Log in' })).toBeInTheDocument();
  expect(screen.getByRole('link', { name: 'Register' })).toBeInTheDocument();
});

test('a restored session (one refresh call) shows the user their home and the logout button', async () => {
  api({
    '/api/auth/refresh': [200, { access: 'A', refresh: 'R' }],
    '/api/auth/me': [200, { username: 'lucia', display_name: 'Lucía', preferences: {} }],
    '/api/collections?ordering=-created_at': [200, { count: 0, results: [] }],
  });
  render(
    <MemoryRouter initialEntries={['/']}>
      <App />
    </MemoryRouter>,
  );
  expect(await screen.findByRole('heading', { level: 1, name: 'Welcome back, Lucía' })).toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Log out' })).toBeInTheDocument();
  expect(await screen.findByText(/Nothing saved yet/)).toBeInTheDocument();
  expect(globalThis.fetch.mock.calls.filter(([url]) => url === '/api/auth/refresh')).toHaveLength(1);
});

test('an unknown address shows the not-found page', async () => {
  api({ '/api/auth/refresh': [401, { message: 'x', code: 'x', fields: {} }] });
  render(
    <MemoryRouter initialEntries={['/nowhere']}>
      <App />
    </MemoryRouter>,
  );
  expect(await screen.findByRole('heading', { level: 1, name: 'Page not found' })).toBeInTheDocument();
});
