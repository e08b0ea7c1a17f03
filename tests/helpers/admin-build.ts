import fs from 'fs';
import path from 'path';
import { spawnSync } from 'child_process';
import { APP_DIR } from './strapi';

export const ADMIN_INDEX = path.join(APP_DIR, 'dist', 'build', 'index.html');

/**
 * The admin panel's build, made at most once: `npm test` builds it before the e2e stage
 * (scripts/test.js) and the smoke stage reuses it; a test file run alone builds it if missing.
 */
export function ensureAdminBuild() {
  if (fs.existsSync(ADMIN_INDEX)) return;
  const res = spawnSync(path.join(APP_DIR, 'node_modules', '.bin', 'strapi'), ['build'], {
    cwd: APP_DIR,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (res.status !== 0) throw new Error('strapi build failed');
}
