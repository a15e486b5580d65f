// A practice link (?start=…&end=…&speed=…&mirror=1) and the practice settings this device remembers per
// choreography. Both go through one sanitiser: a hand-edited link or an old stored value cannot break the player.

import { clampSpeed, LOOP_TIMES, MIN_LOOP_SECONDS, RAMP_STARTS } from './loop.js';

const STORAGE_PREFIX = 'bachata-buddy:practice:';
export const COUNT_IN_MODES = ['off', 'show', 'click', 'voice'];

function finiteTime(value) {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) / 1000 : null;
}

// Only what is valid survives; a section needs both ends, the end after the start (and inside the video
// when its duration is known).
export function sanitizeSettings(raw, duration = Infinity) {
  const settings = {};
  if (!raw || typeof raw !== 'object') return settings;
  const start = finiteTime(raw.start);
  const end = finiteTime(raw.end);
  const limit = Number.isFinite(duration) && duration > 0 ? duration + 0.05 : Infinity;
  if (start !== null && end !== null && end - start >= MIN_LOOP_SECONDS && end <= limit) {
    settings.start = start;
    settings.end = end;
  }
  if (raw.speed !== undefined && raw.speed !== null && raw.speed !== '' && Number.isFinite(Number(raw.speed))) {
    settings.speed = clampSpeed(raw.speed);
  }
  if (raw.mirror !== undefined && raw.mirror !== null) {
    settings.mirror = raw.mirror === true || raw.mirror === '1' || raw.mirror === 1 || raw.mirror === 'true';
  }
  if (raw.times !== undefined) {
    const times = raw.times === null ? null : Number(raw.times);
    if (LOOP_TIMES.includes(times)) settings.times = times;
  }
  if (raw.rampFrom !== undefined) {
    const from = raw.rampFrom === null ? null : Number(raw.rampFrom);
    if (from === null || RAMP_STARTS.includes(from)) settings.rampFrom = from;
  }
  if (COUNT_IN_MODES.includes(raw.countIn)) settings.countIn = raw.countIn;
  return settings;
}

// The practice part of a query string.
export function parsePracticeParams(search, duration = Infinity) {
  const params = new URLSearchParams(search);
  const raw = {};
  for (const name of ['start', 'end', 'speed', 'mirror']) {
    if (params.has(name)) raw[name] = params.get(name);
  }
  return sanitizeSettings(raw, duration);
}

// The query string with the practice settings written in; other parameters are kept, defaults left out.
export function withPracticeParams(search, { start = null, end = null, speed = 1, mirror = false } = {}) {
  const params = new URLSearchParams(search);
  for (const name of ['start', 'end', 'speed', 'mirror']) params.delete(name);
  if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
    params.set('start', String(Math.round(start * 1000) / 1000));
    params.set('end', String(Math.round(end * 1000) / 1000));
  }
  if (speed !== 1) params.set('speed', String(speed));
  if (mirror) params.set('mirror', '1');
  const text = params.toString();
  return text ? `?${text}` : '';
}

function storage() {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null; // storage disabled (privacy settings): the player simply does not remember
  }
}

export function loadSettings(key) {
  const store = key ? storage() : null;
  if (!store) return {};
  try {
    return sanitizeSettings(JSON.parse(store.getItem(STORAGE_PREFIX + key) || 'null'));
  } catch {
    return {};
  }
}

export function saveSettings(key, settings) {
  const store = key ? storage() : null;
  if (!store) return;
  try {
    store.setItem(STORAGE_PREFIX + key, JSON.stringify(sanitizeSettings(settings)));
  } catch {
    // full or disabled storage: nothing to remember then
  }
}
