#!/usr/bin/env node
/**
 * One Strapi node in its own process, booted from dist/ (compile first: tests/helpers/global-setup.js
 * or `strapi build`). Every setting comes from the environment the parent gives (DATABASE_*,
 * REDIS_URL, REDIS_KEY_PREFIX, the secrets, LIVE_CHAT_*, PUBLIC_DIR, ...); PORT=0 takes any free port.
 *
 *   PORT=0 DATABASE_CLIENT=postgres ... node tests/helpers/node-process.js
 *
 * Prints `READY <port>` on stdout once it listens on 127.0.0.1. SIGTERM or SIGINT (or the parent's
 * IPC channel closing, when it was spawned with one) runs strapi.destroy() and exits 0; a failed
 * boot prints the error on stderr and exits 1.
 *
 * The plugin's strapi-server.js installs esbuild-register only when JEST_WORKER_ID is unset: a
 * parent running under jest must remove it from the child's environment.
 */
'use strict';
const path = require('path');

const appDir = path.resolve(process.env.APP_DIR || path.join(__dirname, '..', '..'));
const distDir = path.join(appDir, 'dist');
const port = Number(process.env.PORT || 0);
const GRACEFUL_MS = Number(process.env.SHUTDOWN_TIMEOUT_MS || 15000);

let strapi = null;
let stopping = false;

async function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  // a hung destroy must not leave the process behind
  setTimeout(() => {
    console.error(`[node ${port}] shutdown (${reason}) took longer than ${GRACEFUL_MS} ms: exiting`);
    process.exit(1);
  }, GRACEFUL_MS).unref();
  try {
    if (strapi) await strapi.destroy();
    process.exit(0);
  } catch (err) {
    console.error(`[node ${port}] shutdown failed: ${(err && err.stack) || err}`);
    process.exit(1);
  }
}

async function main() {
  process.chdir(appDir);
  const { createStrapi } = require('@strapi/strapi');
  strapi = await createStrapi({ appDir, distDir }).load();
  strapi.server.mount();
  const server = strapi.server.httpServer;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // Strapi's load() installed its own SIGTERM/SIGINT handlers (destroy, then exit): replace them
  // with one that also bounds the shutdown and reports a failed destroy in the exit code
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (process.connected) process.on('disconnect', () => shutdown('parent gone'));
  process.stdout.write(`READY ${server.address().port}\n`);
}

main().catch((err) => {
  console.error(`[node ${port}] boot failed: ${(err && err.stack) || err}`);
  process.exit(1);
});
