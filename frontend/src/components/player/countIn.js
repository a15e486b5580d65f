// The count-in before a loop: "5, 6, 7, 8" on the song's own beats before the loop's first beat, at the
// current playback speed, then playback starts on "1". Pure: returns a schedule in wall-clock seconds.

import { nearestBeatIndex } from './grid.js';

export const COUNT_IN = [5, 6, 7, 8];

// [{count, at}] for 5-6-7-8, then {count: null, at} for the moment playback starts (at = seconds from now).
// The gaps are the real gaps between the four beats before the loop's start (a tempo that drifts, drifts here
// too), divided by the speed; where the song has fewer than four beats before it, the beat period fills in.
export function countInSchedule(grid, loopStart, speed = 1) {
  if (!grid) return [];
  const rate = speed > 0 ? speed : 1;
  const { beats, beatPeriod } = grid;
  const first = nearestBeatIndex(beats, loopStart);
  // A loop that does not start on a beat counts in with the beat period, ending exactly at its start.
  const onBeat = Math.abs(beats[first] - loopStart) < 0.1;
  const times = [];
  for (let k = COUNT_IN.length; k >= 1; k -= 1) {
    const i = first - k;
    times.push(onBeat && i >= 0 ? beats[i] : loopStart - k * beatPeriod);
  }
  const startTime = onBeat ? beats[first] : loopStart;
  const origin = times[0];
  const schedule = COUNT_IN.map((count, k) => ({ count, at: (times[k] - origin) / rate }));
  schedule.push({ count: null, at: (startTime - origin) / rate });
  return schedule;
}

// The count due at `elapsed` seconds into a schedule, or null once playback has started (or before it).
export function countInAt(schedule, elapsed) {
  let current = null;
  for (const step of schedule) {
    if (elapsed + 1e-9 >= step.at) current = step.count;
  }
  return current;
}
