// The practice player in Debian's Chromium against the real API, job and PostgreSQL (see harness.js):
// a generated choreography, its move loop measured frame by frame from the video itself, speed and mirror
// on the video element, the count-in, a shared practice link on a fresh page, keyboard-only use, axe.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as h from './harness.js';

const skip = h.skipReason();
let stack;
let browser;
let account;
let task;
let taskPath;

before(async () => {
  if (skip) return;
  stack = await h.startStack();
  browser = await h.launchBrowser();
  account = await h.registerViaApi(stack);
  const page = await h.newPage(browser, stack, 1280);
  await h.loginViaUI(page, account.fields);
  const taskId = await h.generateWithDemoSong(page);
  await h.waitForTaskEnd(page);
  task = await h.taskViaApi(stack, account.access, taskId);
  assert.equal(task.status, 'completed', JSON.stringify(task));
  taskPath = `/tasks/${taskId}`;
  await page.context().close();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A logged-in page on the result (the practice player), video muted. */
async function playerPage(width = 1280, path = taskPath) {
  const page = await h.newPage(browser, stack, width);
  await h.loginViaUI(page, account.fields, { next: path });
  await page.getByTestId('player').waitFor();
  await page.waitForFunction(() => document.querySelector('video')?.readyState >= 1);
  await page.evaluate(() => {
    document.querySelector('video').muted = true;
  });
  return page;
}

const videoState = (page) =>
  page.evaluate(() => {
    const v = document.querySelector('video');
    return {
      time: v.currentTime,
      paused: v.paused,
      rate: v.playbackRate,
      preservesPitch: v.preservesPitch,
      transform: getComputedStyle(v).transform,
    };
  });

describe('the practice player', { skip }, () => {
  test('the result carries the beat grid and the moves the player needs', () => {
    const { timing, moves } = task.result;
    assert.ok(Math.abs(timing.bpm - 128) < 2, `bpm ${timing.bpm}`);
    assert.ok(timing.beats.length > 16 && timing.phrase_starts.length >= 2);
    assert.ok(moves.length >= 3, `${moves.length} moves`);
    assert.ok(moves.every((m) => m.label && m.end > m.start));
  });

  test('loop move 2: a 5-6-7-8 count-in, then 3 passes, each back at its start within one frame of its end', async () => {
    const page = await playerPage();
    const move = task.result.moves[1];
    // Record, from the video itself, the media time of every presented frame, and each count-in number shown
    // (with whether the video was still paused then).
    await page.evaluate(() => {
      const v = document.querySelector('video');
      window.__frames = [];
      const onFrame = (_now, meta) => {
        window.__frames.push(meta.mediaTime);
        v.requestVideoFrameCallback(onFrame);
      };
      v.requestVideoFrameCallback(onFrame);
      window.__counts = [];
      new MutationObserver(() => {
        const shown = document.querySelector('[data-testid="count-in"]')?.textContent;
        if (shown && window.__counts.at(-1)?.n !== shown) window.__counts.push({ n: shown, paused: v.paused, t: v.currentTime });
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    assert.equal(await page.getByLabel('Count-in').inputValue(), 'show');
    await page.getByRole('button', { name: `Loop move 2: ${move.label}` }).click();
    await page.waitForFunction(
      () => {
        const f = window.__frames;
        let jumps = 0;
        for (let i = 1; i < f.length; i += 1) if (f[i] < f[i - 1] - 0.2) jumps += 1;
        return jumps >= 3;
      },
      null,
      { timeout: 120_000, polling: 250 },
    );
    const { frames, counts } = await page.evaluate(() => ({ frames: window.__frames, counts: window.__counts }));

    assert.deepEqual(
      counts.map((c) => c.n),
      ['5', '6', '7', '8'],
    );
    assert.ok(counts.every((c) => c.paused && Math.abs(c.t - move.start) < 0.05), JSON.stringify(counts));

    // The move's frames last 1/30 s of the clip, played at the planner's rate; a seek may land inside a frame
    // and present a shorter first gap, so the typical (median) gap is the frame duration.
    const gaps = frames
      .slice(1)
      .map((t, i) => t - frames[i])
      .filter((d) => d > 0.001)
      .sort((a, b) => a - b);
    const frame = gaps[Math.floor(gaps.length / 2)];
    assert.ok(Math.abs(frame - 1 / 30 / move.rate) < 0.002, `frame duration ${frame}, rate ${move.rate}`);
    const jumps = [];
    for (let i = 1; i < frames.length; i += 1) if (frames[i] < frames[i - 1] - 0.2) jumps.push(i);
    const slack = 0.002;
    for (const i of jumps.slice(0, 3)) {
      const last = frames[i - 1];
      const first = frames[i];
      // The last frame shown is the one whose successor would start at or after the move's end…
      assert.ok(last <= move.end + slack && last >= move.end - frame - slack, `last frame ${last}, end ${move.end}`);
      // …and playback comes back to the frame showing the move's start.
      assert.ok(Math.abs(first - move.start) <= frame + slack, `first frame ${first}, start ${move.start}`);
    }
    // Never past the end in between.
    const afterStart = frames.slice(frames.findIndex((t) => Math.abs(t - move.start) <= frame + slack));
    assert.ok(Math.max(...afterStart) <= move.end + slack, `max ${Math.max(...afterStart)}`);
    assert.match(await page.getByTestId('loop-readout').textContent(), /move 2: .*pass [34]/);
    await h.expectNoAxeViolations(page, 'the player looping a move');
    await h.screenshot(page, 'player-looping');
    await page.context().close();
  });

  test('speed 0.5 (pitch kept) and mirror reach the video element; a shared link restores them with the section', async () => {
    const page = await playerPage();
    await page.getByLabel('Speed').selectOption('0.5');
    await page.getByRole('button', { name: 'Mirror' }).click();
    assert.equal(await page.getByRole('button', { name: 'Mirror' }).getAttribute('aria-pressed'), 'true');
    let state = await videoState(page);
    assert.equal(state.rate, 0.5);
    assert.equal(state.preservesPitch, true);
    assert.equal(state.transform, 'matrix(-1, 0, 0, 1, 0, 0)');
    // It really plays at half speed: about 1 s of video in 2 s.
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.1);
    const t0 = await page.evaluate(() => [document.querySelector('video').currentTime, performance.now()]);
    await page.waitForTimeout(2000);
    const t1 = await page.evaluate(() => [document.querySelector('video').currentTime, performance.now()]);
    const ratio = (t1[0] - t0[0]) / ((t1[1] - t0[1]) / 1000);
    assert.ok(ratio > 0.35 && ratio < 0.65, `played at ${ratio}×`);
    await page.getByRole('button', { name: 'Pause' }).click();

    const move = task.result.moves[2];
    await page.getByLabel('Count-in').selectOption('off');
    await page.getByRole('button', { name: `Loop move 3: ${move.label}` }).click();
    await page.waitForFunction((end) => new URL(location.href).searchParams.get('end') === String(end), move.end);
    const shared = new URL(page.url());
    assert.equal(shared.searchParams.get('start'), String(move.start));
    assert.equal(shared.searchParams.get('speed'), '0.5');
    assert.equal(shared.searchParams.get('mirror'), '1');
    await page.context().close();

    // A fresh page (another browser context: no remembered settings, no session) opens the link.
    const fresh = await playerPage(375, `${shared.pathname}${shared.search}`);
    assert.equal(new URL(fresh.url()).search, shared.search);
    await fresh.waitForFunction((start) => Math.abs(document.querySelector('video').currentTime - start) < 0.05, move.start);
    state = await videoState(fresh);
    assert.equal(state.rate, 0.5);
    assert.equal(state.transform, 'matrix(-1, 0, 0, 1, 0, 0)');
    const readout = await fresh.getByTestId('loop-readout').textContent();
    assert.ok(readout.includes(`${Math.floor(move.start / 60)}:${String(Math.floor(move.start % 60)).padStart(2, '0')}`), readout);
    // Play: it loops the shared section.
    await fresh.getByRole('button', { name: 'Play' }).click();
    await fresh.waitForFunction(() => !document.querySelector('video').paused);
    assert.match(await fresh.getByTestId('loop-readout').textContent(), /pass 1/);
    await h.screenshot(fresh, 'player-shared-link');
    await fresh.context().close();
  });

  test('works with the keyboard alone', async () => {
    const page = await playerPage();
    const moves = task.result.moves;
    // Tab into the player.
    for (let i = 0; i < 40; i += 1) {
      if (await page.evaluate(() => document.querySelector('[data-testid="player"]').contains(document.activeElement))) break;
      await page.keyboard.press('Tab');
    }
    assert.ok(await page.evaluate(() => document.querySelector('[data-testid="player"]').contains(document.activeElement)));
    const focusedName = () => page.evaluate(() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent);
    // Space on a focused button presses that button; move focus to the seek slider for the player's own keys.
    while (!(await page.evaluate(() => document.activeElement.matches('input[type="range"]')))) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('k');
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.3);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('video').paused);

    await page.keyboard.press('n');
    await page.waitForFunction((s) => Math.abs(document.querySelector('video').currentTime - s) < 0.01, moves[1].start);
    assert.match(await page.locator('input[type="range"]').getAttribute('aria-valuetext'), new RegExp(`move 2 of ${moves.length}: ${moves[1].label}`));
    await page.keyboard.press('n');
    await page.keyboard.press('p');
    await page.waitForFunction((s) => Math.abs(document.querySelector('video').currentTime - s) < 0.01, moves[1].start);

    const before = (await videoState(page)).time;
    await page.keyboard.press('.');
    await page.waitForFunction((t) => document.querySelector('video').currentTime > t, before);
    const stepped = (await videoState(page)).time;
    const frameOf = (t) => Math.floor(t * 30 + 1e-6); // the demo videos are 30 fps
    assert.equal(frameOf(stepped) - frameOf(before), 1, `a frame step went from ${before} to ${stepped}`);
    await page.keyboard.press(',');
    await page.waitForFunction((t) => document.querySelector('video').currentTime < t, stepped);
    assert.equal(frameOf((await videoState(page)).time), frameOf(before), 'a frame step back');

    await page.keyboard.press('m');
    assert.equal((await videoState(page)).transform, 'matrix(-1, 0, 0, 1, 0, 0)');
    await page.keyboard.press('Shift+Period'); // >
    assert.equal((await videoState(page)).rate, 1.1);
    await page.keyboard.press('Shift+Comma'); // <
    await page.keyboard.press('Shift+Comma');
    assert.equal((await videoState(page)).rate, 0.9);

    await page.keyboard.press('a');
    await page.keyboard.press('l'); // +10 s
    await page.keyboard.press('b');
    assert.match(await page.getByTestId('loop-readout').textContent(), /Loop: \d+:\d\d\.\d\d – \d+:\d\d\.\d\d/);
    await page.keyboard.press('Escape');
    assert.match(await page.getByTestId('loop-readout').textContent(), /Loop: none/);

    await page.keyboard.press('Shift+Slash'); // ?
    const dialog = page.getByRole('dialog', { name: 'Player keys' });
    await dialog.waitFor();
    await h.expectNoAxeViolations(page, 'the player keys dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // Tab to a move's Loop button and press it with Enter.
    for (let i = 0; i < 80 && !(await focusedName()).startsWith('Loop move 2'); i += 1) await page.keyboard.press('Tab');
    assert.match(await focusedName(), /^Loop move 2/);
    await page.keyboard.press('Enter');
    await page.getByTestId('count-in').waitFor();
    await page.waitForFunction(() => !document.querySelector('video').paused, null, { timeout: 20_000 });
    assert.match(await page.getByTestId('loop-readout').textContent(), /move 2/);
    await page.context().close();
  });

  test('the player on the collection page and at 375 px: large targets, no axe violations', async () => {
    const itemId = task.result.saved_choreography_id;
    assert.ok(itemId, 'the demo user auto-saves');
    const page = await playerPage(375, `/collections/${itemId}`);
    await h.expectNoAxeViolations(page, 'the collection page player at 375 px');
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="player"] button, [data-testid="player"] select, [data-testid="player"] input')]
        .filter((el) => !el.closest('dialog') && !el.closest('[data-own-arrows]'))
        .map((el) => ({ name: el.getAttribute('aria-label') || el.textContent, h: el.getBoundingClientRect().height }))
        .filter((el) => el.h < 44),
    );
    assert.deepEqual(small, []);
    await h.screenshot(page, 'player-collection');
    await page.context().close();
  });
});
