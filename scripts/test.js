#!/usr/bin/env node
/**
 * The whole test suite, as CI and the README run it:
 *   1. unit tests (pure code, no Strapi)
 *   2. integration tests against a real in-process Strapi on fresh SQLite databases
 *   3. the same integration tests on fresh PostgreSQL databases (TEST_PG_* / 127.0.0.1:5432)
 *   3b. the security suite (tests/security: attacker-style cases against the running app, SQLite)
 *   4. two Strapi nodes (child processes) on one PostgreSQL database and one Redis (127.0.0.1:6379)
 *   5. e2e in real Chromium (the visitor's widget, the agent console), after one `strapi build`
 *   6. the smoke test: `strapi start` twice on one SQLite file, reusing that build
 *   7. faults (tests/faults, --runInBand, last): one process kill or service restart per case —
 *      the node SIGKILLed and restarted (SQLite, PostgreSQL), a private PostgreSQL and a private
 *      redis-server stopped and started, one of two nodes killed, connection drops of 5 s, 30 s
 *      and past the grace, 2,000 visitors reconnecting at once; about 3 minutes
 * Prints one closing line "N passed, N failed" and exits non-zero when a test failed or none ran.
 * Options: --only=unit,widget,sqlite,postgres,security,multinode,e2e,smoke,faults   (default: all)
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice(7).split(',') : ['unit', 'widget', 'sqlite', 'postgres', 'security', 'multinode', 'e2e', 'smoke', 'faults'];
const extra = process.argv.slice(2).filter((a) => !a.startsWith('--only='));

const stages = [
  { name: 'unit', args: ['--selectProjects', 'unit'], env: {} },
  // the visitor widget's component and state tests (vitest, in widget/, its own dependencies)
  { name: 'widget', runner: 'vitest', env: {} },
  { name: 'sqlite', args: ['--selectProjects', 'integration'], env: { TEST_DB: 'sqlite' } },
  { name: 'postgres', args: ['--selectProjects', 'integration'], env: { TEST_DB: 'postgres' } },
  // attacker-style cases (docs/security.md); what they prove does not depend on the database
  { name: 'security', args: ['--selectProjects', 'security'], env: { TEST_DB: 'sqlite' } },
  { name: 'multinode', args: ['--selectProjects', 'multinode'], env: { TEST_DB: 'postgres' } },
  // the visitor's flow in real Chromium (Debian's chromium package)
  { name: 'e2e', args: ['--selectProjects', 'e2e'], env: {} },
  { name: 'smoke', args: ['--selectProjects', 'smoke'], env: {} },
  // faults (docs/operations.md): kills and restarts, one at a time; private PostgreSQL and Redis
  // instances for the cases that stop them, the shared ones untouched
  { name: 'faults', args: ['--selectProjects', 'faults', '--runInBand'], env: {} },
].filter((s) => only.includes(s.name));

let passed = 0;
let failed = 0;
let total = 0;
let broken = false;
const started = Date.now();

/**
 * The admin panel is built once per run, before the first stage that serves it (e2e drives the
 * console in Chromium; smoke's `npm start` reuses the build instead of making its own).
 * REUSE_ADMIN_BUILD=1 keeps an existing build (local runs with unchanged admin code).
 */
let adminBuilt = false;
function buildAdminOnce() {
  if (adminBuilt) return true;
  adminBuilt = true;
  if (process.env.REUSE_ADMIN_BUILD === '1' && fs.existsSync(path.join(root, 'dist', 'build', 'index.html'))) return true;
  console.log('\n=== admin build (once, for e2e and smoke) ===');
  const started = Date.now();
  const res = spawnSync(path.join(root, 'node_modules', '.bin', 'strapi'), ['build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  console.log(`[test] admin build: exit ${res.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return res.status === 0;
}

for (const stage of stages) {
  if ((stage.name === 'e2e' || stage.name === 'smoke') && !buildAdminOnce()) {
    console.error('[test] the admin build failed');
    broken = true;
    break;
  }
  const out = path.join(os.tmpdir(), `livechat-jest-${stage.name}-${process.pid}.json`);
  console.log(`\n=== ${stage.name} ===`);
  const widgetDir = path.join(root, 'widget');
  const res =
    stage.runner === 'vitest'
      ? spawnSync(
          process.execPath,
          [path.join(widgetDir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
          { cwd: widgetDir, stdio: 'inherit', env: { ...process.env, ...stage.env } }
        )
      : spawnSync(
          process.execPath,
          [require.resolve('jest/bin/jest'), ...stage.args, '--json', `--outputFile=${out}`, ...extra],
          { cwd: root, stdio: 'inherit', env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', ...stage.env } }
        );
  if (!fs.existsSync(out)) {
    console.error(`[test] ${stage.name}: jest produced no result (exit ${res.status})`);
    broken = true;
    continue;
  }
  const result = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out, { force: true });
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  total += result.numTotalTests;
  if (res.status !== 0 || result.numFailedTestSuites > 0 || result.numRuntimeErrorTestSuites > 0) broken = true;
  if (result.numTotalTests === 0) {
    console.error(`[test] ${stage.name}: no test ran`);
    broken = true;
  }
}

console.log(`\n[test] stages: ${stages.map((s) => s.name).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(broken || failed > 0 || total === 0 ? 1 : 0);
