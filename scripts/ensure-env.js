#!/usr/bin/env node
/**
 * First start with no .env: generate the secrets Strapi needs (APP_KEYS, salts, JWT secrets,
 * ENCRYPTION_KEY) into a git-ignored .env, once. Existing values (in .env or in the process
 * environment) are never overwritten, so several nodes can share secrets given by the environment.
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const rand = () => crypto.randomBytes(24).toString('base64');

const SECRETS = {
  APP_KEYS: () => [rand(), rand(), rand(), rand()].join(','),
  API_TOKEN_SALT: rand,
  ADMIN_JWT_SECRET: rand,
  TRANSFER_TOKEN_SALT: rand,
  JWT_SECRET: rand,
  ENCRYPTION_KEY: rand,
  LIVE_CHAT_SECRET: rand,
};

function parseEnv(text) {
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m) out[m[1]] = true;
  }
  return out;
}

function ensureEnv(appDir = process.cwd()) {
  const file = path.join(appDir, '.env');
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const present = parseEnv(existing);
  const missing = Object.keys(SECRETS).filter((k) => !present[k] && !process.env[k]);
  if (missing.length === 0) return [];
  const lines = missing.map((k) => `${k}=${SECRETS[k]()}`);
  const header = existing ? '' : '# Generated on first start by scripts/ensure-env.js. Never commit this file.\n';
  const sep = existing && !existing.endsWith('\n') ? '\n' : '';
  fs.writeFileSync(file, `${existing}${sep}${header}${lines.join('\n')}\n`, { mode: 0o600 });
  return missing;
}

module.exports = { ensureEnv };

if (require.main === module) {
  const written = ensureEnv();
  if (written.length) console.log(`[ensure-env] generated ${written.join(', ')} into .env`);
}
