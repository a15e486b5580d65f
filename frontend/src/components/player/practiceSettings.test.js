import {
  loadSettings,
  parsePracticeParams,
  sanitizeSettings,
  saveSettings,
  withPracticeParams,
} from './practiceSettings.js';

describe('the practice link', () => {
  it('round-trips the section, speed and mirror, keeping other parameters', () => {
    const search = withPracticeParams('?tab=moves', { start: 4.25, end: 8.2501, speed: 0.5, mirror: true });
    expect(search).toBe('?tab=moves&start=4.25&end=8.25&speed=0.5&mirror=1');
    expect(parsePracticeParams(search)).toEqual({ start: 4.25, end: 8.25, speed: 0.5, mirror: true });
  });

  it('leaves defaults out', () => {
    expect(withPracticeParams('?start=1&end=2&speed=2', { speed: 1, mirror: false })).toBe('');
  });

  it('drops what does not make sense', () => {
    expect(parsePracticeParams('?start=8&end=4')).toEqual({});
    expect(parsePracticeParams('?start=abc&end=4')).toEqual({});
    expect(parsePracticeParams('?start=1&end=400', 180)).toEqual({});
    expect(parsePracticeParams('?start=-1&end=4')).toEqual({});
    expect(parsePracticeParams('?speed=9')).toEqual({ speed: 2 });
    expect(parsePracticeParams('?speed=')).toEqual({});
    expect(parsePracticeParams('?mirror=0')).toEqual({ mirror: false });
  });
});

describe('remembered settings', () => {
  beforeEach(() => window.localStorage.clear());

  it('are kept per choreography on this device', () => {
    saveSettings('a', { speed: 0.75, mirror: true, times: 3, rampFrom: 0.7, countIn: 'click', start: 1, end: 3 });
    saveSettings('b', { speed: 1.5 });
    expect(loadSettings('a')).toEqual({
      speed: 0.75,
      mirror: true,
      times: 3,
      rampFrom: 0.7,
      countIn: 'click',
      start: 1,
      end: 3,
    });
    expect(loadSettings('b')).toEqual({ speed: 1.5 });
    expect(loadSettings('c')).toEqual({});
    expect(loadSettings(undefined)).toEqual({});
  });

  it('survive a corrupt or hand-edited store', () => {
    window.localStorage.setItem('bachata-buddy:practice:x', '{not json');
    expect(loadSettings('x')).toEqual({});
    window.localStorage.setItem('bachata-buddy:practice:y', JSON.stringify({ times: 7, countIn: 'loud' }));
    expect(loadSettings('y')).toEqual({});
    expect(sanitizeSettings({ times: null, rampFrom: null })).toEqual({ times: null, rampFrom: null });
  });
});
