#!/usr/bin/env node
/**
 * Real-time benchmark of the live-chat plugin (issue 4): a Strapi node in its own process (from
 * dist/, fresh database), a load process with N visitor sockets and K agent sockets, messages at
 * a fixed aggregate rate on an open-loop schedule (message i is due at t0 + i/rate and is sent
 * then, whatever the acks: no coordinated omission), end-to-end latency = the other side's
 * `message:created` − the time the message was due. The same load against a bare Socket.IO
 * relay (no Strapi, no database) in the same run, as the baseline.
 *
 *   node bench/realtime.js [--chats=1000] [--rate=1000] [--seconds=20] [--agents=10] [--db=sqlite|postgres]
 *   node bench/realtime.js --max [--chats=1000] [--seconds=5] [--steps=250,500,1000,2000,3000,4000,6000,8000,10000]
 *   node bench/realtime.js --idle=10000[,20000,40000,...]
 *   node bench/realtime.js --queue=500 [--queue-rate=20]
 *   node bench/realtime.js --nodes=2 [any mode above but --idle]
 *
 * --idle with several counts steps up on one server (each step adds chats and idle sockets) and
 * stops cleanly at the first step that fails (a socket refused or dropped, the server gone):
 * it reports the largest count held and the memory per connection. Visitor sockets are spread over
 * load processes of --per-load=15000 sockets each, each from its own source address (127.0.0.2,
 * 127.0.0.3, ...: one address has ~28,000 ephemeral ports). --nofile=N asks for that file
 * descriptor limit in the children (above the hard limit only with CAP_SYS_RESOURCE; default: the
 * hard limit, or more when the run needs it: --chats + 1,000, or in --idle the largest step + 2,000);
 * the limit they really got is printed.
 *
 * --queue=N: start-to-queue latency. Agents online, then N chats started over REST at
 * --queue-rate per second (open loop); per chat, time from the POST being due to the agents'
 * `queue:added`. Chats stay waiting (the queue grows to N).
 *
 * --nodes=2: the same load on one Strapi node and on two Strapi nodes sharing one PostgreSQL
 * database and one Redis (REDIS_URL, a key prefix of its own), visitors (and REST starts) on node A,
 * agents on node B, so every message and queue event crosses Redis. PostgreSQL is implied. Both
 * nodes run on core 0 (the single node's CPU budget) unless --core-b=1. --redis=URL (default
 * redis://127.0.0.1:6379); the keys are deleted at the end.
 *
 * --json=FILE writes the results as JSON too (bench/matrix.js reads it). --until=throughput makes
 * --max go on past a p99 miss while the rate is still stored (≥ 95 %, nothing lost).
 * Options: --sleep (the load process waits on a 1 ms timer between due times instead of spinning: up to ~1 ms of
 * timer lateness is charged as latency, and the load's core is left to the kernel), --warmup=2 (seconds at the same rate before each measured run, not counted), --no-relay (skip the baseline), --no-compile (use dist/ as is), --profile (V8 CPU
 * profile of the server during the load, written to $TMPDIR/lc-bench-profiles/ with its top functions printed), --heap-profile
 * (sampling heap profile of the server during the load, garbage included: bytes allocated per stored message, by function).
 * BENCH_TRACE_DIR=dir (BENCH_TRACE_SCHED=1 adds per-thread CPU from /proc) records each process's event-loop gaps,
 * GCs and every message's latency during the measured run; `node bench/trace-report.js dir [profile]` then says
 * what the slowest 1 % of messages overlapped.
 *
 * The server is pinned to core 0 and the load process to core 1 (taskset), when taskset exists.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const argv = process.argv.slice(2);
const arg = (name, def) => {
  const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!a) return def;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : 'true';
};
const flag = (name) => argv.includes(`--${name}`);

const appDir = path.resolve(__dirname, '..');
const MAX = flag('max');
const IDLE_STEPS = arg('idle', '')
  .split(',')
  .filter(Boolean)
  .map(Number);
const IDLE = IDLE_STEPS.length ? Math.max(...IDLE_STEPS) : 0;
const IDLE_SECONDS = Number(arg('idle-seconds', '10'));
const PER_LOAD = Number(arg('per-load', '15000'));
const QUEUE = Number(arg('queue', '0'));
const QUEUE_RATE = Number(arg('queue-rate', '20'));
const NODES = Number(arg('nodes', '1'));
const CORE_B = Number(arg('core-b', '0'));
const JSON_OUT = arg('json', '');
const UNTIL = arg('until', 'p99');
const CHATS = Number(arg('chats', '1000'));
const RATE = Number(arg('rate', '1000'));
const SECONDS = Number(arg('seconds', MAX ? '5' : '20'));
const AGENTS = Number(arg('agents', '10'));
const DB = arg('db', NODES > 1 ? 'postgres' : 'sqlite');
if (NODES > 1 && DB !== 'postgres') {
  console.error('--nodes=2 needs --db=postgres (the nodes share one database)');
  process.exit(2);
}
if (NODES > 2) {
  console.error('--nodes: 1 or 2');
  process.exit(2);
}
if (NODES > 1 && IDLE) {
  console.error('--nodes=2 does not apply to --idle');
  process.exit(2);
}
const REDIS_URL = arg('redis', 'redis://127.0.0.1:6379');
const STEPS = arg('steps', '250,500,1000,2000,3000,4000,6000,8000,10000').split(',').map(Number);
const RELAY = !flag('no-relay');
const PROFILE = flag('profile');
const HEAP_PROFILE = flag('heap-profile');
const P99_TARGET = 15;
const WARMUP = Number(arg('warmup', '2'));

const SECRETS = {
  APP_KEYS: 'testKeyA,testKeyB',
  API_TOKEN_SALT: 'test-api-token-salt',
  ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
  TRANSFER_TOKEN_SALT: 'test-transfer-token-salt',
  JWT_SECRET: 'test-jwt-secret',
  ENCRYPTION_KEY: 'test-encryption-key',
  LIVE_CHAT_SECRET: 'test-live-chat-secret',
};
const BIG = '1000000000';

const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).status === 0;
const hardNofile = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
const softNofile = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
// the file descriptor limit of the children: the hard limit, or more when asked (--nofile) or
// needed (--idle), which only root may raise; what the shell really got is what counts
const wantNofile = Number(arg('nofile', String(Math.max(Number(hardNofile) || 0, IDLE ? IDLE + 2000 : CHATS + AGENTS + 1000))));
const nofileCmd = `ulimit -Hn ${wantNofile} 2>/dev/null; ulimit -n ${wantNofile} 2>/dev/null || ulimit -n ${hardNofile} 2>/dev/null`;
const childNofile = Number(spawnSync('sh', ['-c', `${nofileCmd}; ulimit -n`], { encoding: 'utf8' }).stdout.trim());

const log = (...a) => console.log(...a);
const kib = (b) => Math.round(b / 1024);
const mib = (b) => Math.round(b / 1048576);

const children = new Set();
const cleanups = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const p of children) p.kill('SIGKILL');
    Promise.allSettled([...cleanups].map((f) => f())).finally(() => process.exit(130));
  });
}

/** A child process (pinned to `core` when possible, soft fd limit raised to the hard one) driven by IPC requests. */
function child(script, core, env, nodeArgs = []) {
  const cmd = `${nofileCmd}; exec ${hasTaskset ? `taskset -c ${core} ` : ''}"${process.execPath}" ${nodeArgs.join(' ')} "${script}"`;
  const p = spawn('sh', ['-c', cmd], { cwd: appDir, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(p);
  p.on('exit', () => children.delete(p));
  let seq = 0;
  const pending = new Map();
  let readyResolve, readyReject;
  const ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
  p.on('message', (m) => {
    if (m.ready) return readyResolve(m);
    const w = pending.get(m.id);
    if (!w) return;
    pending.delete(m.id);
    if (m.error) w.reject(new Error(`${path.basename(script)}: ${m.error}`));
    else w.resolve(m.result);
  });
  p.on('exit', (code, sig) => {
    const e = new Error(`${path.basename(script)} exited (${code ?? sig})`);
    readyReject(e);
    for (const w of pending.values()) w.reject(e);
    pending.clear();
  });
  return {
    proc: p,
    ready,
    rpc: (cmd, args) =>
      new Promise((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve, reject });
        p.send({ id, cmd, args });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        p.once('exit', () => resolve());
        try {
          p.disconnect();
        } catch {}
        setTimeout(() => p.kill('SIGKILL'), 5000).unref();
      }),
  };
}

