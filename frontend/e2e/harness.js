// Browser end-to-end harness: the real API (Django serving the built SPA at one origin, as `make run` does),
// the real local job launcher with the generated demo move library, a throwaway PostgreSQL, and Debian's
// Chromium driven by playwright-core.
//
//   node e2e/run.js             starts the stack once, then runs every e2e/*.e2e.js with node's test runner
//   node --test e2e/x.e2e.js    a single file: it starts (and stops) a stack of its own
//
// In a test file:
//   import { test, before, after } from 'node:test';
//   import * as h from './harness.js';
//   let stack, browser;
//   before(async (t) => { stack = await h.startStack(); browser = await h.launchBrowser(); });
//   after(async () => { await browser?.close(); await stack?.stop(); });
//   test('…', { skip: h.skipReason() }, async () => { const page = await h.newPage(browser, stack, 375); … });
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(FRONTEND, '..');
export const ARTIFACTS = path.join(FRONTEND, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];
export const H264_AAC = 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"';
export const DEMO_PASSWORD = 'bachata-e2e-1';

/** Why the browser tests cannot run here, or false. In CI a missing Chromium is a failure, not a skip. */
export function skipReason() {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);
  return `Chromium is not installed (${CHROMIUM}): apt-get install -y chromium`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseURL, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${baseURL}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the server did not answer ${baseURL}/api/health within ${timeoutMs / 1000} s`);
}

/**
 * The whole product on a free port. Reuses a running one when E2E_BASE_URL is set (e2e/run.js).
 * Returns { baseURL, media, stop(), log() }.
 */
export async function startStack({ timeoutMs = 900_000 } = {}) {
  if (process.env.E2E_BASE_URL) {
    return { baseURL: process.env.E2E_BASE_URL, media: process.env.E2E_MEDIA_ROOT, stop: async () => {}, log: () => '' };
  }
  const port = await freePort();
  const work = mkdtempSync(path.join(tmpdir(), 'bachata-e2e-'));
  const env = { ...process.env };
  delete env.DATABASE_URL; // always a throwaway cluster of our own: never CI's or a developer's database
  Object.assign(env, {
    MEDIA_ROOT: path.join(work, 'media'),
    JOB_LOG_DIR: path.join(work, 'logs'),
    API_THROTTLE_USER: '10000/minute',
    API_THROTTLE_ANON: '10000/minute',
    AUDIO_ALLOW_PRIVATE_HOSTS: '1', // the tests serve songs from a local HTTP server
    LOCAL_JOB_MAX_CONCURRENCY: '6',
    PYTHONUNBUFFERED: '1',
  });
  const uv = process.env.UV || 'uv';
  const child = spawn(uv, ['run', 'python', '-m', 'bachata.tools.run_local', '--port', String(port)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stop() ends the server, the database and any job
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const baseURL = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          resolve();
        }, 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseURL, child, timeoutMs);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n--- server output ---\n${output}`);
  }
  return { baseURL, media: env.MEDIA_ROOT, stop, log: () => output };
}

/** Debian's Chromium; fails loudly when it cannot play H.264/AAC MP4 (the generated videos). */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  const answer = await page.evaluate((type) => document.createElement('video').canPlayType(type), H264_AAC);
  await context.close();
  if (answer !== 'probably') {
    await browser.close();
    throw new Error(`This Chromium cannot play H.264/AAC (canPlayType answered "${answer}"): use Debian's chromium`);
  }
  return browser;
}

