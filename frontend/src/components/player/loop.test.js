// @vitest-environment node
import { normalizeMoves, normalizeTiming } from './grid.js';
import {
  clampSpeed,
  completePass,
  estimateFrameSeconds,
  frameStepTime,
  loopEndReached,
  loopForMoveAt,
  loopForPhrase,
  nudgeLoopPoint,
  rampRate,
  runRate,
  setLoopPoint,
  startRun,
  stepSpeed,
} from './loop.js';

const beats = Array.from({ length: 40 }, (_, i) => 0.25 + i * 0.5);
const grid = normalizeTiming({ bpm: 120, beats, phrase_starts: beats.filter((_, i) => i % 8 === 0) });
const moves = normalizeMoves([
  { move: 'basic', start: 0, end: 4.25 },
  { move: 'cross_body_lead', start: 4.25, end: 12.25 },
]);

describe('loops that snap', () => {
  it('loop this move: the move under the playhead', () => {
    expect(loopForMoveAt(moves, 6)).toEqual({ start: 4.25, end: 12.25, kind: 'move', moveIndex: 1 });
  });

  it('loop this 8-count: the phrase under the playhead, not the whole move', () => {
    expect(loopForPhrase(grid, 9, 20)).toEqual({ start: 8.25, end: 12.25, kind: 'phrase' });
    expect(loopForPhrase(null, 9, 20)).toBeNull();
  });

  it('free A–B: ends at the playhead, snapped to a beat, nudged by a beat', () => {
    let { loop } = setLoopPoint(null, 'a', 2.2, { grid });
    expect(loop).toEqual({ start: 2.25, end: null, kind: 'free' });
    ({ loop } = setLoopPoint(loop, 'b', 5.9, { grid }));
    expect(loop).toEqual({ start: 2.25, end: 5.75, kind: 'free' });
    loop = nudgeLoopPoint(loop, 'b', 1, { grid });
    expect(loop.end).toBe(6.25);
    loop = nudgeLoopPoint(loop, 'a', -1, { grid });
    expect(loop.start).toBe(1.75);
  });

  it('refuses an end before its start, and an A after B drops B', () => {
    const loop = { start: 4.25, end: 6.25, kind: 'free' };
    const refused = setLoopPoint(loop, 'b', 3, { grid });
    expect(refused.loop).toBe(loop);
    expect(refused.error).toMatch(/after its start/);
    expect(setLoopPoint(loop, 'a', 7.1, { grid }).loop).toEqual({ start: 7.25, end: null, kind: 'free' });
  });

  it('without a grid, ends go exactly at the playhead and cannot be nudged', () => {
    const { loop } = setLoopPoint({ start: 1.1, end: null, kind: 'free' }, 'b', 3.33);
    expect(loop).toEqual({ start: 1.1, end: 3.33, kind: 'free' });
    expect(nudgeLoopPoint(loop, 'b', 1, { grid: null })).toBe(loop);
  });

  it('turning a move loop into a free one by nudging keeps the other end', () => {
    const loop = nudgeLoopPoint({ start: 4.25, end: 12.25, kind: 'move', moveIndex: 1 }, 'b', -1, { grid });
    expect(loop).toEqual({ start: 4.25, end: 11.75, kind: 'free' });
  });
});

describe('loop N times, then continue', () => {
  it('goes back until the N-th pass, then plays on', () => {
    let run = startRun({ times: 3 });
    run = completePass(run);
    expect(run.finished).toBe(false);
    run = completePass(run);
    expect(run.finished).toBe(false);
    run = completePass(run);
    expect(run).toMatchObject({ passes: 3, finished: true });
  });

  it('without N, loops until stopped', () => {
    let run = startRun();
    for (let i = 0; i < 50; i += 1) run = completePass(run);
    expect(run.finished).toBe(false);
  });
});

describe('tempo ramp', () => {
  it('starts slower and adds 5 % each loop up to 100 %', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((i) => rampRate(0.7, i))).toEqual([0.7, 0.75, 0.8, 0.85, 1, 1, 1]);
    let run = startRun({ rampFrom: 0.8 });
    expect(runRate(run, 1.5)).toBe(0.8);
    run = completePass(run);
    expect(runRate(run, 1.5)).toBe(0.85);
    expect(runRate(startRun(), 0.5)).toBe(0.5); // no ramp: the chosen speed
  });
});

describe('frame-accurate loop ends', () => {
  const loop = { start: 4.25, end: 8.25, kind: 'move' };
  const frame = 1 / 30;

  it('goes back when the next frame would start at or past the end', () => {
    // frames at k/30: 8.2 is frame 246 (8.2), the next at 8.2333 is still inside; 8.2333 + 1/30 > 8.25
    expect(loopEndReached(loop, 246 / 30, frame)).toBe(false);
    expect(loopEndReached(loop, 247 / 30, frame)).toBe(true);
    expect(loopEndReached(loop, 9, frame)).toBe(true); // skipped past it: back at once
    expect(loopEndReached(null, 9, frame)).toBe(false);
    expect(loopEndReached({ start: 1, end: null }, 9, frame)).toBe(false);
  });

  it('frame steps land inside the neighbouring frame', () => {
    const next = frameStepTime(1.0, 1, frame);
    expect(Math.floor(next * 30 + 1e-6)).toBe(31);
    const prev = frameStepTime(1.0, -1, frame);
    expect(Math.floor(prev * 30 + 1e-6)).toBe(29);
    expect(frameStepTime(0, -1, frame)).toBe(0);
  });

  it('learns the frame duration from presented frames', () => {
    let seconds = null;
    let last = null;
    // a stray small gap after a play (0.005), a seek (5), then steady frames with one skipped
    for (const gap of [0.005, 5, 1 / 30, 1 / 30, 2 / 30, 2 / 30, 1 / 30]) {
      seconds = estimateFrameSeconds(seconds, gap, last);
      last = gap;
    }
    expect(seconds).toBeCloseTo(1 / 30, 6);
    expect(estimateFrameSeconds(null, 0.005, 0.005)).toBeNull(); // faster than 120 fps: not a frame
  });
});

describe('speed', () => {
  it('stays within 0.25–2× on the steps', () => {
    expect(clampSpeed(0.1)).toBe(0.25);
    expect(clampSpeed(3)).toBe(2);
    expect(clampSpeed('0.74')).toBe(0.75);
    expect(clampSpeed('abc')).toBe(1);
    expect(stepSpeed(1, 1)).toBe(1.1);
    expect(stepSpeed(0.25, -1)).toBe(0.25);
    expect(stepSpeed(2, 1)).toBe(2);
  });
});