async function pgQuery(sql) {
  const { Client } = require('pg');
  const c = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** A fresh database: SQLite in `tmp`, or a PostgreSQL database of its own. */
async function freshDb(tmp) {
  if (DB === 'postgres') {
    const name = `lc_bench_rt_${process.pid}_${Date.now()}`;
    await pgQuery(`CREATE DATABASE "${name}"`);
    return {
      env: { DATABASE_CLIENT: 'postgres', DATABASE_URL: '', DATABASE_HOST: '127.0.0.1', DATABASE_PORT: '5432', DATABASE_USERNAME: 'postgres', DATABASE_PASSWORD: '', DATABASE_NAME: name },
      drop: () => pgQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    };
  }
  return { env: { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.join(tmp, 'data.db') }, drop: async () => {} };
}

/** Deletes every Redis key under `prefix` (the adapter's channels leave none; the rate limiter's do). */
async function redisDrop(prefix) {
  const Redis = require('ioredis');
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/**
 * A Strapi node in a temporary directory: on a fresh database, or on `shared` (another node's
 * database: { env }), with `extraEnv` (REDIS_URL...), pinned to `core`.
 */
async function startStrapi({ shared = null, extraEnv = {}, core = 0, label = 'strapi' } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-bench-rt-'));
  fs.mkdirSync(path.join(tmp, 'public', 'uploads'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'incoming'), { recursive: true });
  const db = shared ?? (await freshDb(tmp));
  const drop = shared ? async () => {} : db.drop;
  const env = {
    ...SECRETS,
    ...db.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_DIR: path.join(tmp, 'public'),
    UPLOAD_TMP_DIR: path.join(tmp, 'incoming'),
    UPLOADS_DIR: path.join(tmp, 'files'),
    STRAPI_TELEMETRY_DISABLED: 'true',
    STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
    BROWSER: 'none',
    REDIS_URL: '',
    LIVE_CHAT_RATE_START_POINTS: BIG,
    LIVE_CHAT_RATE_MESSAGE_POINTS: BIG,
    LIVE_CHAT_RATE_MESSAGE_IP_POINTS: BIG,
    LIVE_CHAT_RATE_LEAVE_IP_POINTS: BIG,
    LIVE_CHAT_RATE_LEAVE_EMAIL_POINTS: BIG,
    // setup of 10,000 chats takes longer than the default 60 s grace period of an unseen visitor
    LIVE_CHAT_GRACE_SECONDS: '3600',
    LIVE_CHAT_WAITING_LIMIT_SECONDS: '3600',
    ...extraEnv,
  };
  const cleanup = async () => {
    await drop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  const c = child(path.join(__dirname, 'realtime-server.js'), core, env, ['--expose-gc', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)]);
  const ready = await c.ready;
  if (ready.workaround && !warned++) log('WORKAROUND: notifier.refreshPositions replaced in the server process (dynamic import() of ../domain fails outside jest; see bench/realtime-server.js)');
  return {
    ...c,
    kind: 'strapi',
    label,
    db,
    base: `http://127.0.0.1:${ready.port}`,
    bootMs: ready.bootMs,
    async close() {
      await c.stop();
      cleanups.delete(cleanup);
      await cleanup();
    },
  };
}

/**
 * What a run is measured against: one node (front = back), or two (`cluster`: visitors and REST
 * starts on the front node A, agents on the back node B), or the bare relay.
 */
function target(kind, nodes) {
  const [front, back = front] = nodes;
  const all = (cmd, args) => Promise.all(nodes.map((n) => n.rpc(cmd, args)));
  return {
    kind,
    strapiLike: kind !== 'relay',
    front,
    back,
    nodes,
    all,
    /** memory of every node, summed */
    async mem() {
      const ms = await all('mem');
      return { rss: ms.reduce((a, m) => a + m.rss, 0), heapUsed: ms.reduce((a, m) => a + m.heapUsed, 0), perNode: ms };
    },
    /** event-loop delay of the worst node, CPU and RSS summed over the nodes */
    async report() {
      const rs = await all('report');
      if (rs.length === 1) return rs[0];
      const worst = (k) => Math.max(...rs.map((r) => r.eld[k]));
      return { eld: { p50: worst('p50'), p99: worst('p99'), max: worst('max'), mean: worst('mean') }, cpuPct: rs.reduce((a, r) => a + r.cpuPct, 0), rss: rs.reduce((a, r) => a + r.rss, 0), perNode: rs };
    },
    async close() {
      // the back node first: the front one owns the database
      for (const n of [...nodes].reverse()) await n.close();
    },
  };
}

const labelOf = (kind) => (kind === 'strapi' ? `Strapi + ${DB}` : kind === 'cluster' ? `2 Strapi nodes + ${DB} + Redis` : 'bare Socket.IO relay');

async function startTarget(kind) {
  if (kind === 'relay') return target('relay', [await startRelay()]);
  if (kind === 'strapi') return target('strapi', [await startStrapi()]);
  const prefix = `lcbench:${process.pid}:${Date.now()}:`;
  const redisEnv = { REDIS_URL: REDIS_URL, REDIS_KEY_PREFIX: prefix };
  const a = await startStrapi({ extraEnv: redisEnv, core: 0, label: 'node A' });
  let b;
  try {
    // B after A: A has created the tables; B boots on them
    b = await startStrapi({ shared: a.db, extraEnv: redisEnv, core: CORE_B, label: 'node B' });
  } catch (e) {
    await a.close();
    throw e;
  }
  const t = target('cluster', [a, b]);
  const close = t.close;
  const dropKeys = () => redisDrop(prefix).catch(() => undefined);
  cleanups.add(dropKeys);
  t.close = async () => {
    await close();
    cleanups.delete(dropKeys);
    await dropKeys();
  };
  return t;
}

async function startRelay() {
  const c = child(path.join(__dirname, 'realtime-relay.js'), 0, {}, ['--expose-gc']);
  const ready = await c.ready;
  return { ...c, kind: 'relay', base: `http://127.0.0.1:${ready.port}`, bootMs: 0, close: () => c.stop() };
}

async function startLoad() {
  const c = child(path.join(__dirname, 'realtime-load.js'), 1, {});
  await c.ready;
  return c;
}

/** Chats, agents, accepted chats and connected sockets, ready for the schedule. */
async function setup(t, load, n) {
  await t.all('pauseSweeper');
  const agents = await t.back.rpc('agents', { k: AGENTS });
  // agents online first: a chat started while nobody can answer becomes a left message
  await load.rpc('connectAgents', { base: t.back.base, agents });
  let chats;
  let startMs;
  if (t.strapiLike) {
    const departmentIds = await t.front.rpc('departments');
    const r = await load.rpc('restStart', { base: t.front.base, n, departmentIds });
    chats = r.chats;
    startMs = r.ms;
  } else {
    const t0 = Date.now();
    chats = await t.front.rpc('startChats', { n });
    startMs = Date.now() - t0;
  }
  await t.front.rpc('resumeSweeper', { chatIds: chats.map((c) => c.chatId) });
  if (t.back !== t.front) await t.back.rpc('resumeSweeper', { chatIds: [] });
  const memBefore = await t.mem();
  const acc = await load.rpc('accept', { chatIds: chats.map((c) => c.chatId) });
  if (acc.failed) throw new Error(`${acc.failed} accepts failed: ${JSON.stringify(acc.codes)}`);
  const vis = await load.rpc('connectVisitors', { base: t.front.base, chats });
  if (vis.failed) throw new Error(`${vis.failed} visitor sockets could not connect`);
  const memAfter = await t.mem();
  return {
    chatIds: chats.map((c) => c.chatId),
    agentOf: chats.map((_, i) => i % agents.length),
    sockets: vis.connected + agents.length,
    startMs,
    acceptMs: acc.ms,
    connectMs: vis.ms,
    memBefore,
    memAfter,
  };
}

/** Busy jiffies of the whole machine (all CPUs), from /proc/stat. */
function procStat() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    return user + nice + system + irq + softirq + (steal || 0);
  } catch {
    return 0;
  }
}

