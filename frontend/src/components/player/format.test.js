// @vitest-environment node
import { clock, seekValueText, spokenTime } from './format.js';

describe('times', () => {
  it('read as a clock and as words', () => {
    expect(clock(64.9)).toBe('1:04');
    expect(clock(3725)).toBe('1:02:05');
    expect(spokenTime(64)).toBe('1 minute, 4 seconds');
    expect(spokenTime(61)).toBe('1 minute, 1 second');
    expect(spokenTime(120)).toBe('2 minutes');
    expect(spokenTime(0)).toBe('0 seconds');
  });

  it('give the seek slider its value text', () => {
    const moves = Array.from({ length: 12 }, (_, i) => ({ label: i === 2 ? 'cross body lead' : 'basic step' }));
    expect(seekValueText(64.2, moves, 2)).toBe('1 minute, 4 seconds, move 3 of 12: cross body lead');
    expect(seekValueText(64.2, [], -1)).toBe('1 minute, 4 seconds');
  });
});
