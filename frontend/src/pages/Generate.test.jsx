import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, expect, test, vi } from 'vitest';

import Generate from './Generate.jsx';

afterEach(() => vi.restoreAllMocks());

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function show(generate) {
  globalThis.fetch = vi.fn(async (url, init) => {
    if (url === '/api/songs') return json(200, { count: 1, results: [{ id: 'songs/demo.wav', title: 'Demo', duration: 60, bpm: 128 }] });
    if (url === '/api/choreography/generate') return generate(init);
    return json(404, { message: 'Not found.', code: 'not_found', fields: {} });
  });
  render(
    <MemoryRouter initialEntries={['/generate']}>
      <Routes>
        <Route path="/generate" element={<Generate />} />
        <Route path="/tasks/:id" element={<h1>Progress page</h1>} />
      </Routes>
    </MemoryRouter>,
  );
}

test('a double click sends one request with an Idempotency-Key and opens the progress page', async () => {
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  show(async () => {
    await gate;
    return json(202, { task_id: 'abc', status: 'pending', message: 'Queued', poll_url: '/api/choreography/tasks/abc' });
  });
  const user = userEvent.setup();
  await user.selectOptions(await screen.findByLabelText('Song'), 'songs/demo.wav');
  const button = screen.getByRole('button', { name: 'Generate choreography' });
  await user.dblClick(button);
  release();
  expect(await screen.findByRole('heading', { name: 'Progress page' })).toBeInTheDocument();
  const posts = globalThis.fetch.mock.calls.filter(([url]) => url === '/api/choreography/generate');
  expect(posts).toHaveLength(1);
  expect(posts[0][1].headers['Idempotency-Key']).toMatch(/.{8,}/);
  expect(JSON.parse(posts[0][1].body)).toMatchObject({ song_id: 'songs/demo.wav', difficulty: 'intermediate' });
});

test("without a song the API's words appear on the song field and in the summary", async () => {
  const message = 'Choose exactly one song: a link, a library song or one of your uploads.';
  show(async () => json(400, { message: `Audio input: ${message}`, code: 'invalid', fields: { audio_input: [message] } }));
  const user = userEvent.setup();
  await screen.findByText('1 song in the library.');
  await user.click(screen.getByRole('button', { name: 'Generate choreography' }));
  expect(await screen.findByRole('alert')).toHaveTextContent(`Audio input: ${message}`);
  expect(screen.getByLabelText('Song')).toHaveAttribute('aria-invalid', 'true');
  expect(screen.getByLabelText('Song')).toHaveAccessibleDescription(new RegExp(message.replace(/[.:]/g, '.')));
});
