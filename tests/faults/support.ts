/**
 * What every fault case needs: its own database (SQLite file, or a database on the shared or on a
 * private PostgreSQL), its own Redis key prefix (or a private redis-server), Strapi nodes as child
 * processes (tests/multinode/cluster.ts) with the timers in seconds, agents and chats made over
 * HTTP, and a way to wait for a condition without fixed sleeps.
 */
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import crypto from 'crypto';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { Client } from 'pg';
import Redis from 'ioredis';
import { TEST_SECRETS, createTestDatabase } from '../helpers/strapi';
import { childBaseEnv, startNode, stopNode, type NodeHandle } from '../multinode/cluster';
import { closeAllSockets } from '../helpers/realtime';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const t0 = Date.now();
export const log = (...args: unknown[]) => {
  if (process.env.DEBUG_FAULTS) console.log(`[faults +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
};

/** A free TCP port on 127.0.0.1 (closed again at once: the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a truthy value (returned), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 20000, everyMs = 100): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves when `ms` have passed: only for the drop durations the cases are about. */
export const hold = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// a private PostgreSQL (initdb in a temporary folder owned by postgres), to stop and restart

const PG_BIN = (() => {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return '';
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : '';
})();

export interface PrivatePostgres {
  port: number;
  dir: string;
  start(): void;
  stop(mode?: 'fast' | 'immediate'): void;
  restart(): void;
  /** a new database on it, with the DATABASE_* variables of a node */
  createDatabase(): Promise<{ env: Record<string, string>; name: string }>;
  destroy(): void;
}

const asPostgres = (args: string[]) => {
  const runAs = process.getuid && process.getuid() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)];
  return execFileSync(runAs[0] as string, runAs[1] as string[], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 }).toString();
};

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!PG_BIN) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'livechat-faults-pg-'));
  if (process.getuid && process.getuid() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  asPostgres([path.join(PG_BIN, 'initdb'), '-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const ctl = (...args: string[]) => asPostgres([path.join(PG_BIN, 'pg_ctl'), '-D', dir, ...args]);
  const pg: PrivatePostgres = {
    port,
    dir,
    start: () => void ctl('-o', opts, '-l', path.join(dir, 'server.log'), '-w', 'start'),
    stop: (mode = 'fast') => void ctl('-m', mode, '-w', 'stop'),
    restart: () => void ctl('-o', opts, '-l', path.join(dir, 'server.log'), '-m', 'fast', '-w', 'restart'),
    async createDatabase() {
      const name = `lc_fault_${crypto.randomBytes(4).toString('hex')}`;
      const c = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await c.connect();
      await c.query(`CREATE DATABASE "${name}"`);
      await c.end();
      return {
        name,
        env: {
          DATABASE_CLIENT: 'postgres',
          DATABASE_URL: '',
          DATABASE_HOST: '127.0.0.1',
          DATABASE_PORT: String(port),
          DATABASE_USERNAME: 'postgres',
          DATABASE_PASSWORD: '',
          DATABASE_NAME: name,
        },
      };
    },
    destroy() {
      try {
        pg.stop('immediate');
      } catch {
        /* already stopped */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  pg.start();
  return pg;
}

// ---------------------------------------------------------------------------------------------
// a private redis-server, to kill and start again on the same port

export interface PrivateRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGKILL: connections drop, nothing is saved (--save "" --appendonly no) */
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

/** The connections a Redis server has (CLIENT LIST, one line each), this probe's own left out. */
export async function redisClients(url: string): Promise<string[]> {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const id = await c.client('ID');
    return ((await c.client('LIST')) as string).split('\n').filter((l) => l && !l.startsWith(`id=${id} `));
  } finally {
    c.disconnect();
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const r: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      await waitFor('redis-server to answer', async () => {
        const c = new Redis(r.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        c.on('error', () => undefined);
        try {
          await c.connect();
          return (await c.ping()) === 'PONG';
        } finally {
          c.disconnect();
        }
      }, 10000, 50);
    },
    async kill() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      const gone = new Promise((res) => p.once('exit', res));
      p.kill('SIGKILL');
      await gone;
    },
    async destroy() {
      await r.kill();
    },
  };
  await r.start();
  return r;
}

// ---------------------------------------------------------------------------------------------
// one case's environment

export interface FaultCase {
  env: Record<string, string>;
  tmpDir: string;
  prefix: string;
  db: 'sqlite' | 'postgres';
  /** the database the invariant checker reads */
  dbConfig: DbConfig;
  cleanup(): Promise<void>;
}

export type DbConfig = { client: 'sqlite'; filename: string } | { client: 'postgres'; host: string; port: number; user: string; database: string };

/**
 * A fresh database (SQLite file, a database on the shared PostgreSQL, or one on `privatePg`), a
 * Redis key prefix of its own, and the nodes' environment with the timers in seconds.
 */
export async function createFaultCase(opts: {
  db: 'sqlite' | 'postgres';
  privatePg?: PrivatePostgres;
  redisUrl?: string;
  graceSeconds: number;
  sweepMs?: number;
  env?: Record<string, string>;
}): Promise<FaultCase> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livechat-faults-'));
  const publicDir = path.join(tmpDir, 'public');
  const uploadTmpDir = path.join(tmpDir, 'incoming');
  const uploadsDir = path.join(tmpDir, 'files');
  for (const d of [path.join(publicDir, 'uploads'), uploadTmpDir, uploadsDir]) fs.mkdirSync(d, { recursive: true });
  let dbEnv: Record<string, string>;
  let drop: () => Promise<void> = async () => undefined;
  if (opts.privatePg) {
    dbEnv = (await opts.privatePg.createDatabase()).env;
  } else {
    const database = await createTestDatabase(opts.db, tmpDir);
    dbEnv = database.env as unknown as Record<string, string>;
    drop = database.drop;
  }
  const prefix = `lc_fault_${process.pid}_${crypto.randomBytes(4).toString('hex')}:`;
  const env: Record<string, string> = {
    ...childBaseEnv(),
    ...TEST_SECRETS,
    ...dbEnv,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PUBLIC_DIR: publicDir,
    UPLOAD_TMP_DIR: uploadTmpDir,
    UPLOADS_DIR: uploadsDir,
    REDIS_URL: opts.redisUrl ?? '',
    REDIS_KEY_PREFIX: prefix,
    LIVE_CHAT_GRACE_SECONDS: String(opts.graceSeconds),
    LIVE_CHAT_SWEEP_INTERVAL_MS: String(opts.sweepMs ?? 250),
    // the cases send bursts from one address: the limits are not what they test
    LIVE_CHAT_RATE_START_POINTS: '100000',
    LIVE_CHAT_RATE_MESSAGE_POINTS: '100000',
    LIVE_CHAT_RATE_MESSAGE_IP_POINTS: '100000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    STRAPI_TELEMETRY_DISABLED: 'true',
    STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
    BROWSER: 'none',
    ...opts.env,
  };
  const dbConfig: DbConfig =
    dbEnv.DATABASE_CLIENT === 'postgres'
      ? { client: 'postgres', host: dbEnv.DATABASE_HOST, port: Number(dbEnv.DATABASE_PORT), user: dbEnv.DATABASE_USERNAME, database: dbEnv.DATABASE_NAME }
      : { client: 'sqlite', filename: dbEnv.DATABASE_FILENAME };
  return {
    env,
    tmpDir,
    prefix,
    db: dbConfig.client,
    dbConfig,
    async cleanup() {
      await drop().catch(() => undefined);
      if (opts.redisUrl === SHARED_REDIS_URL) {
        const redis = new Redis(SHARED_REDIS_URL);
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
      fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// agents and chats over HTTP (no in-process Strapi: the nodes are the only writers)

export interface Agent {
  id: number;
  name: string;
  token: string;
}

async function json(res: Response, what: string) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The first admin (a Super Admin: serves every department), registered on a fresh database. */
export async function registerFirstAdmin(base: string, firstname = 'Ana'): Promise<Agent> {
  const body = await json(
    await fetch(`${base}/admin/register-admin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstname, lastname: 'Test', email: `${firstname.toLowerCase()}-${crypto.randomBytes(3).toString('hex')}@example.com`, password: 'Secret123!' }),
    }),
    'register-admin'
  );
  return { id: Number(body.data.user.id), name: `${firstname} Test`, token: body.data.token };
}