/** Waits (up to --quiet-wait seconds) until other processes use < 25 % of a core: the machine is shared. */
async function waitQuiet(label) {
  const maxS = Number(arg('quiet-wait', '180'));
  const t = Date.now();
  for (;;) {
    const a = procStat();
    await new Promise((res) => setTimeout(res, 1000));
    const pct = procStat() - a; // jiffies in 1 s = % of a core
    if (pct < 25) return;
    if ((Date.now() - t) / 1000 > maxS) return log(`[${label}] machine still busy (${pct} % of a core used by others): measuring anyway`);
    if (Date.now() - t < 1500) log(`[${label}] machine busy (${pct} % of a core used by other processes): waiting up to ${maxS} s for it to calm down...`);
  }
}

let runNo = 0;
let warned = 0;
async function measure(t, load, s, rate, seconds, warmup = WARMUP) {
  await waitQuiet(t.kind);
  // warm-up at the same rate (JIT, pools, caches), not counted
  if (warmup > 0) await load.rpc('run', { chatIds: s.chatIds, agentOf: s.agentOf, rate, seconds: warmup, tag: `w${++runNo}x${process.pid}`, sleep: flag('sleep') });
  await t.all('eldReset');
  const tag = `r${++runNo}x${process.pid}`;
  const st0 = procStat();
  const t0 = Date.now();
  const res = await load.rpc('run', { chatIds: s.chatIds, agentOf: s.agentOf, rate, seconds, tag, sleep: flag('sleep') });
  const rep = await t.report();
  const wall = (Date.now() - t0) / 1000;
  const busy = (procStat() - st0) / 100; // CPU seconds of the whole machine (USER_HZ = 100)
  const ours = ((rep.cpuPct / 100) * wall) + res.loadCpuS;
  // CPU the rest of the machine (other processes) used during the run, in % of one core: noise
  const othersPct = Math.max(0, Math.round(((busy - ours) / wall) * 100));
  return { ...res, server: rep, othersPct, loadavg: os.loadavg()[0].toFixed(2) };
}

