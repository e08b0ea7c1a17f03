import fs from 'fs';
import os from 'os';
import path from 'path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ensureEnv } = require('../../scripts/ensure-env');

const SECRET_KEYS = ['APP_KEYS', 'API_TOKEN_SALT', 'ADMIN_JWT_SECRET', 'TRANSFER_TOKEN_SALT', 'JWT_SECRET', 'ENCRYPTION_KEY', 'LIVE_CHAT_SECRET'];

describe('first start without .env', () => {
  let dir: string;
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envtest-'));
    for (const k of SECRET_KEYS) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const k of SECRET_KEYS) if (saved[k] !== undefined) process.env[k] = saved[k];
  });

  it('generates every secret once, random, into a private .env', () => {
    expect(ensureEnv(dir)).toEqual(SECRET_KEYS);
    const text = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    for (const k of SECRET_KEYS) expect(text).toMatch(new RegExp(`^${k}=.{16,}$`, 'm'));
    expect(fs.statSync(path.join(dir, '.env')).mode & 0o077).toBe(0);
    expect(ensureEnv(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(text);

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'envtest-'));
    ensureEnv(other);
    expect(fs.readFileSync(path.join(other, '.env'), 'utf8')).not.toBe(text);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('keeps existing values and only adds what is missing', () => {
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=4000\nAPP_KEYS=mine1,mine2');
    process.env.JWT_SECRET = 'from-the-environment';
    const written = ensureEnv(dir);
    expect(written).not.toContain('APP_KEYS');
    expect(written).not.toContain('JWT_SECRET');
    const text = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    expect(text).toMatch(/^PORT=4000$/m);
    expect(text).toMatch(/^APP_KEYS=mine1,mine2$/m);
    expect(text).not.toMatch(/^JWT_SECRET=/m);
  });
});
