// Runs every browser test (e2e/*.e2e.js) against one stack started here (see harness.js).
//   node e2e/run.js [file ...]
// Without Chromium (outside CI) the tests skip with the install command.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { FRONTEND, skipReason, startStack } from './harness.js';

const dir = path.join(FRONTEND, 'e2e');
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(dir)
      .filter((name) => name.endsWith('.e2e.js'))
      .sort()
      .map((name) => path.join(dir, name));

const reason = skipReason();
if (reason) {
  console.log(`e2e: skipped — ${reason}`);
  process.exit(0);
}

const started = Date.now();
const stack = await startStack();
console.log(`e2e: stack up at ${stack.baseURL} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
let code = 1;
try {
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
      cwd: FRONTEND,
      stdio: 'inherit',
      env: { ...process.env, E2E_BASE_URL: stack.baseURL, E2E_MEDIA_ROOT: stack.media },
    });
    child.on('exit', (status) => resolve(status ?? 1));
  });
} finally {
  if (code !== 0) console.error(`--- server output (last lines) ---\n${stack.log().slice(-6000)}`);
  await stack.stop();
}
console.log(`e2e: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