const ok = (r) => r.lost === 0 && r.doubled === 0 && r.misrouted === 0 && r.failedAcks === 0 && r.latency.p99 !== null && r.latency.p99 < P99_TARGET && r.achieved >= 0.95 * r.rate;

function table(rows, headers) {
  const all = [headers, ...rows].map((r) => r.map((x) => String(x ?? '-')));
  const w = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((x, i) => x.padEnd(w[i])).join(' | ')} |`;
  return [line(all[0]), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

function resultRows(label, s, r) {
  return [
    ['chats', s.chatIds.length],
    ['sockets (visitors + agents)', s.sockets],
    ['target rate (msg/s)', r.rate],
    ['achieved stored msg/s', r.achieved],
    ['messages sent / stored', `${r.total} / ${r.stored}`],
    ['end-to-end latency p50 (ms)', r.latency.p50],
    ['end-to-end latency p90 (ms)', r.latency.p90],
    ['end-to-end latency p99 (ms)', r.latency.p99],
    ['end-to-end latency max (ms)', r.latency.max],
    ['ack latency p50 / p99 (ms)', `${r.ackLatency.p50} / ${r.ackLatency.p99}`],
    ['lost', r.lost],
    ['doubled', r.doubled],
    ['misrouted', r.misrouted],
    ['failed acks', `${r.failedAcks}${r.failedAcks ? ' ' + JSON.stringify(r.failCodes) : ''}`],
    ['disconnects during the run', r.disconnects],
    ['server event-loop delay p50 / p99 / max (ms)', `${r.server.eld.p50} / ${r.server.eld.p99} / ${r.server.eld.max}`],
    ['server CPU (% of its core)', r.server.cpuPct],
    ['server RSS before / after connecting (MiB)', `${mib(s.memBefore.rss)} / ${mib(s.memAfter.rss)}`],
    ['server RSS at the end (MiB)', mib(r.server.rss)],
    ['load process event-loop delay p99 / max (ms)', `${r.loadEld.p99} / ${r.loadEld.max}`],
    ['load process worst send lag (ms)', r.maxSendLagMs],
    ['other processes on the machine during the run (% of a core)', r.othersPct],
    ['setup: chats started / accepted / visitors connected (ms)', `${s.startMs} / ${s.acceptMs} / ${s.connectMs}`],
  ];
}

async function withTarget(kind, fn) {
  const t = await startTarget(kind);
  let load;
  try {
    load = await startLoad();
    return await fn(t, load);
  } finally {
    if (load) {
      await load.rpc('closeAll').catch(() => undefined);
      await load.stop();
    }
    await t.close();
  }
}

/** The targets of a run: one Strapi node (and two with --nodes=2), and the relay unless --no-relay. */
const kindsOf = (relay = RELAY) => [...(NODES > 1 ? ['strapi', 'cluster'] : ['strapi']), ...(relay ? ['relay'] : [])];

async function profiled(t, fn) {
  const server = t.front;
  if (HEAP_PROFILE && t.kind === 'strapi') return heapProfiled(server, fn);
  if (!PROFILE || t.kind === 'relay') return fn();
  const dir = path.join(os.tmpdir(), 'lc-bench-profiles');
  fs.mkdirSync(dir, { recursive: true });
  // one profile per Strapi node (--nodes=2: node A, then node B)
  const servers = t.kind === 'cluster' ? t.nodes : [server];
  const stamp = Date.now();
  const files = servers.map((_, i) => path.join(dir, `server-${stamp}${servers.length > 1 ? `-node${'AB'[i]}` : ''}.cpuprofile`));
  for (const s of servers) await s.rpc('profileStart');
  try {
    return await fn();
  } finally {
    for (let i = 0; i < servers.length; i++) {
      await servers[i].rpc('profileStop', { file: files[i] });
      log(`\nCPU profile of ${servers.length > 1 ? `node ${'AB'[i]}` : 'the server'} during the load: ${files[i]}`);
      printProfile(files[i]);
    }
  }
}

async function heapProfiled(server, fn) {
  const dir = path.join(os.tmpdir(), 'lc-bench-profiles');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `server-${Date.now()}.heapprofile`);
  await server.rpc('heapStart');
  let r;
  try {
    r = await fn();
    return r;
  } finally {
    await server.rpc('heapStop', { file });
    log(`\nSampling heap profile of the server during the load: ${file}`);
    printHeapProfile(file, r && r.stored);
  }
}

/** Bytes allocated (sampled) by function and by module, and per stored message. */
function printHeapProfile(file, stored) {
  const { head } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const self = new Map();
  const incl = new Map();
  let total = 0;
  const modOf = (url) => {
    const m = url && url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    if (url && url.includes('/dist/')) return `app:${url.slice(url.indexOf('/dist/') + 6)}`;
    return url && url.startsWith('node:') ? 'node:internal' : null;
  };
  const walk = (n, mods) => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*node_modules\//, '').replace(appDir, '') : ''}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + n.selfSize);
    total += n.selfSize;
    const m = modOf(f.url);
    const here = m && !mods.includes(m) ? [...mods, m] : mods;
    for (const mod of here) incl.set(mod, (incl.get(mod) || 0) + n.selfSize);
    for (const c of n.children || []) walk(c, here);
  };
  walk(head, []);
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  log(`allocated (sampled) during the load: ${(total / 1048576).toFixed(1)} MB` + (stored ? `, ${(total / stored / 1024).toFixed(1)} KB per stored message` : ''));
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  log(table(top.map(([k, b]) => [kb(b), `${((b / total) * 100).toFixed(1)}%`, k]), ['self', '', 'function']));
  const topIncl = [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
  log(table(topIncl.map(([k, b]) => [kb(b), `${((b / total) * 100).toFixed(1)}%`, k]), ['inclusive', '', 'module']));
}

/** Top self-time functions and top inclusive time by source file of a .cpuprofile. */
function printProfile(file) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i] || 0));
  let total = 0;
  for (const [id, t] of dt) {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*node_modules\//, '').replace(appDir, '') : ''}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + t);
    total += t;
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  log(table(top.map(([k, t]) => [`${((t / total) * 100).toFixed(1)}%`, k]), ['self', 'function']));
  // inclusive time per package / app file: a sample counts once for each distinct module on its stack
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const modOf = (url) => {
    if (!url) return null;
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    if (url.includes('/dist/')) return `app:${url.slice(url.indexOf('/dist/') + 6)}`;
    return url.startsWith('node:') ? 'node:internal' : null;
  };
  const incl = new Map();
  for (const [id, t] of dt) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const m = modOf(byId.get(cur).callFrame.url);
      if (m && !seen.has(m)) {
        seen.add(m);
        incl.set(m, (incl.get(m) || 0) + t);
      }
    }
  }
  const topIncl = [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
  log(table(topIncl.map(([k, t]) => [`${((t / total) * 100).toFixed(1)}%`, k]), ['inclusive', 'module']));
}

/** A compact summary of one measured run (what bench/matrix.js reads from --json). */
const summary = (s, r) => ({
  chats: s.chatIds.length,
  sockets: s.sockets,
  rate: r.rate,
  seconds: r.seconds,
  achieved: r.achieved,
  sent: r.total,
  stored: r.stored,
  latency: r.latency,
  ackLatency: r.ackLatency,
  lost: r.lost,
  doubled: r.doubled,
  misrouted: r.misrouted,
  failedAcks: r.failedAcks,
  disconnects: r.disconnects,
  serverEld: r.server.eld,
  serverCpuPct: r.server.cpuPct,
  serverRssMiB: mib(r.server.rss),
  loadEld: r.loadEld,
  othersPct: r.othersPct,
  ok: ok(r),
  throughputOk: throughputOk(r),
  setupMs: { start: s.startMs, accept: s.acceptMs, connect: s.connectMs },
});

async function mainFixed() {
  const results = {};
  for (const kind of kindsOf()) {
    log(`\n[${kind}] setting up ${CHATS} chats, ${AGENTS} agents...`);
    results[kind] = await withTarget(kind, async (t, load) => {
      const s = await setup(t, load, CHATS);
      log(`[${kind}] ${s.sockets} sockets connected; ${RATE} msg/s for ${SECONDS} s...`);
      const r = await profiled(t, () => measure(t, load, s, RATE, SECONDS));
      return { s, r };
    });
  }
  const kinds = Object.keys(results);
  const rows = kinds.map((k) => resultRows(k, results[k].s, results[k].r));
  log(`\n## ${CHATS} chats at ${RATE} msg/s for ${SECONDS} s (${DB})\n`);
  log(table(rows[0].map((row, i) => [row[0], ...rows.map((r) => r[i][1])]), ['', ...kinds.map(labelOf)]));
  const r = results.strapi.r;
  log(`\ntarget (p50 < 2 ms, p99 < ${P99_TARGET} ms, zero lost/doubled, ≥ 95 % of the rate stored): ${r.latency.p50 < 2 && ok(r) ? 'MET' : 'MISSED'}`);
  return { mode: 'fixed', db: DB, nodes: NODES, chats: CHATS, rate: RATE, seconds: SECONDS, results: Object.fromEntries(kinds.map((k) => [k, summary(results[k].s, results[k].r)])) };
}

