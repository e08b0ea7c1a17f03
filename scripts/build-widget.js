#!/usr/bin/env node
/** Builds widget/dist/widget.js (installing the widget's own dependencies first when missing). */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const widget = path.resolve(__dirname, '..', 'widget');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => {
  // always a production build: a test runner's NODE_ENV=test would give Svelte's dev build
  const env = args[0] === 'run' ? { ...process.env, NODE_ENV: 'production' } : process.env;
  const res = spawnSync(npm, args, { cwd: widget, stdio: 'inherit', env });
  if (res.status !== 0) process.exit(res.status ?? 1);
};
if (!fs.existsSync(path.join(widget, 'node_modules'))) run(['ci', '--no-audit', '--no-fund']);
run(['run', 'build']);