/** A fresh context (own cookies) and page at the given width, on the stack's origin. */
export async function newPage(browser, stack, width = 1280) {
  const height = width < 600 ? 800 : 900;
  const context = await browser.newContext({ baseURL: stack.baseURL, viewport: { width, height } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  return page;
}

let userCounter = 0;
/** A unique user's registration fields. */
export function newUser(prefix = 'dancer') {
  userCounter += 1;
  const id = `${prefix}${Date.now().toString(36)}${userCounter}`;
  return { username: id, email: `${id}@example.com`, display_name: `Dancer ${userCounter}`, password: DEMO_PASSWORD };
}

async function api(stack, method, url, { body, token } = {}) {
  const response = await fetch(`${stack.baseURL}${url}`, {
    method,
    headers: {
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return data;
}

/** Registers through the API; returns { user, access, refresh }. */
export async function registerViaApi(stack, user = newUser()) {
  const data = await api(stack, 'POST', '/api/auth/register', { body: user });
  return { ...data, fields: user };
}

/** Registers through the register page (leaves the page logged in). */
export async function registerViaUI(page, user = newUser()) {
  await page.goto('/register');
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Display name').fill(user.display_name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('link', { name: 'Log out' }).or(page.getByRole('button', { name: 'Log out' })).first().waitFor();
  return user;
}

/** Logs in through the login page with a username (or email) and password. */
export async function loginViaUI(page, { username, password }, { next = '' } = {}) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/**
 * From /generate, the library's demo song with the given options; returns the task id from the progress
 * page's URL (/tasks/:id).
 */
export async function generateWithDemoSong(page, { difficulty = 'beginner' } = {}) {
  await page.goto('/generate');
  await page.getByRole('radio', { name: /library/i }).check();
  const select = page.getByLabel('Song', { exact: true });
  await select.locator('option').nth(1).waitFor({ state: 'attached' });
  await select.selectOption({ index: 1 });
  await page.getByLabel('Difficulty').selectOption(difficulty);
  await page.getByRole('button', { name: 'Generate choreography' }).click();
  await page.waitForURL(/\/tasks\/[^/]+$/);
  return new URL(page.url()).pathname.split('/').pop();
}

/** Waits until the progress page shows a terminal state (the result, a failure or a cancellation). */
export async function waitForTaskEnd(page, timeoutMs = 180_000) {
  await page
    .getByRole('heading', { level: 1, name: /ready|failed|cancelled/i })
    .waitFor({ timeout: timeoutMs });
}

/** A task's state from the API, with a token (for assertions that the UI alone cannot make). */
export async function taskViaApi(stack, token, taskId) {
  return api(stack, 'GET', `/api/choreography/tasks/${taskId}`, { token });
}

/** Plays the page's first <video> muted and resolves once currentTime advanced past `seconds`. */
export async function videoPlays(page, seconds = 0.5, timeoutMs = 20_000) {
  const video = page.locator('video').first();
  await video.waitFor();
  await video.evaluate((v) => {
    v.muted = true;
    return v.play();
  });
  await page.waitForFunction(
    (min) => {
      const v = document.querySelector('video');
      return v && v.currentTime > min && !v.error;
    },
    seconds,
    { timeout: timeoutMs },
  );
  return video.evaluate((v) => v.currentTime);
}

/** Saves a screenshot under frontend/test-results/<name>-<width>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const file = path.join(ARTIFACTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** axe-core (WCAG 2.0–2.2 A/AA rules) on the page as it is; throws with every violation listed. */
export async function expectNoAxeViolations(page, label) {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  if (results.violations.length) {
    const lines = results.violations.map(
      (v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n    ')}`,
    );
    throw new Error(`axe found ${results.violations.length} violation(s) on ${label}:\n${lines.join('\n')}`);
  }
}

/**
 * A local HTTP server for song links: `mode` switches what /song.wav answers — 'audio' (the file at
 * `audioPath`), 'not-audio' (a text body), 'slow' (headers, then nothing for a long time).
 */
export async function songServer(audioPath) {
  const http = await import('node:http');
  const { readFileSync } = await import('node:fs');
  const state = { mode: 'audio' };
  const server = http.createServer((request, response) => {
    if (state.mode === 'not-audio') {
      response.writeHead(200, { 'Content-Type': 'audio/wav' });
      response.end('this is not a song at all, just some text pretending to be one');
    } else if (state.mode === 'slow') {
      response.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': '50000000' });
      response.write(Buffer.alloc(1024));
      // keep the connection open: the job waits in `downloading` until it is cancelled
    } else {
      const body = readFileSync(audioPath);
      response.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': String(body.length) });
      response.end(body);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/song.wav`;
  return {
    url,
    state,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}

/** The demo song file that prepare-demo put into the stack's song library. */
export function demoSongPath(stack) {
  return path.join(stack.media, 'songs', 'demo_bachata_128bpm.wav');
}