/** Nothing lost, doubled or misrouted, every ack fine and ≥ 95 % of the rate stored (no latency criterion). */
const throughputOk = (r) => r.lost === 0 && r.doubled === 0 && r.misrouted === 0 && r.failedAcks === 0 && r.achieved >= 0.95 * r.rate;

async function mainMax() {
  const out = {};
  const setups = {};
  const go = UNTIL === 'throughput' ? throughputOk : ok;
  for (const kind of kindsOf()) {
    log(`\n[${kind}] setting up ${CHATS} chats, ${AGENTS} agents...`);
    out[kind] = await withTarget(kind, async (t, load) => {
      const s = await setup(t, load, CHATS);
      setups[kind] = s;
      const steps = [];
      for (const rate of STEPS) {
        const r = await measure(t, load, s, rate, SECONDS);
        steps.push(r);
        log(`[${kind}] ${rate} msg/s: stored ${r.achieved}/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, lost ${r.lost}, doubled ${r.doubled}, failed acks ${r.failedAcks}, server ELD p99 ${r.server.eld.p99} ms, CPU ${r.server.cpuPct} %, load ELD p99 ${r.loadEld.p99} ms, others ${r.othersPct} % → ${ok(r) ? 'ok' : throughputOk(r) ? 'stored, p99 over' : 'FAIL'}`);
        if (!go(r)) break;
        await new Promise((res) => setTimeout(res, 1000));
      }
      return steps;
    });
  }
  log(`\n## Highest sustained rate (${CHATS} chats, ${SECONDS} s per step, ${DB}): p99 < ${P99_TARGET} ms, nothing lost, ≥ 95 % stored\n`);
  const rows = [];
  for (const [kind, steps] of Object.entries(out)) {
    for (const r of steps) rows.push([kind, r.rate, r.achieved, r.latency.p50, r.latency.p99, r.latency.max, r.lost, r.doubled, r.failedAcks, r.server.eld.p99, r.server.cpuPct, r.loadEld.p99, r.othersPct, ok(r) ? 'ok' : throughputOk(r) ? 'p99' : 'FAIL']);
  }
  log(table(rows, ['target', 'rate', 'stored/s', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'doubled', 'failed acks', 'srv ELD p99', 'srv CPU %', 'load ELD p99', 'others CPU %', '']));
  const json = { mode: 'max', db: DB, nodes: NODES, chats: CHATS, seconds: SECONDS, until: UNTIL, results: {} };
  for (const [kind, steps] of Object.entries(out)) {
    const best = steps.filter(ok).map((r) => r.rate);
    const stored = steps.filter(throughputOk).map((r) => r.rate);
    const last = steps[steps.length - 1];
    log(`${kind}: highest rate with p99 < ${P99_TARGET} ms ${best.length ? Math.max(...best) : 'none'} msg/s; highest rate stored whole ${stored.length ? Math.max(...stored) : 'none'} msg/s${go(last) ? ` (every step passed, up to ${last.rate})` : ''}`);
    json.results[kind] = {
      steps: steps.map((r) => summary(setups[kind], r)),
      bestP99Rate: best.length ? Math.max(...best) : null,
      bestStoredRate: stored.length ? Math.max(...stored) : null,
      everyStepPassed: go(last),
    };
  }
  return json;
}

