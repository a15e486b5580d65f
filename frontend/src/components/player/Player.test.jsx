import { act, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import Player from './Player.jsx';

// jsdom has no media pipeline: play/pause only flip `paused` and fire the events a browser would. What the
// video really does (frames, loop ends, speed) is checked in Chromium by e2e/player.test.js.
beforeAll(() => {
  Object.defineProperty(HTMLMediaElement.prototype, 'paused', {
    configurable: true,
    get() {
      return this._paused ?? true;
    },
  });
  HTMLMediaElement.prototype.play = function play() {
    this._paused = false;
    this.dispatchEvent(new Event('play'));
    return Promise.resolve();
  };
  HTMLMediaElement.prototype.pause = function pause() {
    if (this._paused === false) {
      this._paused = true;
      this.dispatchEvent(new Event('pause'));
    }
  };
});

beforeEach(() => {
  window.localStorage.clear();
  window.history.replaceState(null, '', '/collections/abc');
});

const beats = Array.from({ length: 48 }, (_, i) => 0.25 + i * 0.5);
const TIMING = { bpm: 120, beats, downbeats: beats.filter((_, i) => i % 4 === 0), phrase_starts: beats.filter((_, i) => i % 8 === 0) };
const MOVES = [
  { clip: 'a', move: 'basic', label: 'basic step', start: 0, end: 4.25, rate: 1 },
  { clip: 'b', move: 'cross_body_lead', label: 'cross body lead', start: 4.25, end: 12.25, rate: 1 },
  { clip: 'c', move: 'spin', label: 'spin', start: 12.25, end: 24, rate: 1 },
];

function renderPlayer(props = {}) {
  const utils = render(
    <Player src="/video.mp4" title="Besame" moves={MOVES} timing={TIMING} storageKey="item-1" {...props} />,
  );
  const video = utils.container.querySelector('video');
  Object.defineProperty(video, 'duration', { configurable: true, value: 24 });
  fireEvent.loadedMetadata(video);
  return { ...utils, video, player: screen.getByTestId('player') };
}

test('shows the moves on the timeline and beside the video, and the slider says where you are', () => {
  renderPlayer();
  const markers = screen.getByRole('group', { name: 'Moves on the timeline' });
  expect(within(markers).getAllByRole('button')).toHaveLength(3);
  const list = screen.getByRole('navigation', { name: 'Moves' });
  expect(within(list).getByRole('button', { name: 'Loop move 2: cross body lead' })).toBeInTheDocument();
  expect(screen.getByRole('slider', { name: 'Seek' })).toHaveAttribute(
    'aria-valuetext',
    '0 seconds, move 1 of 3: basic step',
  );
});

test('the keyboard drives the player while it has focus', async () => {
  const user = userEvent.setup();
  const { video } = renderPlayer();
  await user.click(screen.getByRole('slider', { name: 'Seek' }));

  await user.keyboard('m');
  expect(video.style.transform).toBe('scaleX(-1)');
  expect(screen.getByRole('button', { name: 'Mirror' })).toHaveAttribute('aria-pressed', 'true');

  await user.keyboard('>');
  expect(screen.getByRole('combobox', { name: 'Speed' })).toHaveValue('1.1');
  expect(video.playbackRate).toBe(1.1);
  await user.keyboard('<<');
  expect(video.playbackRate).toBe(0.9);

  await user.keyboard('n');
  expect(video.currentTime).toBe(4.25);
  expect(screen.getByRole('slider', { name: 'Seek' })).toHaveAttribute(
    'aria-valuetext',
    '4 seconds, move 2 of 3: cross body lead',
  );

  await user.keyboard('{ArrowRight}');
  expect(video.currentTime).toBe(9.25);

  await user.keyboard(' ');
  expect(video.paused).toBe(false);
  expect(screen.getByRole('button', { name: 'Pause' })).toBeInTheDocument();
  await user.keyboard('k');
  expect(video.paused).toBe(true);

  await user.keyboard('?');
  expect(screen.getByRole('dialog', { name: 'Player keys' })).toBeInTheDocument();
});

test('keys outside the player do nothing to it', async () => {
  const user = userEvent.setup();
  render(
    <>
      <label>
        Notes <input />
      </label>
      <Player src="/v.mp4" title="x" moves={MOVES} timing={TIMING} />
    </>,
  );
  const video = document.querySelector('video');
  await user.click(screen.getByRole('textbox', { name: 'Notes' }));
  await user.keyboard('m');
  expect(video.style.transform).toBe('none');
});

test('loop this move, then Escape clears it', async () => {
  const user = userEvent.setup();
  const { video } = renderPlayer({ timing: TIMING });
  await user.selectOptions(screen.getByRole('combobox', { name: 'Count-in' }), 'off');
  await user.click(screen.getByRole('button', { name: 'Loop move 2: cross body lead' }));
  expect(video.currentTime).toBe(4.25);
  expect(video.paused).toBe(false);
  expect(screen.getByTestId('loop-readout')).toHaveTextContent('Loop: 0:04.25 – 0:12.25 (move 2: cross body lead), pass 1');
  expect(screen.getByRole('button', { name: 'Loop move 2: cross body lead' })).toHaveAttribute('aria-pressed', 'true');
  await user.keyboard('{Escape}');
  expect(screen.getByTestId('loop-readout')).toHaveTextContent('Loop: none');
});

test('A and B set a free loop on the beats, and nudges move it by one beat', async () => {
  const user = userEvent.setup();
  const { video } = renderPlayer();
  await user.selectOptions(screen.getByRole('combobox', { name: 'Count-in' }), 'off');
  video.currentTime = 2.2;
  await user.click(screen.getByRole('button', { name: 'Set A' }));
  video.currentTime = 5.9;
  await user.click(screen.getByRole('button', { name: 'Set B' }));
  expect(screen.getByTestId('loop-readout')).toHaveTextContent('Loop: 0:02.25 – 0:05.75');
  await user.click(screen.getByRole('button', { name: 'B +1 beat' }));
  expect(screen.getByTestId('loop-readout')).toHaveTextContent('Loop: 0:02.25 – 0:06.25');
  expect(window.location.search).toBe('?start=2.25&end=6.25');
});

test('the count-in shows 5, 6, 7, 8 before the loop plays', async () => {
  vi.useFakeTimers({ toFake: ['requestAnimationFrame', 'cancelAnimationFrame', 'performance'] });
  try {
    const { video } = renderPlayer();
    fireEvent.click(screen.getByRole('button', { name: 'Loop move 2: cross body lead' }));
    const seen = [];
    for (let i = 0; i < 40 && video.paused; i += 1) {
      act(() => vi.advanceTimersByTime(60));
      const shown = screen.queryByTestId('count-in')?.textContent;
      if (shown && seen.at(-1) !== shown) seen.push(shown);
    }
    expect(seen).toEqual(['5', '6', '7', '8']);
    expect(video.paused).toBe(false);
    expect(video.currentTime).toBe(4.25);
  } finally {
    vi.useRealTimers();
  }
});

test('a shared link restores the section, speed and mirror', () => {
  window.history.replaceState(null, '', '/collections/abc?start=4.25&end=8.25&speed=0.5&mirror=1');
  const { video } = renderPlayer();
  expect(screen.getByTestId('loop-readout')).toHaveTextContent('Loop: 0:04.25 – 0:08.25');
  expect(screen.getByRole('combobox', { name: 'Speed' })).toHaveValue('0.5');
  expect(video.playbackRate).toBe(0.5);
  expect(video.style.transform).toBe('scaleX(-1)');
  expect(video.currentTime).toBe(4.25);
});

test('practice settings are remembered per choreography on this device', async () => {
  const user = userEvent.setup();
  const first = renderPlayer();
  await user.selectOptions(screen.getByRole('combobox', { name: 'Speed' }), '0.75');
  await user.click(screen.getByRole('button', { name: 'Mirror' }));
  first.unmount();
  window.history.replaceState(null, '', '/collections/abc');
  renderPlayer();
  expect(screen.getByRole('combobox', { name: 'Speed' })).toHaveValue('0.75');
  expect(screen.getByRole('button', { name: 'Mirror' })).toHaveAttribute('aria-pressed', 'true');
  expect(JSON.stringify(window.localStorage)).not.toMatch(/token/i);
});

test('a legacy choreography without a beat grid still plays, and says what is off', async () => {
  const user = userEvent.setup();
  const { video } = renderPlayer({ timing: null, moves: undefined, storageKey: 'legacy' });
  expect(screen.getByTestId('no-beats')).toHaveTextContent('no beat grid');
  expect(screen.getByRole('button', { name: 'Loop this 8-count' })).toBeDisabled();
  expect(screen.getByRole('combobox', { name: 'Count-in' })).toBeDisabled();
  expect(screen.getByText('No move list for this choreography.')).toBeInTheDocument();
  await user.click(screen.getByRole('button', { name: 'Play' }));
  expect(video.paused).toBe(false);
  expect(screen.queryByTestId('beat-count')).not.toBeInTheDocument();
});

test('every control is at least 44 px tall and none is hover-only', () => {
  renderPlayer();
  const controls = screen.getByTestId('player').querySelectorAll('button, select, input');
  for (const control of controls) {
    if (control.closest('dialog')) continue;
    const inMarkers = control.closest('[data-own-arrows]');
    // The markers repeat the move list (large targets), so WCAG 2.5.8's equivalent-control exception covers them.
    if (!inMarkers) expect(control.className).toMatch(/min-h-11|h-11/);
  }
});
