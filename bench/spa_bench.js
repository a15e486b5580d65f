// The web app's size budget and load speed.
//
//   node bench/spa_bench.js --sizes [--check]     gzipped sizes of frontend/dist against the budget
//                                                 (--check: exit 1 when over; `make test` runs this)
//   node bench/spa_bench.js [--runs 3] [--write-docs]
//                                                 sizes + LCP of / and /collections in Debian's Chromium
//                                                 with 4x CPU throttling, against the real stack
//
// Build first (`cd frontend && npm run build`; the LCP run builds through `make run`'s builder itself).
// Budget: JS loaded by the first page <= 75 kB gzipped, each lazily loaded route chunk (with the shared
// chunks it pulls in that the entry does not have) <= 25 kB, CSS <= 15 kB.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const REPO = path.resolve(__dirname, '..');
const DIST = path.join(REPO, 'frontend', 'dist');
const BUDGET = { firstPageJs: 75 * 1024, routeChunk: 25 * 1024, css: 15 * 1024 };
// Per-route budgets that other work set for itself (the instructor pages), and chunks budgeted on their
// own instead of inside the routes that load them (the practice player: its chunk <= 35 kB).
const ROUTE_BUDGETS = { 'src/pages/instructor/': 25 * 1024 };
const OWN_BUDGET_CHUNKS = { Player: 35 * 1024 };

const gz = (file) => zlib.gzipSync(fs.readFileSync(path.join(DIST, file)), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;

function manifest() {
  const file = path.join(DIST, '.vite', 'manifest.json');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: build the web app first (cd frontend && npm ci && npm run build)`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// A chunk and every chunk it imports statically (what the browser must load before it runs).
function closure(chunks, key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of chunks[key].imports || []) closure(chunks, dep, seen);
  return seen;
}

function sizes() {
  const chunks = manifest();
  const entryKey = Object.keys(chunks).find((key) => chunks[key].isEntry);
  const entry = closure(chunks, entryKey);
  const jsOf = (keys) => [...keys].reduce((sum, key) => sum + gz(chunks[key].file), 0);
  const separate = Object.keys(chunks).filter((k) => OWN_BUDGET_CHUNKS[chunks[k].name] && !chunks[k].src?.startsWith('src/pages/'));
  const routes = (chunks[entryKey].dynamicImports || []).map((key) => {
    const own = [...closure(chunks, key)].filter((k) => !entry.has(k) && !separate.includes(k));
    const limit = Object.entries(ROUTE_BUDGETS).find(([prefix]) => key.startsWith(prefix))?.[1] ?? BUDGET.routeChunk;
    return { route: key, gzip: jsOf(own), limit };
  });
  for (const key of separate) {
    const own = [...closure(chunks, key)].filter((k) => !entry.has(k));
    routes.push({ route: `${chunks[key].name} (shared chunk)`, gzip: jsOf(own), limit: OWN_BUDGET_CHUNKS[chunks[key].name] });
  }
  const home = routes.find((r) => r.route.endsWith('pages/Home.jsx'));
  const homeKeys = home ? [...closure(chunks, home.route)] : [];
  const firstPage = jsOf(new Set([...entry, ...homeKeys]));
  const cssFiles = new Set(Object.values(chunks).flatMap((c) => c.css || []));
  const css = [...cssFiles].reduce((sum, file) => sum + gz(file), 0);
  return { entry: jsOf(entry), firstPage, routes, css };
}

function sizeReport(result) {
  const failures = [];
  if (result.firstPage > BUDGET.firstPageJs) failures.push(`first page JS ${kb(result.firstPage)} > ${kb(BUDGET.firstPageJs)}`);
  if (result.css > BUDGET.css) failures.push(`CSS ${kb(result.css)} > ${kb(BUDGET.css)}`);
  for (const route of result.routes) {
    if (route.gzip > route.limit) failures.push(`${route.route} ${kb(route.gzip)} > ${kb(route.limit)}`);
  }
  const lines = [
    '| what (gzip -9) | size | budget |',
    '|---|---:|---:|',
    `| JS loaded by the first page (entry + home) | ${kb(result.firstPage)} | ${kb(BUDGET.firstPageJs)} |`,
    `| of which the entry (React, ReactDOM, Router, app shell) | ${kb(result.entry)} | |`,
    `| CSS | ${kb(result.css)} | ${kb(BUDGET.css)} |`,
    ...result.routes.map((r) => `| lazy chunk \`${r.route}\` | ${kb(r.gzip)} | ${kb(r.limit)} |`),
  ];
  return { failures, table: lines.join('\n') };
}