/**
 * Idle widgets, stepping up: each step adds chats (started and accepted through the services,
 * nobody notified) and idle visitor sockets, then checks after --idle-seconds that all are still
 * connected. Memory per connection = the growth while sockets were connected (chat creation
 * excluded), summed over the steps, divided by the sockets held.
 */
async function mainIdle() {
  const out = {};
  const steps = [...IDLE_STEPS].sort((a, b) => a - b);
  for (const kind of kindsOf()) {
    const t = await startTarget(kind);
    const loads = [];
    const rows = [];
    let failure = null;
    try {
      await t.front.rpc('pauseSweeper');
      let chats = 0;
      let sockDeltaRss = 0;
      let sockDeltaHeap = 0;
      let base = null;
      for (const step of steps) {
        try {
          const add = step - chats;
          if (add <= 0) continue;
          log(`\n[${kind}] step ${step}: creating ${add} chats (started and accepted through the services)...`);
          let t0 = Date.now();
          await t.front.rpc('pauseSweeper');
          const fresh = await t.front.rpc('startChats', { n: add, quiet: true, accept: true });
          await t.front.rpc('resumeSweeper', { chatIds: fresh.map((c) => c.chatId) });
          const createMs = Date.now() - t0;
          const before = await t.mem();
          if (!base) base = before;
          // spread the new sockets over the load processes, PER_LOAD each
          const jobs = [];
          let k = 0;
          for (let li = 0; k < fresh.length; li++) {
            if (!loads[li]) {
              const l = await startLoad();
              loads[li] = { l, n: 0, addr: `127.0.0.${li + 2}` };
            }
            const room = PER_LOAD - loads[li].n;
            if (room <= 0) continue;
            const part = fresh.slice(k, k + room);
            k += part.length;
            loads[li].n += part.length;
            jobs.push(loads[li].l.rpc('connectVisitors', { base: t.front.base, chats: part, concurrency: 100, listen: false, localAddress: loads[li].addr, timeoutMs: 30000 }));
          }
          log(`[${kind}] ${add} chats in ${createMs} ms; connecting ${add} idle visitor sockets (${loads.length} load process${loads.length > 1 ? 'es' : ''})...`);
          t0 = Date.now();
          const vis = await Promise.all(jobs);
          const connectMs = Date.now() - t0;
          const failed = vis.reduce((a, v) => a + v.failed, 0);
          const errors = {};
          for (const v of vis) for (const [e, c] of Object.entries(v.errors || {})) errors[e] = (errors[e] || 0) + c;
          await new Promise((res) => setTimeout(res, 2000));
          const after = await t.mem();
          sockDeltaRss += after.rss - before.rss;
          sockDeltaHeap += after.heapUsed - before.heapUsed;
          await t.all('eldReset');
          await new Promise((res) => setTimeout(res, IDLE_SECONDS * 1000)); // idle: pings and the sweeper only
          const idle = await t.report();
          const counts = await Promise.all(loads.map((x) => x.l.rpc('countAlive')));
          const alive = counts.reduce((a, c) => a + c.alive, 0);
          for (const c of counts) for (const [why, n] of Object.entries(c.reasons || {})) errors[`dropped: ${why}`] = (errors[`dropped: ${why}`] || 0) + n;
          chats = step;
          const loadRss = (await Promise.all(loads.map((x) => x.l.rpc('mem')))).reduce((a, m) => a + m.rss, 0);
          const row = { step, createMs, connectMs, failed, errors, alive, rss: after.rss, heapUsed: after.heapUsed, baseRss: base.rss, baseHeap: base.heapUsed, rssPerConn: sockDeltaRss / 1024 / Math.max(1, alive), heapPerConn: sockDeltaHeap / 1024 / Math.max(1, alive), idleCpuPct: idle.cpuPct, idleEldP99: idle.eld.p99, loadRss };
          rows.push(row);
          log(`[${kind}] step ${step}: ${alive} held after ${IDLE_SECONDS} s idle (${failed} refused), connected in ${connectMs} ms, RSS ${mib(after.rss)} MiB, ${row.rssPerConn.toFixed(1)} KiB RSS / ${row.heapPerConn.toFixed(1)} KiB heap per connection${failed ? ` — errors: ${JSON.stringify(errors)}` : ''}`);
          if (failed || alive < step) {
            failure = `step ${step}: ${failed} sockets refused, ${step - alive} not held${Object.keys(errors).length ? ` (${JSON.stringify(errors)})` : ''}`;
            break;
          }
        } catch (e) {
          failure = `step ${step}: ${String(e.message).split('\n')[0]}`;
          log(`[${kind}] ${failure}`);
          break;
        }
      }
    } finally {
      for (const x of loads) {
        await x.l.rpc('closeAll').catch(() => undefined);
        await x.l.stop();
      }
      await t.close().catch(() => undefined);
    }
    const held = rows.filter((r) => !r.failed && r.alive >= r.step);
    out[kind] = { rows, failure, largest: held.length ? held[held.length - 1] : null };
  }
  log(`\n## Idle visitor sockets, stepping ${steps.join(', ')} (${DB}; children's fd limit ${childNofile})\n`);
  const lines = [];
  for (const [kind, o] of Object.entries(out)) {
    for (const r of o.rows) {
      lines.push([labelOf(kind), r.step, r.alive, r.failed, r.connectMs, `${mib(r.baseRss)} / ${mib(r.rss)}`, `${mib(r.baseHeap)} / ${mib(r.heapUsed)}`, r.rssPerConn.toFixed(1), r.heapPerConn.toFixed(1), `${r.idleCpuPct} / ${r.idleEldP99}`, mib(r.loadRss)]);
    }
  }
  log(table(lines, ['', 'step', 'held', 'refused', 'connect ms', 'server RSS MiB (no sockets / now)', 'heap MiB (no sockets / now)', 'RSS KiB per conn', 'heap KiB per conn', `idle ${IDLE_SECONDS} s: CPU % / ELD p99 ms`, 'load RSS MiB']));
  for (const [kind, o] of Object.entries(out)) {
    const L = o.largest;
    log(`${labelOf(kind)}: largest count held ${L ? L.alive : 'none'}${L ? ` (${L.rssPerConn.toFixed(1)} KiB RSS, ${L.heapPerConn.toFixed(1)} KiB heap per connection)` : ''}; ${o.failure ? `stopped at ${o.failure}` : 'every step held (try larger steps)'}`);
  }
  const L = out.strapi.largest;
  if (L) log(`\ntarget ≤ 30 KiB per idle connection: ${L.rssPerConn <= 30 && L.heapPerConn <= 30 ? 'MET' : 'MISSED'} (${L.rssPerConn.toFixed(1)} KiB RSS, ${L.heapPerConn.toFixed(1)} KiB heap)`);
  return { mode: 'idle', db: DB, steps, fdLimit: childNofile, perLoad: PER_LOAD, idleSeconds: IDLE_SECONDS, results: out };
}

