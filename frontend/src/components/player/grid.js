// The beat grid and the move list as the API gives them, and the questions the player asks of them.
// Pure functions: no DOM, no React. Times are video seconds (the job renders song time as video time).

export const BEATS_PER_PHRASE = 8;

function sortedNumbers(values) {
  if (!Array.isArray(values)) return [];
  return values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
}

// The API's `timing` ({bpm, beats, downbeats, phrase_starts}) or null when the choreography has none
// (legacy rows) or it is unusable (fewer than two beats, no tempo).
export function normalizeTiming(timing) {
  if (!timing || typeof timing !== 'object') return null;
  const beats = sortedNumbers(timing.beats);
  const bpm = Number(timing.bpm);
  if (beats.length < 2 || !Number.isFinite(bpm) || bpm <= 0) return null;
  let phraseStarts = sortedNumbers(timing.phrase_starts);
  if (phraseStarts.length === 0) phraseStarts = beats.filter((_, i) => i % BEATS_PER_PHRASE === 0);
  // Each phrase start as an index into beats (the nearest beat), so counts follow the real beats.
  const phraseBeatIndexes = [...new Set(phraseStarts.map((t) => nearestBeatIndex(beats, t)))].sort(
    (a, b) => a - b,
  );
  return {
    bpm,
    beatPeriod: 60 / bpm,
    beats,
    downbeats: sortedNumbers(timing.downbeats),
    phraseStarts: phraseBeatIndexes.map((i) => beats[i]),
    phraseBeatIndexes,
  };
}

// Moves from result.moves, in order, each with a readable label; [] when there are none.
export function normalizeMoves(moves) {
  if (!Array.isArray(moves)) return [];
  return moves
    .filter((m) => m && Number.isFinite(m.start) && Number.isFinite(m.end) && m.end > m.start)
    .map((m) => ({
      start: m.start,
      end: m.end,
      clip: m.clip,
      move: m.move,
      rate: m.rate,
      label: m.label || String(m.move || 'move').replace(/_/g, ' '),
    }))
    .sort((a, b) => a.start - b.start);
}

// The largest index i with values[i] <= t, or -1 (values sorted ascending).
export function indexAtOrBefore(values, t) {
  let lo = 0;
  let hi = values.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

export function nearestBeatIndex(beats, t) {
  const i = indexAtOrBefore(beats, t);
  if (i < 0) return 0;
  if (i >= beats.length - 1) return beats.length - 1;
  return t - beats[i] <= beats[i + 1] - t ? i : i + 1;
}

export function snapToBeat(grid, t) {
  if (!grid) return t;
  return grid.beats[nearestBeatIndex(grid.beats, t)];
}

// The beat `direction` (+1 / -1) beats away from the beat nearest t; past the ends, a beat period away.
export function nudgeByBeat(grid, t, direction) {
  if (!grid) return t;
  const i = nearestBeatIndex(grid.beats, t);
  const snapped = grid.beats[i];
  // A time between beats first goes to the neighbouring beat in the asked direction.
  if (direction > 0 && snapped > t + 1e-3) return snapped;
  if (direction < 0 && snapped < t - 1e-3) return snapped;
  const j = i + Math.sign(direction);
  if (j >= 0 && j < grid.beats.length) return grid.beats[j];
  return Math.max(0, snapped + Math.sign(direction) * grid.beatPeriod);
}

// The count (1–8) at time t, or null before the first phrase or when there is no grid.
export function countAt(grid, t) {
  if (!grid) return null;
  const beat = indexAtOrBefore(grid.beats, t + 1e-3);
  if (beat < 0) return null;
  const phrase = indexAtOrBefore(grid.phraseBeatIndexes, beat);
  if (phrase < 0) return null;
  return ((beat - grid.phraseBeatIndexes[phrase]) % BEATS_PER_PHRASE) + 1;
}

// The 8-count containing t: [start, end) from one phrase start to the next (or 8 beats on), or null.
export function phraseAt(grid, t, duration = Infinity) {
  if (!grid || grid.phraseStarts.length === 0) return null;
  let k = indexAtOrBefore(grid.phraseStarts, t + 1e-3);
  if (k < 0) k = 0;
  const startBeat = grid.phraseBeatIndexes[k];
  const start = grid.beats[startBeat];
  let end;
  if (k + 1 < grid.phraseStarts.length) end = grid.phraseStarts[k + 1];
  else if (startBeat + BEATS_PER_PHRASE < grid.beats.length) end = grid.beats[startBeat + BEATS_PER_PHRASE];
  else end = start + BEATS_PER_PHRASE * grid.beatPeriod;
  return { start, end: Math.min(end, duration) };
}

// The index of the move playing at t (the last one that started), or -1 before the first.
export function moveIndexAt(moves, t) {
  if (!moves.length) return -1;
  return indexAtOrBefore(
    moves.map((m) => m.start),
    t + 1e-3,
  );
}

// Where "next move" / "previous move" go from t. Previous: the current move's start, unless we are within
// `grace` seconds of it, then the move before (as media players do with tracks).
export function adjacentMoveIndex(moves, t, direction, grace = 1) {
  if (!moves.length) return -1;
  const current = moveIndexAt(moves, t);
  if (direction > 0) return Math.min(moves.length - 1, current + 1);
  if (current < 0) return 0;
  if (t - moves[current].start > grace) return current;
  return Math.max(0, current - 1);
}

// Beats per second at a playback speed, and whether a beat pulse may flash (WCAG 2.3.1: at most 3 a second).
export function beatsPerSecond(grid, speed) {
  return grid ? (grid.bpm / 60) * speed : 0;
}

export function beatFlashAllowed(grid, speed) {
  return Boolean(grid) && beatsPerSecond(grid, speed) <= 3;
}
