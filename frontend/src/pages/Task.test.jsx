import { act, render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';

import Task from './Task.jsx';

const running = (progress, stage, message) => ({ task_id: 't1', status: 'processing', progress, stage, message, result: null, error: null });

function answer(status, body, etag) {
  return new Response(status === 304 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...(etag ? { ETag: etag } : {}) },
  });
}

let replies;
beforeEach(() => {
  vi.useFakeTimers();
  globalThis.fetch = vi.fn(async () => replies.shift() ?? answer(304));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
});

function show() {
  render(
    <MemoryRouter initialEntries={['/tasks/t1']}>
      <Routes>
        <Route path="/tasks/:taskId" element={<Task />} />
      </Routes>
    </MemoryRouter>,
  );
}

const taskCalls = () => globalThis.fetch.mock.calls.filter(([url]) => url === '/api/choreography/tasks/t1');

test('polls every 2 s with If-None-Match, keeps the task on 304, announces a stage change, stops when done', async () => {
  replies = [
    answer(200, running(20, 'analyzing', 'Analyzing music features...'), '"v1"'),
    answer(304),
    answer(200, running(60, 'generating', 'Generating choreography video...'), '"v2"'),
    answer(200, { task_id: 't1', status: 'completed', progress: 100, stage: 'completed', message: 'Done', video_url: '/v.mp4', result: { moves: [], auto_saved: true, saved_choreography_id: 'c1' } }, '"v3"'),
  ];
  show();
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(screen.getByRole('progressbar', { name: 'Generation progress' })).toHaveAttribute('aria-valuenow', '20');
  await act(() => vi.advanceTimersByTimeAsync(2000));
  expect(taskCalls()[1][1].headers['If-None-Match']).toBe('"v1"');
  expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '20');
  await act(() => vi.advanceTimersByTimeAsync(2000));
  expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '60');
  expect(screen.getByText('Generating choreography video...', { selector: '[role="status"]' })).toBeInTheDocument();
  await act(() => vi.advanceTimersByTimeAsync(2000));
  expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Your choreography is ready');
  expect(screen.getByRole('link', { name: 'Open it in your collection' })).toHaveAttribute('href', '/collections/c1');
  const calls = taskCalls().length;
  await act(() => vi.advanceTimersByTimeAsync(10_000));
  expect(taskCalls()).toHaveLength(calls);
});

test("a finished choreography lists the job's notes on what it was unsure of, and none when there are none", async () => {
  const note = 'the beat slipped by 0.47 of a beat near 0:56: the tracking was off the beat on one side of it, so the moves there may be too';
  const done = (notes) => ({ task_id: 't1', status: 'completed', progress: 100, stage: 'completed', message: 'Done', video_url: '/v.mp4', result: { moves: [], auto_saved: true, saved_choreography_id: 'c1', plan_notes: notes } });
  replies = [answer(200, done([note]))];
  show();
  await act(() => vi.advanceTimersByTimeAsync(0));
  const notes = screen.getByRole('region', { name: 'Notes on this choreography' });
  expect(notes).toHaveTextContent(note);
  expect(screen.getAllByRole('listitem')).toHaveLength(1);
});

test('a finished choreography without notes shows no notes section', async () => {
  replies = [answer(200, { task_id: 't1', status: 'completed', progress: 100, stage: 'completed', message: 'Done', video_url: '/v.mp4', result: { moves: [], auto_saved: true, saved_choreography_id: 'c1', plan_notes: [] } })];
  show();
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Your choreography is ready');
  expect(screen.queryByRole('region', { name: 'Notes on this choreography' })).toBeNull();
});

test('pauses while the tab is hidden and polls at once when it is shown again', async () => {
  replies = [answer(200, running(10, 'downloading', 'Downloading audio...'), '"v1"')];
  show();
  await act(() => vi.advanceTimersByTimeAsync(0));
  Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
  const before = taskCalls().length;
  await act(() => vi.advanceTimersByTimeAsync(20_000));
  expect(taskCalls()).toHaveLength(before);
  Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(taskCalls()).toHaveLength(before + 1);
});

test("a failed task shows the API's reason in an alert and focuses Retry", async () => {
  replies = [answer(200, { task_id: 't1', status: 'failed', progress: 30, stage: 'failed', message: 'x', error: 'Audio download failed: the link answered 404.' })];
  show();
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Generation failed');
  expect(screen.getByRole('alert')).toHaveTextContent('Audio download failed: the link answered 404.');
  expect(screen.getByRole('button', { name: 'Retry' })).toHaveFocus();
});