/** Start-to-queue latency: POST /api/live-chat/chats → the agents' `queue:added`. */
async function mainQueue() {
  const out = {};
  for (const kind of kindsOf(false)) {
    log(`\n[${kind}] ${AGENTS} agents online, then ${QUEUE} chats started over REST at ${QUEUE_RATE}/s...`);
    out[kind] = await withTarget(kind, async (t, load) => {
      const agents = await t.back.rpc('agents', { k: AGENTS });
      await load.rpc('connectAgents', { base: t.back.base, agents });
      const departmentIds = await t.front.rpc('departments');
      const warm = Math.min(QUEUE, Math.round(QUEUE_RATE * WARMUP));
      if (warm > 0) await load.rpc('queueRun', { base: t.front.base, n: warm, rate: QUEUE_RATE, departmentIds });
      await waitQuiet(kind);
      await t.all('eldReset');
      const st0 = procStat();
      const t0 = Date.now();
      const r = await load.rpc('queueRun', { base: t.front.base, n: QUEUE, rate: QUEUE_RATE, departmentIds });
      const rep = await t.report();
      const wall = (Date.now() - t0) / 1000;
      const othersPct = Math.max(0, Math.round((((procStat() - st0) / 100 - (rep.cpuPct / 100) * wall) / wall) * 100));
      return { ...r, warm, server: rep, othersPct };
    });
  }
  log(`\n## Start to queue: ${QUEUE} chats started over REST at ${QUEUE_RATE}/s, ${AGENTS} agents online (${DB})\n`);
  const kinds = Object.keys(out);
  const row = (label, f) => [label, ...kinds.map((k) => f(out[k]))];
  const pc = (x) => `${x.p50} / ${x.p90} / ${x.p99} / ${x.max}`;
  log(
    table(
      [
        row('chats started (of the schedule)', (o) => `${o.started} / ${o.n}${o.failed ? ` ${JSON.stringify(o.codes)}` : ''}`),
        row('queue event never seen', (o) => o.notSeen),
        row('POST due → first agent has it in its queue, p50 / p90 / p99 / max (ms)', (o) => pc(o.firstAgent)),
        row(`POST due → every agent (${AGENTS}) has it, p50 / p90 / p99 / max (ms)`, (o) => pc(o.everyAgent)),
        row('POST due → its 201 answer, p50 / p90 / p99 / max (ms)', (o) => pc(o.postAnswer)),
        row('server event-loop delay p99 / max (ms)', (o) => `${o.server.eld.p99} / ${o.server.eld.max}`),
        row('server CPU (% of a core)', (o) => o.server.cpuPct),
        row('load process worst send lag (ms)', (o) => o.maxSendLagMs),
        row('other processes (% of a core)', (o) => o.othersPct),
      ],
      ['', ...kinds.map(labelOf)]
    )
  );
  return { mode: 'queue', db: DB, nodes: NODES, n: QUEUE, rate: QUEUE_RATE, agents: AGENTS, results: out };
}

