// @vitest-environment node
import { countInAt, countInSchedule } from './countIn.js';
import { normalizeTiming } from './grid.js';

// A grid whose tempo drifts: gaps of 0.50, 0.52, 0.48, 0.50 before the loop's start at 4.25.
const beats = [0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4.25, 4.75, 5.25];
beats.splice(4, 5, 2.25, 2.75, 3.27, 3.75, 4.25);
const grid = normalizeTiming({ bpm: 120, beats, phrase_starts: [0.25, 4.25] });

describe('the count-in', () => {
  it('counts 5, 6, 7, 8 on the real beats before the loop, then starts on 1', () => {
    const schedule = countInSchedule(grid, 4.25, 1);
    expect(schedule.map((s) => s.count)).toEqual([5, 6, 7, 8, null]);
    expect(schedule.map((s) => Number(s.at.toFixed(3)))).toEqual([0, 0.5, 1.02, 1.5, 2]);
  });

  it('runs at the current speed', () => {
    const half = countInSchedule(grid, 4.25, 0.5);
    expect(half.map((s) => Number(s.at.toFixed(3)))).toEqual([0, 1, 2.04, 3, 4]);
    const double = countInSchedule(grid, 4.25, 2);
    expect(double.at(-1).at).toBeCloseTo(1, 6);
  });

  it('fills in with the beat period where the song has no beats before the loop', () => {
    const schedule = countInSchedule(grid, 0.75, 1); // only one beat before
    expect(schedule.map((s) => Number(s.at.toFixed(3)))).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('says which count is due at each moment', () => {
    const schedule = countInSchedule(grid, 4.25, 1);
    expect(countInAt(schedule, 0)).toBe(5);
    expect(countInAt(schedule, 0.49)).toBe(5);
    expect(countInAt(schedule, 0.5)).toBe(6);
    expect(countInAt(schedule, 1.6)).toBe(8);
    expect(countInAt(schedule, 2)).toBeNull();
  });

  it('is empty without a beat grid', () => {
    expect(countInSchedule(null, 4, 1)).toEqual([]);
  });
});