async function lcp(runs) {
  const h = await import(path.join(REPO, 'frontend', 'e2e', 'harness.js'));
  const stack = await h.startStack();
  const browser = await h.launchBrowser();
  try {
    const { fields: user } = await h.registerViaApi(stack);
    const out = {};
    for (const route of ['/', '/collections']) {
      const values = [];
      for (let i = 0; i < runs; i += 1) {
        const page = await h.newPage(browser, stack, 1280);
        if (route !== '/') await h.loginViaUI(page, user);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        await page.goto(route, { waitUntil: 'load' });
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForTimeout(1000);
        const value = await page.evaluate(
          () =>
            new Promise((resolve) => {
              new PerformanceObserver((list) => {
                const entries = list.getEntries();
                resolve(entries[entries.length - 1].startTime);
              }).observe({ type: 'largest-contentful-paint', buffered: true });
              setTimeout(() => resolve(null), 3000);
            }),
        );
        values.push(value);
        await page.context().close();
      }
      out[route] = values;
    }
    return out;
  } finally {
    await browser.close();
    await stack.stop();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const result = sizes();
  const { failures, table } = sizeReport(result);
  console.log(table);
  if (args.includes('--sizes')) {
    if (failures.length) {
      console.error(`\nOver the size budget:\n- ${failures.join('\n- ')}`);
      if (args.includes('--check')) process.exit(1);
    } else console.log('\nWithin the size budget.');
    return;
  }
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
  const measured = await lcp(runs);
  const lcpLines = [
    '| page | LCP per run (ms), 4x CPU throttling, cache disabled | median |',
    '|---|---|---:|',
    ...Object.entries(measured).map(([route, values]) => {
      const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
      const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
      return `| \`${route}\` | ${values.map((v) => (v === null ? 'n/a' : Math.round(v))).join(', ')} | ${median === null ? 'n/a' : Math.round(median)} |`;
    }),
  ].join('\n');
  console.log(`\n${lcpLines}`);
  if (args.includes('--write-docs')) {
    const docs = path.join(REPO, 'docs', 'benchmarks.md');
    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const section = [
      '## Web app: size budget and largest contentful paint',
      '',
      `### ${stamp} UTC, written by the script`,
      '',
      '    node bench/spa_bench.js --runs 3 --write-docs   # sizes only: node bench/spa_bench.js --sizes --check',
      '',
      'Sizes from `frontend/dist` (Vite build, each file gzip -9); a route chunk counts the shared chunks it',
      'pulls in that the entry does not already have. LCP in Debian Chromium (headless, 1280x900), 4x CPU',
      'throttling through CDP, the browser cache disabled, against the real API serving the built app',
      "(http://127.0.0.1, no network latency); `/collections` is a logged-in user's empty collection.",
      `The machine was shared with other work (load average ${require('node:os').loadavg()[0].toFixed(1)} at the end).`,
      '',
      table,
      '',
      lcpLines,
      '',
      `Budget: ${failures.length ? `**over** — ${failures.join('; ')}` : 'every size within its budget'}.`,
      'LCP target ("good", web.dev): <= 2500 ms.',
      '',
    ].join('\n');
    let text = fs.readFileSync(docs, 'utf8');
    const start = text.indexOf('## Web app: size budget');
    if (start >= 0) {
      const rest = text.indexOf('\n## ', start + 5);
      text = text.slice(0, start) + section + (rest >= 0 ? text.slice(rest + 1) : '');
    } else text = `${text.trimEnd()}\n\n${section}`;
    fs.writeFileSync(docs, text);
    console.log(`\nwrote ${docs}`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { sizes, sizeReport, BUDGET };