(async () => {
  log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), fd limit soft ${softNofile} / hard ${hardNofile}, children's ${childNofile}`);
  if (hasTaskset) log(`pinning: server${NODES > 1 ? `s → node A core 0, node B core ${CORE_B}` : ' → core 0'}, load process → core 1 (taskset)`);
  else log('pinning skipped: taskset not found');
  // fixed and --max modes hold every visitor and agent socket in one load process, and the server
  // one file descriptor per socket: say so before a long setup rather than fail in the middle of it
  if (!IDLE && !QUEUE && CHATS + AGENTS + 200 > childNofile) {
    console.error(`--chats=${CHATS}: needs about ${CHATS + AGENTS + 200} file descriptors per process, the limit is ${childNofile} (raise it with --nofile=N as root, or ulimit -Hn)`);
    process.exit(2);
  }
  if (!flag('no-compile')) {
    const { compileStrapi } = require('@strapi/strapi');
    const t = Date.now();
    await compileStrapi({ appDir });
    log(`compile (tsc → dist/): ${Date.now() - t} ms`);
  }
  let result;
  if (IDLE) result = await mainIdle();
  else if (QUEUE) result = await mainQueue();
  else if (MAX) result = await mainMax();
  else result = await mainFixed();
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ ...result, loadavg: os.loadavg(), node: process.version }, null, 2));
  process.exit(0);
})().catch((e) => {
  console.error(e);
  for (const p of children) p.kill('SIGKILL');
  setTimeout(() => Promise.allSettled([...cleanups].map((f) => f())).finally(() => process.exit(1)), 500);
});
