import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, expect, test, vi } from 'vitest';

import Login from './Login.jsx';

afterEach(() => vi.restoreAllMocks());

function show(status, body) {
  globalThis.fetch = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
  const onSignedIn = vi.fn();
  render(
    <MemoryRouter initialEntries={['/login?next=%2Fcollections']}>
      <Routes>
        <Route path="/login" element={<Login user={null} onSignedIn={onSignedIn} />} />
        <Route path="/collections" element={<h1>Collections page</h1>} />
      </Routes>
    </MemoryRouter>,
  );
  return onSignedIn;
}

async function logIn() {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Username or email'), 'lucia@example.com');
  await user.type(screen.getByLabelText('Password'), 'wrong');
  await user.click(screen.getByRole('button', { name: 'Log in' }));
}

test('the lockout is shown in the words of the API', async () => {
  const message = 'Too many failed logins. This account is locked; try again in 15 minute(s).';
  show(429, { message, code: 'account_locked', fields: {} });
  await logIn();
  expect(await screen.findByRole('alert')).toHaveTextContent(message);
});

test('after logging in the user is back where they were going', async () => {
  const onSignedIn = show(200, { access: 'A', refresh: 'R', user: { username: 'lucia' } });
  await logIn();
  expect(await screen.findByRole('heading', { name: 'Collections page' })).toBeInTheDocument();
  expect(onSignedIn).toHaveBeenCalledWith({ username: 'lucia' });
  expect(JSON.parse(globalThis.fetch.mock.calls[0][1].body)).toEqual({ username: 'lucia@example.com', password: 'wrong' });
});
