import fs from 'fs';
import os from 'os';
import path from 'path';
import crypto from 'crypto';
import { Client } from 'pg';
import type { Core } from '@strapi/strapi';

export const APP_DIR = path.resolve(__dirname, '..', '..');
export const DIST_DIR = path.join(APP_DIR, 'dist');

export type TestDb = 'sqlite' | 'postgres';
export const TEST_DB: TestDb = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const PG = {
  host: process.env.TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_PG_PORT ?? 5432),
  user: process.env.TEST_PG_USER ?? 'postgres',
  adminDb: process.env.TEST_PG_DATABASE ?? 'test',
};

export interface TestApp {
  strapi: Core.Strapi;
  db: TestDb;
  tmpDir: string;
  publicDir: string;
  uploadTmpDir: string;
  /** where uploaded files are stored (outside any public folder) */
  uploadsDir: string;
  /** boots time in ms, for docs/performance.md */
  bootMs: number;
  stop(): Promise<void>;
  /** destroys this instance and boots a new one on the same database and files */
  restart(): Promise<TestApp>;
}

/** A fresh database for one test file: a temporary SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(db: TestDb = TEST_DB, tmpDir: string) {
  if (db === 'sqlite') {
    const filename = path.join(tmpDir, 'data.db');
    return { env: { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: filename }, drop: async () => {} };
  }
  const name = `lc_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ ...PG, database: PG.adminDb });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    env: {
      DATABASE_CLIENT: 'postgres',
      DATABASE_URL: '',
      DATABASE_HOST: PG.host,
      DATABASE_PORT: String(PG.port),
      DATABASE_USERNAME: PG.user,
      DATABASE_PASSWORD: '',
      DATABASE_NAME: name,
    },
    drop: async () => {
      const c = new Client({ ...PG, database: PG.adminDb });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export const TEST_SECRETS = {
  APP_KEYS: 'testKeyA,testKeyB',
  API_TOKEN_SALT: 'test-api-token-salt',
  ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
  TRANSFER_TOKEN_SALT: 'test-transfer-token-salt',
  JWT_SECRET: 'test-jwt-secret',
  ENCRYPTION_KEY: 'test-encryption-key',
  LIVE_CHAT_SECRET: 'test-live-chat-secret',
};

/** Boots a real Strapi in-process on a fresh database; `stop()` destroys it and its files. */
export async function startStrapi(options: { db?: TestDb; env?: Record<string, string> } = {}): Promise<TestApp> {
  const db = options.db ?? TEST_DB;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livechat-test-'));
  const publicDir = path.join(tmpDir, 'public');
  const uploadTmpDir = path.join(tmpDir, 'incoming');
  const uploadsDir = path.join(tmpDir, 'files');
  fs.mkdirSync(path.join(publicDir, 'uploads'), { recursive: true });
  fs.mkdirSync(uploadTmpDir, { recursive: true });
  const database = await createTestDatabase(db, tmpDir);

  // a test file's settings must not leak into the next file run by the same jest worker
  for (const key of Object.keys(process.env)) if (key.startsWith('LIVE_CHAT_') || key === 'REDIS_URL') delete process.env[key];
  Object.assign(process.env, TEST_SECRETS, database.env, {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_DIR: publicDir,
    UPLOAD_TMP_DIR: uploadTmpDir,
    UPLOADS_DIR: uploadsDir,
    STRAPI_TELEMETRY_DISABLED: 'true',
    STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
    BROWSER: 'none',
    LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
    ...options.env,
  });

  const boot = async (): Promise<TestApp> => {
    const started = Date.now();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { createStrapi } = require('@strapi/strapi');
    const strapi: Core.Strapi = await createStrapi({ appDir: APP_DIR, distDir: DIST_DIR }).load();
    strapi.server.mount();
    const bootMs = Date.now() - started;
    const app: TestApp = {
      strapi,
      db,
      tmpDir,
      publicDir,
      uploadTmpDir,
      uploadsDir,
      bootMs,
      async stop() {
        await strapi.destroy();
        await database.drop();
        fs.rmSync(tmpDir, { recursive: true, force: true });
      },
      async restart() {
        await strapi.destroy();
        return boot();
      },
    };
    return app;
  };
  return boot();
}

/** Every file below a directory (relative paths), to prove that nothing refused stays on disk. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export async function createApiToken(strapi: Core.Strapi, type: 'read-only' | 'full-access', name = `token-${type}-${Date.now()}`) {
  const token = await strapi
    .service('admin::api-token')
    .create({ name, type, description: 'test', lifespan: null });
  return token.accessKey as string;
}
