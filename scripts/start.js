#!/usr/bin/env node
/**
 * `npm start`: the one command that runs the platform from a fresh clone.
 * 1. generates the secrets into a git-ignored .env on first start (scripts/ensure-env.js);
 * 2. builds the app and the admin panel when no build exists yet (or with --build);
 * 3. runs `strapi start` (production server, SQLite by default at .tmp/data.db).
 */
const { spawnSync, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { ensureEnv } = require('./ensure-env');

const root = path.resolve(__dirname, '..');
const strapiBin = path.join(root, 'node_modules', '.bin', 'strapi');

const written = ensureEnv(root);
if (written.length) console.log(`[start] first start: generated ${written.join(', ')} into .env`);

if (!fs.existsSync(path.join(root, 'widget', 'dist', 'widget.js')) || process.argv.includes('--build')) {
  console.log('[start] building the visitor widget...');
  const res = spawnSync(process.execPath, [path.join(__dirname, 'build-widget.js')], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const adminBuilt = fs.existsSync(path.join(root, 'dist', 'build', 'index.html'));
if (!adminBuilt || process.argv.includes('--build')) {
  console.log('[start] building the app and the admin panel (takes about a minute, once)...');
  const res = spawnSync(strapiBin, ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const child = spawn(strapiBin, ['start'], { cwd: root, stdio: 'inherit', env: { NODE_ENV: 'production', ...process.env } });
const forward = (sig) => () => child.kill(sig);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
