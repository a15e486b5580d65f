// Loop arithmetic: which section loops, when playback goes back to its start, how many times, at what tempo.
// Pure functions: no DOM, no React. A loop is {start, end, kind: 'move' | 'phrase' | 'free', moveIndex?}.

import { moveIndexAt, nudgeByBeat, phraseAt, snapToBeat } from './grid.js';

export const MIN_LOOP_SECONDS = 0.25;
export const RAMP_STEP = 0.05;
export const RAMP_STARTS = [0.5, 0.6, 0.7, 0.8, 0.9];
export const LOOP_TIMES = [null, 2, 3, 4, 5, 8, 10]; // null: until stopped
export const SPEEDS = [0.25, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2];
export const DEFAULT_FRAME_SECONDS = 1 / 30;

export function clampSpeed(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return 1;
  return SPEEDS.reduce((best, s) => (Math.abs(s - n) < Math.abs(best - n) ? s : best), 1);
}

export function stepSpeed(speed, direction) {
  const i = SPEEDS.indexOf(clampSpeed(speed));
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + Math.sign(direction)))];
}

export function loopForMove(moves, index) {
  const move = moves[index];
  if (!move) return null;
  return { start: move.start, end: move.end, kind: 'move', moveIndex: index };
}

export function loopForMoveAt(moves, t) {
  return loopForMove(moves, Math.max(0, moveIndexAt(moves, t)));
}

export function loopForPhrase(grid, t, duration) {
  const phrase = phraseAt(grid, t, duration);
  return phrase ? { start: phrase.start, end: phrase.end, kind: 'phrase' } : null;
}

export function isCompleteLoop(loop) {
  return Boolean(loop) && Number.isFinite(loop.start) && Number.isFinite(loop.end) && loop.end > loop.start;
}

function clampTime(t, duration) {
  return Math.max(0, Math.min(Number.isFinite(duration) && duration > 0 ? duration : Infinity, t));
}

// Set loop end A ('a') or B ('b') at the playhead t, snapped to the nearest beat when there is a grid.
// Returns {loop, error}: the error says why nothing changed.
export function setLoopPoint(loop, which, t, { grid = null, duration = Infinity } = {}) {
  const at = clampTime(grid ? snapToBeat(grid, t) : t, duration);
  const current = loop && loop.kind === 'free' ? loop : loop ? { ...loop, kind: 'free' } : null;
  if (which === 'a') {
    const end = current && Number.isFinite(current.end) && current.end - at >= MIN_LOOP_SECONDS ? current.end : null;
    return { loop: { start: at, end, kind: 'free' }, error: null };
  }
  const start = current && Number.isFinite(current.start) ? current.start : 0;
  if (at - start < MIN_LOOP_SECONDS) {
    return { loop, error: 'The loop end (B) must come after its start (A).' };
  }
  return { loop: { start, end: at, kind: 'free' }, error: null };
}

// Move one end of the loop by a beat (direction +1 later, -1 earlier); the loop stays at least MIN_LOOP long.
export function nudgeLoopPoint(loop, which, direction, { grid = null, duration = Infinity } = {}) {
  if (!grid || !loop) return loop;
  const key = which === 'a' ? 'start' : 'end';
  if (!Number.isFinite(loop[key])) return loop;
  const moved = clampTime(nudgeByBeat(grid, loop[key], direction), duration);
  const next = { ...loop, [key]: moved, kind: 'free' };
  delete next.moveIndex;
  if (Number.isFinite(next.end) && next.end - next.start < MIN_LOOP_SECONDS) return loop;
  return next;
}

// The tempo of pass `iteration` (0 = first) of a ramp that starts at `from` of normal speed and adds 5 % a loop.
export function rampRate(from, iteration, step = RAMP_STEP, to = 1) {
  return Math.min(to, Math.round((from + step * iteration) * 100) / 100);
}

// A new run of a loop: how many passes it has done, how many it may do (null: until stopped), the ramp.
export function startRun({ times = null, rampFrom = null } = {}) {
  return { passes: 0, times, rampFrom, finished: false };
}

// The playback rate for the current pass: the ramp's, or the speed the dancer chose.
export function runRate(run, speed) {
  return run && run.rampFrom != null ? rampRate(run.rampFrom, run.passes) : speed;
}

// Called when playback reaches the loop's end: go back for another pass, or (after N passes) play on.
export function completePass(run) {
  const passes = run.passes + 1;
  const finished = run.times != null && passes >= run.times;
  return { ...run, passes, finished };
}

// Whether playback at media time t must go back now. `lookahead` is how far the media will advance before the
// next check (one frame with requestVideoFrameCallback): jumping when the next frame would start at or past the
// end makes the last frame shown the last one inside the loop.
export function loopEndReached(loop, t, lookahead = DEFAULT_FRAME_SECONDS) {
  return isCompleteLoop(loop) && t + lookahead >= loop.end - 1e-4;
}

// Media time for a frame step from t (one frame forward or back), landing inside the target frame.
export function frameStepTime(t, direction, frameSeconds = DEFAULT_FRAME_SECONDS, duration = Infinity) {
  const frame = Math.floor(t / frameSeconds + 1e-6);
  const target = (frame + Math.sign(direction)) * frameSeconds + Math.min(0.001, frameSeconds / 10);
  return clampTime(target, duration);
}

// The video's frame duration from the media times of presented frames: the smallest gap seen twice in a row
// (null until then). Skipped frames give multiples of it; the first frame after a play or a seek can give any
// gap, but not the same one twice.
export function estimateFrameSeconds(previous, gap, previousGap) {
  if (!(gap >= 1 / 120 && gap < 0.2) || !(Math.abs(gap - previousGap) < 5e-4)) return previous;
  return previous == null ? gap : Math.min(previous, gap);
}
