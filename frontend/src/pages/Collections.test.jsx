import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, expect, test, vi } from 'vitest';

import Collections from './Collections.jsx';

afterEach(() => vi.restoreAllMocks());

const item = (n) => ({ id: `00000000-0000-0000-0000-00000000000${n}`, title: `Routine ${n}`, difficulty: 'beginner', duration: 95, created_at: '2026-11-30T10:00:00Z', thumbnail_url: null });

function json(status, body) {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function serve() {
  globalThis.fetch = vi.fn(async (url, init = {}) => {
    if (url === '/api/collections/stats') return json(200, { total_count: 2, total_duration: 190, avg_duration: 95, beginner_count: 2, intermediate_count: 0, advanced_count: 0 });
    if (url === '/api/collections/delete-all' && init.method === 'POST') return json(200, { deleted: 2 });
    if (url.startsWith('/api/collections?')) {
      const query = new URLSearchParams(url.split('?')[1]);
      const items = query.get('search') === 'nothing' ? [] : [item(1), item(2)];
      return json(200, { count: items.length, results: items });
    }
    return json(404, { message: 'Not found.', code: 'not_found', fields: {} });
  });
}

const listCalls = () => globalThis.fetch.mock.calls.map(([url]) => url).filter((url) => url.startsWith('/api/collections?'));

test('filter, sort and search go to the API as its parameters, and an empty result says so', async () => {
  serve();
  const user = userEvent.setup();
  render(
    <MemoryRouter initialEntries={['/collections']}>
      <Collections />
    </MemoryRouter>,
  );
  expect(await screen.findByRole('link', { name: 'Routine 1' })).toBeInTheDocument();
  expect(listCalls()[0]).toBe('/api/collections?ordering=-created_at&page=1');
  await user.selectOptions(screen.getByLabelText('Difficulty'), 'advanced');
  await user.selectOptions(screen.getByLabelText('Sort by'), 'title');
  await screen.findByText('2 choreographies match.');
  expect(listCalls().at(-1)).toBe('/api/collections?ordering=title&page=1&difficulty=advanced');
  await user.type(screen.getByLabelText('Search titles'), 'nothing{Enter}');
  expect(await screen.findByText('Nothing matches these filters.')).toBeInTheDocument();
  expect(listCalls().at(-1)).toContain('search=nothing');
});

test('deleting everything needs the typed confirmation', async () => {
  serve();
  const user = userEvent.setup();
  render(
    <MemoryRouter initialEntries={['/collections']}>
      <Collections />
    </MemoryRouter>,
  );
  await user.click(await screen.findByRole('button', { name: 'Delete all choreographies' }));
  const dialog = screen.getByRole('dialog', { name: 'Delete your whole collection?' });
  const confirm = within(dialog).getByRole('button', { name: 'Delete everything' });
  expect(confirm).toBeDisabled();
  await user.type(within(dialog).getByLabelText(/to confirm/), 'delete all');
  expect(confirm).toBeEnabled();
  await user.click(confirm);
  expect(await screen.findByText('Deleted 2 choreographies.')).toBeInTheDocument();
  expect(globalThis.fetch.mock.calls.some(([url, init]) => url === '/api/collections/delete-all' && init.method === 'POST')).toBe(true);
});
