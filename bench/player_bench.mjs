// The practice player's budget, measured in Debian's Chromium against the real stack (frontend/e2e/harness.js):
//   - gzipped size of the player chunk (≤ 35 kB) and of the instructor route chunk (≤ 25 kB), from frontend/dist;
//   - long tasks (> 50 ms) on the main thread during 30 s of looping a move (target: none), at normal speed and
//     with 4× CPU throttling, with the loop passes and the frame-callback rate seen meanwhile.
//
//   node bench/player_bench.mjs [--seconds 30] [--write-docs]
//
// It starts its own stack (API + job + throwaway PostgreSQL, or E2E_BASE_URL), builds the SPA if needed (as
// `make run` does), generates one choreography of the demo song and loops its second move.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import * as h from '../frontend/e2e/harness.js';

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 30;
const writeDocs = args.includes('--write-docs');
const BUDGET = { Player: 35, InstructorRoutes: 25 };

function chunkSizes() {
  const dir = path.join(h.FRONTEND, 'dist', 'assets');
  const sizes = {};
  for (const name of readdirSync(dir)) {
    const match = /^(Player|InstructorRoutes)-.*\.js$/.exec(name);
    if (match) sizes[match[1]] = gzipSync(readFileSync(path.join(dir, name)), { level: 9 }).length / 1000;
  }
  return sizes;
}

// mode: 'idle' (the player page, paused), 'playing' (plain playback), 'looping' (move 2 looped).
async function run(browser, stack, account, taskPath, move, { throttle, mode }) {
  const page = await h.newPage(browser, stack, 1280);
  await h.loginViaUI(page, account.fields, { next: taskPath });
  await page.getByTestId('player').waitFor();
  await page.waitForFunction(() => document.querySelector('video')?.readyState >= 1);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await page.evaluate(() => {
    const v = document.querySelector('video');
    v.muted = true;
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__long.push({ at: entry.startTime, ms: entry.duration });
    }).observe({ type: 'longtask' });
    window.__frames = 0;
    window.__jumps = [];
    let last = 0;
    const onFrame = (now, meta) => {
      window.__frames += 1;
      if (meta.mediaTime < last - 0.2) window.__jumps.push(now);
      last = meta.mediaTime;
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  });
  if (mode === 'looping') {
    await page.getByLabel('Count-in').selectOption('off');
    await page.getByRole('button', { name: `Loop move 2: ${move.label}` }).click();
  } else if (mode === 'playing') {
    await page.getByRole('button', { name: 'Play' }).click();
  }
  if (mode !== 'idle') await page.waitForFunction(() => !document.querySelector('video').paused);
  await page.waitForTimeout(1000); // settle after starting
  await page.evaluate(() => {
    window.__long = [];
    window.__frames = 0;
    window.__jumps = [];
  });
  await page.waitForTimeout(seconds * 1000);
  const result = await page.evaluate(() => ({ long: window.__long, frames: window.__frames, jumps: window.__jumps }));
  await page.context().close();
  const nearJump = result.long.filter((t) => result.jumps.some((j) => t.at >= j - 250 && t.at <= j + 250)).length;
  return {
    throttle,
    mode,
    longTasks: result.long.length,
    longest: result.long.length ? Math.max(...result.long.map((t) => t.ms)) : 0,
    nearJump,
    loops: result.jumps.length,
    fps: result.frames / seconds,
  };
}

const started = new Date();
const stack = await h.startStack();
const browser = await h.launchBrowser();
let report;
try {
  const sizes = chunkSizes();
  const account = await h.registerViaApi(stack);
  const page = await h.newPage(browser, stack, 1280);
  await h.loginViaUI(page, account.fields);
  const taskId = await h.generateWithDemoSong(page);
  await h.waitForTaskEnd(page);
  await page.context().close();
  const task = await h.taskViaApi(stack, account.access, taskId);
  const move = task.result.moves[1];
  const runs = [];
  const scenarios = [
    { throttle: 1, mode: 'idle' },
    { throttle: 1, mode: 'playing' },
    { throttle: 1, mode: 'looping' },
    { throttle: 4, mode: 'playing' },
    { throttle: 4, mode: 'looping' },
  ];
  for (const scenario of scenarios) runs.push(await run(browser, stack, account, `/tasks/${taskId}`, move, scenario));
  report = { sizes, runs, move };
} finally {
  await browser.close();
  await stack.stop();
}

const lines = [
  '## Practice player: chunk sizes and main-thread long tasks while looping',
  '',
  `### ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  `    node bench/player_bench.mjs --seconds ${seconds}${writeDocs ? ' --write-docs' : ''}`,
  '',
  `${os.cpus().length} cores, Debian Chromium (headless, --disable-gpu), the real stack (API + local job + throwaway`,
  'PostgreSQL), the demo song\'s choreography; the machine was shared with other helpers\' runs.',
  '',
  '| Chunk (gzip -9) | Size | Budget |',
  '|---|---:|---:|',
  ...Object.entries(BUDGET).map(
    ([name, budget]) => `| ${name} | ${report.sizes[name]?.toFixed(1) ?? '–'} kB | ≤ ${budget} kB${report.sizes[name] > budget ? ' **over**' : ''} |`,
  ),
  '',
  `${seconds} s each: the player page paused (idle), plain playback, and looping move 2 (${report.move.start.toFixed(2)}–${report.move.end.toFixed(2)} s,`,
  'count-in off). "Near a jump": long tasks starting within 250 ms of a loop going back to its start.',
  '',
  '| CPU | Scenario | Long tasks > 50 ms | Longest | Near a jump | Loop passes | Frame callbacks/s |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...report.runs.map(
    (r) =>
      `| ${r.throttle === 1 ? 'unthrottled' : `${r.throttle}× throttled`} | ${r.mode} | ${r.longTasks} | ${r.longest.toFixed(0)} ms | ${r.mode === 'looping' ? r.nearJump : '–'} | ${r.mode === 'looping' ? r.loops : '–'} | ${r.mode === 'idle' ? '–' : r.fps.toFixed(1)} |`,
  ),
  '',
];
const text = lines.join('\n');
console.log(text);
if (writeDocs) {
  const docs = path.join(h.REPO_ROOT, 'docs', 'benchmarks.md');
  const current = readFileSync(docs, 'utf8');
  const start = current.indexOf(lines[0]);
  let next;
  if (start === -1) next = `${current.trimEnd()}\n\n${text}`;
  else {
    const end = current.indexOf('\n## ', start + 1);
    next = `${current.slice(0, start)}${text}${end === -1 ? '' : `\n${current.slice(end + 1)}`}`;
  }
  writeFileSync(docs, next.endsWith('\n') ? next : `${next}\n`);
}
