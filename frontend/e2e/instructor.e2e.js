// An instructor's class plan in Debian's Chromium against the real API, job and PostgreSQL (see harness.js):
// three real choreographies, a plan built from them, reordered by button and by drag, kept across a reload,
// the summary printed, the class practised in the player; axe on every instructor page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as h from './harness.js';

const skip = h.skipReason();
// `make run` and the harness create this local instructor (bachata.users demo_setup).
const INSTRUCTOR = { username: process.env.DEMO_USERNAME || 'demo', password: process.env.DEMO_PASSWORD || 'bachata-demo' };
const suffix = Date.now().toString(36);
const TITLES = [`Basics ${suffix}`, `Turns ${suffix}`, `Dips ${suffix}`];
const PLAN = `Sunday class ${suffix}`;
let stack;
let browser;

async function api(method, url, token, body, headers = {}) {
  const response = await fetch(`${stack.baseURL}${url}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Three finished choreographies in the instructor's collection, titled TITLES, of rising difficulty. */
async function threeChoreographies() {
  const { access } = await api('POST', '/api/auth/login', null, INSTRUCTOR);
  const songs = await api('GET', '/api/songs', access);
  const song = (songs.results || songs)[0];
  const levels = ['beginner', 'intermediate', 'advanced'];
  const tasks = [];
  for (const difficulty of levels) {
    const started = await api('POST', '/api/choreography/generate', access, { song_id: song.id, difficulty }, {
      'Idempotency-Key': `${suffix}-${difficulty}`,
    });
    tasks.push(started.task_id);
  }
  const ids = [];
  for (const [index, taskId] of tasks.entries()) {
    let task;
    for (let i = 0; i < 400; i += 1) {
      task = await api('GET', `/api/choreography/tasks/${taskId}`, access);
      if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(task.status, 'completed', JSON.stringify(task));
    let id = task.result.saved_choreography_id;
    if (!id) id = (await api('POST', '/api/collections', access, { task_id: taskId, title: TITLES[index] })).id;
    await api('PATCH', `/api/collections/${id}`, access, { title: TITLES[index] });
    ids.push(id);
  }
  return ids;
}

const order = (page) => page.getByRole('list', { name: 'Class order' }).locator('h3').allTextContents();
const titlesIn = (texts) => texts.map((t) => TITLES.find((title) => t.includes(title)));

before(async () => {
  if (skip) return;
  stack = await h.startStack();
  browser = await h.launchBrowser();
  await threeChoreographies();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('an instructor', { skip }, () => {
  test('builds a class of three, reorders it, finds the order kept after a reload, prints the summary and practises it', async () => {
    const page = await h.newPage(browser, stack, 1280);
    await h.loginViaUI(page, INSTRUCTOR);
    await page.getByRole('link', { name: 'Classes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instructor dashboard' }).waitFor();
    await h.expectNoAxeViolations(page, 'the instructor dashboard');

    // A plan, after the API's field errors.
    await page.getByRole('link', { name: 'New class plan' }).click();
    await page.getByRole('heading', { level: 1, name: 'New class plan' }).waitFor();
    await page.getByRole('button', { name: 'Create class plan' }).click();
    await page.getByRole('alert').getByText('There is a problem').waitFor();
    assert.equal(await page.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    await h.expectNoAxeViolations(page, 'the new plan form with errors');
    await page.getByLabel('Title').fill(PLAN);
    await page.getByLabel('Level').selectOption('intermediate');
    await page.getByLabel('Estimated duration').fill('45');
    await page.getByLabel('Notes').fill('Warm up with the basic.');
    await page.getByRole('button', { name: 'Create class plan' }).click();
    await page.getByRole('heading', { level: 1, name: PLAN }).waitFor();

    // Three sequences from the collection (searched by this run's suffix).
    await page.getByLabel('Search your choreographies').fill(suffix);
    await page.getByRole('search').getByRole('button', { name: 'Search' }).last().click();
    for (const title of TITLES) {
      await page.getByRole('button', { name: `Add ${title} to the class` }).click();
      await page.getByRole('list', { name: 'Class order' }).locator('h3').getByText(title).waitFor();
    }
    assert.deepEqual(titlesIn(await order(page)), TITLES);
    await h.expectNoAxeViolations(page, 'the plan detail');

    // Reorder with the keyboard-accessible button: Dips up → Basics, Dips, Turns.
    await page.getByRole('button', { name: `Move “${TITLES[2]}” up` }).click();
    await page.getByText(`Moved “${TITLES[2]}” to position 2 of 3.`).waitFor();
    assert.deepEqual(titlesIn(await order(page)), [TITLES[0], TITLES[2], TITLES[1]]);
    // The moved item keeps the focus.
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), `Move “${TITLES[2]}” up`);
    // And by drag: Turns (last) onto the first row → Turns, Basics, Dips.
    const rows = page.getByRole('list', { name: 'Class order' }).locator(':scope > li');
    await page.setViewportSize({ width: 1280, height: 1600 }); // both rows on screen for the pointer
    const from = await rows.nth(2).getByTestId('drag-handle').boundingBox();
    const to = await rows.nth(0).boundingBox();
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + 20, { steps: 8 });
    await page.mouse.up();
    await page.getByText(`Moved “${TITLES[1]}” to position 1 of 3.`).waitFor();
    const expected = [TITLES[1], TITLES[0], TITLES[2]];
    assert.deepEqual(titlesIn(await order(page)), expected);

    await page.reload();
    await page.getByRole('heading', { level: 1, name: PLAN }).waitFor();
    await page.getByRole('list', { name: 'Class order' }).locator('h3').getByText(TITLES[0]).waitFor();
    assert.deepEqual(titlesIn(await order(page)), expected);
    const summary = page.getByTestId('plan-summary');
    assert.match(await summary.textContent(), /Intermediate → Beginner → Advanced \(steps back\)/);
    await page.getByRole('heading', { name: 'Recommendations' }).waitFor();
    await h.screenshot(page, 'instructor-plan');

    // The printable sheet, in the class order, printed.
    await page.getByRole('link', { name: 'Printable view' }).click();
    await page.getByTestId('sheet-sequences').waitFor();
    const sheetTitles = await page.getByTestId('sheet-sequences').locator('tbody tr td:nth-child(2)').allTextContents();
    assert.deepEqual(sheetTitles, expected);
    assert.match(await page.getByTestId('sheet-summary').textContent(), /Total time\d+ min/);
    await h.expectNoAxeViolations(page, 'the printable class sheet');
    await page.evaluate(() => {
      window.__printed = 0;
      window.print = () => {
        window.__printed += 1;
      };
    });
    await page.getByRole('button', { name: 'Print' }).click();
    assert.equal(await page.evaluate(() => window.__printed), 1);
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('header')).display), 'none');
    assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(h.ARTIFACTS, { recursive: true });
    const pdf = await page.pdf({ path: `${h.ARTIFACTS}/class-sheet.pdf` });
    assert.ok(pdf.length > 1000);
    await page.emulateMedia({ media: 'screen' });

    // Practise the whole class: the first in order, then the next one.
    await page.getByRole('link', { name: 'Back to the plan' }).click();
    await page.getByRole('link', { name: 'Practise the whole class' }).click();
    await page.getByTestId('class-position').getByText(`1 of 3: ${expected[0]}`).waitFor();
    await page.getByTestId('player').waitFor();
    await h.expectNoAxeViolations(page, 'practising the class');
    await page.getByRole('button', { name: 'Next choreography' }).click();
    await page.getByTestId('class-position').getByText(`2 of 3: ${expected[1]}`).waitFor();
    await page.waitForFunction(() => document.querySelector('video')?.readyState >= 1);
    assert.equal(new URL(page.url()).searchParams.get('item'), '2');

    // The list of plans, with counts and total time; duplicate without sequences.
    await page.goto('/instructor/plans');
    const card = page.getByRole('listitem').filter({ hasText: PLAN }).first();
    assert.match(await card.textContent(), /3 sequences · total \d+ min · planned 45 min/);
    await h.expectNoAxeViolations(page, 'the class plans list');
    await card.getByRole('button', { name: `Duplicate ${PLAN}` }).click();
    const dialog = page.getByRole('dialog', { name: `Duplicate “${PLAN}”` });
    await dialog.getByLabel('Title of the copy').fill(`${PLAN} (empty)`);
    await dialog.getByLabel(/Copy its/).uncheck();
    await h.expectNoAxeViolations(page, 'the duplicate dialog');
    await dialog.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByRole('heading', { level: 1, name: `${PLAN} (empty)` }).waitFor();
    await page.getByText('No sequences yet.').first().waitFor();
    await page.context().close();
  });

  test('the instructor pages at 375 px', async () => {
    const page = await h.newPage(browser, stack, 375);
    await h.loginViaUI(page, INSTRUCTOR, { next: '/instructor/plans' });
    await page.getByRole('heading', { level: 1, name: 'Class plans' }).waitFor();
    await h.expectNoAxeViolations(page, 'the class plans list at 375 px');
    await h.screenshot(page, 'instructor-plans');
    await page.getByRole('link', { name: PLAN, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: PLAN }).waitFor();
    await page.getByRole('list', { name: 'Class order' }).locator('h3').getByText(TITLES[0]).waitFor();
    await h.expectNoAxeViolations(page, 'the plan detail at 375 px');
    await h.screenshot(page, 'instructor-plan');
    await page.context().close();
  });

  test('a dancer who is not an instructor is told why', async () => {
    const page = await h.newPage(browser, stack, 1280);
    const dancer = await h.registerViaApi(stack);
    await h.loginViaUI(page, dancer.fields, { next: '/instructor/plans' });
    await page.getByText('Class plans are for instructor accounts.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Classes' }).count(), 0);
    await page.context().close();
  });
});
