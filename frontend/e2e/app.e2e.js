// The dancer's flows in Debian's Chromium against the real API, job and PostgreSQL (see harness.js).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as h from './harness.js';

const skip = h.skipReason();
let stack;
let browser;

before(async () => {
  if (skip) return;
  stack = await h.startStack();
  browser = await h.launchBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function check(page, name, label = name) {
  await h.expectNoAxeViolations(page, label);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${label} scrolls sideways by ${overflow} px at ${page.viewportSize().width} px`);
  await h.screenshot(page, name);
}

/** Keyboard only: Tab until the element matching `selector` has focus (at most `limit` presses). */
async function tabTo(page, selector, limit = 40) {
  for (let i = 0; i < limit; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe('a dancer', { skip }, () => {
  test('registers, logs in, uploads a song, generates, watches it play, saves, edits and deletes it', async () => {
    for (const width of [375, 1280]) {
      const page = await h.newPage(browser, stack, width);
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'Your song, danced' }).waitFor();
      await check(page, 'home-anonymous');

      await page.goto('/login');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').getByText('There is a problem').waitFor();
      assert.equal(await page.getByLabel('Username or email').getAttribute('aria-invalid'), 'true');
      await check(page, 'login-errors', 'the login page with errors');

      await page.goto('/register');
      await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
      await check(page, 'register');
      const user = await h.registerViaUI(page);
      await page.getByRole('heading', { level: 1, name: 'Generate a choreography' }).waitFor();
      await check(page, 'generate');

      // A reload keeps the session (the refresh cookie), the access token was only in memory.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Generate a choreography' }).waitFor();
      assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByText('You are logged out.').waitFor();
      // the server ended the session: a reload does not bring it back
      await page.goto('/collections');
      await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      await h.loginViaUI(page, user, { next: '/profile' });
      await page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
      await check(page, 'profile');
      // Choose which choreographies to keep, so the result page offers "save to collection".
      await page.getByLabel('Save every new choreography to my collection').uncheck();
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText('Your profile is saved.').waitFor();

      await page.getByRole('link', { name: 'Generate', exact: true }).click();
      await page.getByRole('radio', { name: 'Upload your own song' }).check();
      await page.getByLabel('Song file').setInputFiles(h.demoSongPath(stack));
      await page.getByText('Uploaded:').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Generate choreography' }).click();
      await page.waitForURL(/\/tasks\/[^/]+$/);
      await page.getByRole('progressbar', { name: 'Generation progress' }).or(page.getByRole('heading', { name: /ready/ })).first().waitFor();
      if (await page.getByRole('progressbar').count()) await check(page, 'progress', 'the progress page');

      await h.waitForTaskEnd(page);
      await page.getByRole('heading', { level: 1, name: 'Your choreography is ready' }).waitFor();
      const played = await h.videoPlays(page, 0.5);
      assert.ok(played > 0.5, `the video played to ${played} s`);
      await check(page, 'result', 'the result page');

      const title = `First bachata ${width}`;
      await page.getByLabel('Title').fill(title);
      await page.getByRole('button', { name: 'Save to collection' }).click();
      await page.getByRole('link', { name: 'Open it in your collection' }).waitFor();

      await page.getByRole('link', { name: 'Bachata Buddy' }).click();
      await page.getByRole('heading', { level: 1, name: /Welcome back/ }).waitFor();
      await page.getByRole('link', { name: title }).waitFor();
      await check(page, 'home', 'the home page with recent choreographies');

      await page.getByRole('link', { name: 'Collections' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your collection' }).waitFor();
      await page.getByRole('link', { name: title }).waitFor();
      await check(page, 'collections', 'the collection');

      await page.getByRole('link', { name: title }).click();
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
      await page.locator('video').waitFor();
      await check(page, 'collection-detail', 'a collection item');
      await page.getByLabel('Title').fill(`${title} (edited)`);
      await page.getByLabel('Difficulty').selectOption('advanced');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Your changes are saved.').waitFor();
      await page.getByRole('heading', { level: 1, name: `${title} (edited)` }).waitFor();

      await page.getByRole('button', { name: 'Delete this choreography' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Yes, delete it' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your collection' }).waitFor();
      await page.getByText('Your collection is empty.').waitFor();
      await check(page, 'collections-empty', 'the empty collection');

      await page.goto('/no/such/page');
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
      await check(page, 'not-found');
      await page.context().close();
    }
  });

  test('cancels a running generation', async () => {
    const songs = await h.songServer(h.demoSongPath(stack));
    songs.state.mode = 'slow';
    try {
      const page = await h.newPage(browser, stack, 375);
      await h.registerViaUI(page);
      await page.goto('/generate');
      // an upload the API refuses: its words on the file field
      await page.getByRole('radio', { name: 'Upload your own song' }).check();
      await page.getByLabel('Song file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a song') });
      await page.locator('#file-error').waitFor({ timeout: 30_000 });
      assert.equal(await page.getByLabel('Song file').getAttribute('aria-invalid'), 'true');
      assert.ok((await page.locator('#file-error').innerText()).length > 10);
      await check(page, 'upload-error', 'a refused upload');
      await page.getByRole('radio', { name: 'Paste a link' }).check();
      await page.getByLabel('Link to the song').fill(songs.url);
      await page.getByRole('button', { name: 'Generate choreography' }).click();
      await page.waitForURL(/\/tasks\//);
      await page.getByRole('button', { name: 'Cancel generation' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel this generation?' });
      await dialog.waitFor();
      await check(page, 'cancel-dialog', 'the cancel confirmation');
      await dialog.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('heading', { level: 1, name: 'Generation cancelled' }).waitFor({ timeout: 60_000 });
      await check(page, 'cancelled', 'a cancelled generation');
      await page.context().close();
    } finally {
      await songs.close();
    }
  });

  test('sees why a generation failed, retries it, and a reload on the progress page resumes', async () => {
    const songs = await h.songServer(h.demoSongPath(stack));
    songs.state.mode = 'not-audio';
    try {
      const page = await h.newPage(browser, stack, 1280);
      await h.registerViaUI(page);
      await page.goto('/generate');
      // "describe it": the API's understanding sets the fields, for the user to adjust
      await page.getByLabel('Describe it (optional)').fill('a slow romantic routine for beginners');
      await page.getByRole('button', { name: 'Understand my description' }).click();
      await page.getByText('We understood:').waitFor();
      assert.equal(await page.getByLabel('Difficulty').inputValue(), 'beginner');
      assert.equal(await page.getByLabel('Style').inputValue(), 'romantic');
      await page.getByRole('radio', { name: 'Paste a link' }).check();
      await page.getByRole('button', { name: 'Generate choreography' }).click();
      await page.getByRole('alert').getByText('There is a problem').waitFor();
      assert.equal(await page.getByLabel('Link to the song').getAttribute('aria-invalid'), 'true');
      await check(page, 'generate-errors', 'the generate page with a description and an error');
      await page.getByLabel('Link to the song').fill(songs.url);
      await page.getByRole('button', { name: 'Generate choreography' }).click();
      await page.getByRole('heading', { level: 1, name: 'Generation failed' }).waitFor({ timeout: 90_000 });
      const reason = (await page.getByRole('alert').first().innerText()).trim();
      assert.ok(reason.length > 10, `a readable reason: ${reason}`);
      assert.doesNotMatch(reason, /\/tmp\/|Traceback|\/work\//);
      // focus moves to Retry (in an effect, just after the failure is painted)
      await page.waitForFunction(() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent.trim() === 'Retry', null, { timeout: 5000 });
      await check(page, 'failed', 'a failed generation');

      songs.state.mode = 'audio';
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('heading', { level: 1, name: 'Generating your choreography' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { level: 1, name: /Generating your choreography|Your choreography is ready/ }).waitFor();
      await h.waitForTaskEnd(page);
      await page.getByRole('heading', { level: 1, name: 'Your choreography is ready' }).waitFor();
      await page.getByRole('link', { name: 'Open it in your collection' }).waitFor();
      await page.context().close();
    } finally {
      await songs.close();
    }
  });

  test('logs in and generates with the keyboard only', async () => {
    const { fields: user } = await h.registerViaApi(stack);
    const page = await h.newPage(browser, stack, 1280);
    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    await tabTo(page, '#username');
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(ring, 'none', 'the focused input shows a focus ring');
    await page.keyboard.type(user.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    // The home page moves focus to its heading once its code has loaded: a keyboard user starts from there.
    await page.getByRole('heading', { level: 1, name: /^Welcome back/ }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');

    await tabTo(page, 'a[href="/generate"]');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Generate a choreography' }).waitFor();
    // focus moves to the heading (React's effect runs just after the heading is painted)
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1', null, { timeout: 5000 });
    await page.locator('#song_id option').nth(1).waitFor({ state: 'attached' });
    await tabTo(page, '#song_id');
    await page.keyboard.press('ArrowDown');
    assert.notEqual(await page.locator('#song_id').inputValue(), '');
    await tabTo(page, 'button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/tasks\//);
    await h.waitForTaskEnd(page);
    await page.getByRole('heading', { level: 1, name: 'Your choreography is ready' }).waitFor();
    await page.context().close();
  });
});