/** Another Super Admin, invited by `admin` and registered with its own password. */
export async function inviteAdmin(base: string, admin: Agent, firstname: string): Promise<Agent> {
  const auth = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
  const roles = (await json(await fetch(`${base}/admin/roles`, { headers: auth }), 'roles')).data as { id: number; code: string }[];
  const superAdmin = roles.find((r) => r.code === 'strapi-super-admin')!;
  const created = await json(
    await fetch(`${base}/admin/users`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ firstname, lastname: 'Test', email: `${firstname.toLowerCase()}-${crypto.randomBytes(3).toString('hex')}@example.com`, roles: [superAdmin.id] }),
    }),
    'create admin user'
  );
  const registered = await json(
    await fetch(`${base}/admin/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ registrationToken: created.data.registrationToken, userInfo: { firstname, lastname: 'Test', password: 'Secret123!' } }),
    }),
    'register'
  );
  return { id: Number(registered.data.user.id), name: `${firstname} Test`, token: registered.data.token };
}

export async function departmentIds(base: string): Promise<Record<string, number>> {
  const cfg = await json(await fetch(`${base}/api/live-chat/widget-config`), 'widget-config');
  return Object.fromEntries(cfg.departments.map((d: { id: number; name: string }) => [d.name, d.id]));
}

export async function startChatHttp(base: string, departmentId: number, name = `Visitante ${crypto.randomBytes(3).toString('hex')}`) {
  const body = await json(
    await fetch(`${base}/api/live-chat/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ departmentId, name, email: 'visitante@example.com', question: 'Meu boleto não chegou' }),
    }),
    'start chat'
  );
  return { chatId: Number(body.chatId), token: String(body.token), status: String(body.status), name };
}

