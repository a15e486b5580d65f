// @vitest-environment node
import {
  adjacentMoveIndex,
  beatFlashAllowed,
  countAt,
  moveIndexAt,
  normalizeMoves,
  normalizeTiming,
  nudgeByBeat,
  phraseAt,
  snapToBeat,
} from './grid.js';

// 120 BPM from 0.25 s: a beat every 0.5 s, an 8-count every 4 s (0.25, 4.25, 8.25, …).
const beats = Array.from({ length: 40 }, (_, i) => 0.25 + i * 0.5);
const grid = normalizeTiming({
  bpm: 120,
  beats,
  downbeats: beats.filter((_, i) => i % 4 === 0),
  phrase_starts: beats.filter((_, i) => i % 8 === 0),
});

describe('the beat grid', () => {
  it('is null for legacy rows and unusable grids', () => {
    expect(normalizeTiming(null)).toBeNull();
    expect(normalizeTiming({ bpm: 120, beats: [1] })).toBeNull();
    expect(normalizeTiming({ bpm: 0, beats: [1, 2] })).toBeNull();
  });

  it('counts 1 to 8 on the beats, from each phrase start', () => {
    expect(countAt(grid, 0.1)).toBeNull(); // before the first beat
    expect(countAt(grid, 0.25)).toBe(1);
    expect(countAt(grid, 0.74)).toBe(1);
    expect(countAt(grid, 0.75)).toBe(2);
    expect(countAt(grid, 3.8)).toBe(8);
    expect(countAt(grid, 4.25)).toBe(1);
    expect(countAt(null, 3)).toBeNull();
  });

  it('follows phrase starts that are not every 8 beats (a bridge of 4)', () => {
    const bridged = normalizeTiming({ bpm: 120, beats, phrase_starts: [0.25, 4.25, 6.25, 10.25] });
    expect(countAt(bridged, 6.0)).toBe(4); // 4.25 + 3 beats
    expect(countAt(bridged, 6.25)).toBe(1);
  });

  it('snaps to the nearest beat and nudges by one beat', () => {
    expect(snapToBeat(grid, 1.3)).toBe(1.25);
    expect(snapToBeat(grid, 1.6)).toBe(1.75);
    expect(nudgeByBeat(grid, 1.25, 1)).toBe(1.75);
    expect(nudgeByBeat(grid, 1.25, -1)).toBe(0.75);
    expect(nudgeByBeat(grid, 1.4, 1)).toBe(1.75); // between beats: to the next beat
    expect(nudgeByBeat(grid, 1.4, -1)).toBe(1.25);
    expect(nudgeByBeat(null, 1.4, 1)).toBe(1.4);
  });

  it('finds the 8-count around a time', () => {
    expect(phraseAt(grid, 5)).toEqual({ start: 4.25, end: 8.25 });
    expect(phraseAt(grid, 0)).toEqual({ start: 0.25, end: 4.25 });
    // the last phrase ends 8 beats on, within the video
    expect(phraseAt(grid, 17, 19)).toEqual({ start: 16.25, end: 19 });
  });

  it('allows a beat pulse only up to 3 flashes a second', () => {
    expect(beatFlashAllowed(grid, 1)).toBe(true); // 2 beats/s
    expect(beatFlashAllowed(grid, 1.5)).toBe(true); // 3 beats/s
    expect(beatFlashAllowed(grid, 1.75)).toBe(false); // 3.5 beats/s
    expect(beatFlashAllowed(normalizeTiming({ bpm: 140, beats }), 1.3)).toBe(false);
    expect(beatFlashAllowed(null, 1)).toBe(false);
  });
});

describe('the moves', () => {
  const moves = normalizeMoves([
    { clip: 'b', move: 'cross_body_lead', start: 4.25, end: 8.25, rate: 1 },
    { clip: 'a', move: 'basic', label: 'basic step', start: 0, end: 4.25, rate: 1 },
    { clip: 'c', move: 'spin', start: 8.25, end: 16.25, rate: 1 },
    { clip: 'bad', move: 'x', start: 3, end: 3 },
  ]);

  it('are ordered, labelled for people, and broken entries are dropped', () => {
    expect(moves.map((m) => m.label)).toEqual(['basic step', 'cross body lead', 'spin']);
    expect(normalizeMoves(undefined)).toEqual([]);
  });

  it('know which one plays and where next / previous go', () => {
    expect(moveIndexAt(moves, 5)).toBe(1);
    expect(adjacentMoveIndex(moves, 5, 1)).toBe(2);
    expect(adjacentMoveIndex(moves, 6, -1)).toBe(1); // far into the move: its own start first
    expect(adjacentMoveIndex(moves, 4.5, -1)).toBe(0); // just started: the one before
    expect(adjacentMoveIndex(moves, 12, 1)).toBe(2); // the last stays the last
  });
});