// ---------------------------------------------------------------------------------------------
// a client's own network link, to cut and restore

export interface Link {
  base: string;
  /** drops the open connections and refuses new ones (the client keeps retrying) */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target()` for one client: cutting it is that client's network going away. */
export async function startLink(target: () => number): Promise<Link> {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    open.add(client);
    const up = net.connect(target(), '127.0.0.1');
    open.add(up);
    const end = () => {
      client.destroy();
      up.destroy();
      open.delete(client);
      open.delete(up);
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface RedisPair {
  redis: PrivateRedis;
  fc: FaultCase;
  nodeA: NodeHandle;
  nodeB: NodeHandle;
  /** the first admin, registered on node A */
  agent: Agent;
  departments: Record<string, number>;
}

/**
 * Two nodes (A and B) on a PostgreSQL database of their own, sharing a private redis-server that
 * the test may kill and start again; all of it is stopped after the file's tests. Call at the top
 * level of a test file; the returned function starts the pair inside a test.
 */
export function twoNodesOnPrivateRedis() {
  const s: Partial<RedisPair> = {};
  afterAll(async () => {
    closeAllSockets();
    await Promise.all([stopNode(s.nodeA, 5000), stopNode(s.nodeB, 5000)]);
    await s.fc?.cleanup();
    await s.redis?.destroy();
  });
  return async (opts: { graceSeconds: number; env?: Record<string, string> }): Promise<RedisPair> => {
    s.redis = await startPrivateRedis();
    s.fc = await createFaultCase({ db: 'postgres', redisUrl: s.redis.url, graceSeconds: opts.graceSeconds, env: opts.env });
    s.nodeA = await startNode('A', s.fc.env);
    s.nodeB = await startNode('B', s.fc.env);
    s.agent = await registerFirstAdmin(s.nodeA.base);
    s.departments = await departmentIds(s.nodeA.base);
    return s as RedisPair;
  };
}
