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
 *   node bench/realtime.js --idle=10000
 * Options: --warmup=2 (seconds at the same rate before each measured run, not counted), --no-relay (skip the baseline), --no-compile (use dist/ as is), --profile (V8 CPU
 * profile of the server during the load, written to $TMPDIR/lc-bench-profiles/ with its top functions printed), --heap-profile
 * (sampling heap profile of the server during the load, garbage included: bytes allocated per stored message, by function).
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
const IDLE = Number(arg('idle', '0'));
const CHATS = Number(arg('chats', '1000'));
const RATE = Number(arg('rate', '1000'));
const SECONDS = Number(arg('seconds', MAX ? '5' : '20'));
const AGENTS = Number(arg('agents', '10'));
const DB = arg('db', 'sqlite');
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
  const cmd = `ulimit -n ${hardNofile} 2>/dev/null; exec ${hasTaskset ? `taskset -c ${core} ` : ''}"${process.execPath}" ${nodeArgs.join(' ')} "${script}"`;
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

/** A Strapi node on a fresh database in a temporary directory. */
async function startStrapi() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-bench-rt-'));
  fs.mkdirSync(path.join(tmp, 'public', 'uploads'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'incoming'), { recursive: true });
  let dbEnv;
  let drop = async () => {};
  if (DB === 'postgres') {
    const name = `lc_bench_rt_${process.pid}_${Date.now()}`;
    await pgQuery(`CREATE DATABASE "${name}"`);
    dbEnv = { DATABASE_CLIENT: 'postgres', DATABASE_URL: '', DATABASE_HOST: '127.0.0.1', DATABASE_PORT: '5432', DATABASE_USERNAME: 'postgres', DATABASE_PASSWORD: '', DATABASE_NAME: name };
    drop = () => pgQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } else {
    dbEnv = { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.join(tmp, 'data.db') };
  }
  const env = {
    ...SECRETS,
    ...dbEnv,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_DIR: path.join(tmp, 'public'),
    UPLOAD_TMP_DIR: path.join(tmp, 'incoming'),
    STRAPI_TELEMETRY_DISABLED: 'true',
    STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
    BROWSER: 'none',
    LIVE_CHAT_RATE_START_POINTS: BIG,
    LIVE_CHAT_RATE_MESSAGE_POINTS: BIG,
    LIVE_CHAT_RATE_MESSAGE_IP_POINTS: BIG,
    LIVE_CHAT_RATE_LEAVE_IP_POINTS: BIG,
    LIVE_CHAT_RATE_LEAVE_EMAIL_POINTS: BIG,
    // setup of 10,000 chats takes longer than the default 60 s grace period of an unseen visitor
    LIVE_CHAT_GRACE_SECONDS: '3600',
    LIVE_CHAT_WAITING_LIMIT_SECONDS: '3600',
  };
  const cleanup = async () => {
    await drop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  const c = child(path.join(__dirname, 'realtime-server.js'), 0, env, ['--expose-gc', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)]);
  const ready = await c.ready;
  if (ready.workaround && !warned++) log('WORKAROUND: notifier.refreshPositions replaced in the server process (dynamic import() of ../domain fails outside jest; see bench/realtime-server.js)');
  return {
    ...c,
    kind: 'strapi',
    base: `http://127.0.0.1:${ready.port}`,
    bootMs: ready.bootMs,
    async close() {
      await c.stop();
      cleanups.delete(cleanup);
      await cleanup();
    },
  };
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
async function setup(server, load, n) {
  await server.rpc('pauseSweeper');
  const agents = await server.rpc('agents', { k: AGENTS });
  // agents online first: a chat started while nobody can answer becomes a left message
  await load.rpc('connectAgents', { base: server.base, agents });
  let chats;
  let startMs;
  if (server.kind === 'strapi') {
    const departmentIds = await server.rpc('departments');
    const r = await load.rpc('restStart', { base: server.base, n, departmentIds });
    chats = r.chats;
    startMs = r.ms;
  } else {
    const t = Date.now();
    chats = await server.rpc('startChats', { n });
    startMs = Date.now() - t;
  }
  await server.rpc('resumeSweeper', { chatIds: chats.map((c) => c.chatId) });
  const memBefore = await server.rpc('mem');
  const acc = await load.rpc('accept', { chatIds: chats.map((c) => c.chatId) });
  if (acc.failed) throw new Error(`${acc.failed} accepts failed: ${JSON.stringify(acc.codes)}`);
  const vis = await load.rpc('connectVisitors', { base: server.base, chats });
  if (vis.failed) throw new Error(`${vis.failed} visitor sockets could not connect`);
  const memAfter = await server.rpc('mem');
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
async function measure(server, load, s, rate, seconds, warmup = WARMUP) {
  await waitQuiet(server.kind);
  // warm-up at the same rate (JIT, pools, caches), not counted
  if (warmup > 0) await load.rpc('run', { chatIds: s.chatIds, agentOf: s.agentOf, rate, seconds: warmup, tag: `w${++runNo}x${process.pid}` });
  await server.rpc('eldReset');
  const tag = `r${++runNo}x${process.pid}`;
  const st0 = procStat();
  const t0 = Date.now();
  const res = await load.rpc('run', { chatIds: s.chatIds, agentOf: s.agentOf, rate, seconds, tag });
  const rep = await server.rpc('report');
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
  const server = kind === 'strapi' ? await startStrapi() : await startRelay();
  const load = await startLoad();
  try {
    return await fn(server, load);
  } finally {
    await load.rpc('closeAll').catch(() => undefined);
    await load.stop();
    await server.close();
  }
}

async function profiled(server, fn) {
  if (HEAP_PROFILE && server.kind === 'strapi') return heapProfiled(server, fn);
  if (!PROFILE || server.kind !== 'strapi') return fn();
  const dir = path.join(os.tmpdir(), 'lc-bench-profiles');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `server-${Date.now()}.cpuprofile`);
  await server.rpc('profileStart');
  try {
    return await fn();
  } finally {
    await server.rpc('profileStop', { file });
    log(`\nCPU profile of the server during the load: ${file}`);
    printProfile(file);
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

async function mainFixed() {
  const results = {};
  for (const kind of RELAY ? ['strapi', 'relay'] : ['strapi']) {
    log(`\n[${kind}] setting up ${CHATS} chats, ${AGENTS} agents...`);
    results[kind] = await withTarget(kind, async (server, load) => {
      const s = await setup(server, load, CHATS);
      log(`[${kind}] ${s.sockets} sockets connected; ${RATE} msg/s for ${SECONDS} s...`);
      const r = await profiled(server, () => measure(server, load, s, RATE, SECONDS));
      return { s, r };
    });
  }
  const strapiRows = resultRows('strapi', results.strapi.s, results.strapi.r);
  const relayRows = results.relay ? resultRows('relay', results.relay.s, results.relay.r) : null;
  log(`\n## ${CHATS} chats at ${RATE} msg/s for ${SECONDS} s (${DB})\n`);
  log(table(strapiRows.map((row, i) => [row[0], row[1], relayRows ? relayRows[i][1] : undefined]), ['', `Strapi + ${DB}`, 'bare Socket.IO relay']));
  const r = results.strapi.r;
  log(`\ntarget (p50 < 2 ms, p99 < ${P99_TARGET} ms, zero lost/doubled, ≥ 95 % of the rate stored): ${r.latency.p50 < 2 && ok(r) ? 'MET' : 'MISSED'}`);
}

async function mainMax() {
  const out = {};
  for (const kind of RELAY ? ['strapi', 'relay'] : ['strapi']) {
    log(`\n[${kind}] setting up ${CHATS} chats, ${AGENTS} agents...`);
    out[kind] = await withTarget(kind, async (server, load) => {
      const s = await setup(server, load, CHATS);
      const steps = [];
      for (const rate of STEPS) {
        const r = await measure(server, load, s, rate, SECONDS);
        steps.push(r);
        log(`[${kind}] ${rate} msg/s: stored ${r.achieved}/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms, lost ${r.lost}, doubled ${r.doubled}, failed acks ${r.failedAcks}, server ELD p99 ${r.server.eld.p99} ms, CPU ${r.server.cpuPct} %, load ELD p99 ${r.loadEld.p99} ms, others ${r.othersPct} % → ${ok(r) ? 'ok' : 'FAIL'}`);
        if (!ok(r)) break;
        await new Promise((res) => setTimeout(res, 1000));
      }
      return steps;
    });
  }
  log(`\n## Highest sustained rate (${CHATS} chats, ${SECONDS} s per step, ${DB}): p99 < ${P99_TARGET} ms, nothing lost, ≥ 95 % stored\n`);
  const rows = [];
  for (const [kind, steps] of Object.entries(out)) {
    for (const r of steps) rows.push([kind, r.rate, r.achieved, r.latency.p50, r.latency.p99, r.latency.max, r.lost, r.doubled, r.failedAcks, r.server.eld.p99, r.server.cpuPct, r.loadEld.p99, r.othersPct, ok(r) ? 'ok' : 'FAIL']);
  }
  log(table(rows, ['target', 'rate', 'stored/s', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'doubled', 'failed acks', 'srv ELD p99', 'srv CPU %', 'load ELD p99', 'others CPU %', '']));
  for (const [kind, steps] of Object.entries(out)) {
    const best = steps.filter(ok).map((r) => r.rate);
    const last = steps[steps.length - 1];
    log(`${kind}: highest sustained rate ${best.length ? Math.max(...best) : 'none'} msg/s${ok(last) ? ` (every step passed, up to ${last.rate})` : ''}`);
  }
}

async function mainIdle() {
  const out = {};
  for (const kind of RELAY ? ['strapi', 'relay'] : ['strapi']) {
    out[kind] = await withTarget(kind, async (server, load) => {
      log(`\n[${kind}] creating ${IDLE} chats (started and accepted through the services) in the server process...`);
      let t = Date.now();
      await server.rpc('pauseSweeper');
      const chats = await server.rpc('startChats', { n: IDLE, quiet: true, accept: true });
      await server.rpc('resumeSweeper', { chatIds: chats.map((c) => c.chatId) });
      const startMs = Date.now() - t;
      const before = await server.rpc('mem');
      log(`[${kind}] ${IDLE} chats in ${startMs} ms; connecting ${IDLE} idle visitor sockets...`);
      const vis = await load.rpc('connectVisitors', { base: server.base, chats, concurrency: 100, listen: false });
      if (vis.failed) log(`[${kind}] ${vis.failed} sockets could not connect`);
      await new Promise((res) => setTimeout(res, 2000));
      const after = await server.rpc('mem');
      await server.rpc('eldReset');
      await new Promise((res) => setTimeout(res, 10000)); // idle: pings and the sweeper only
      const idle = await server.rpc('report');
      const loadMem = await load.rpc('mem');
      return { startMs, before, after, vis, idle, loadMem };
    });
  }
  log(`\n## ${IDLE} idle visitor sockets (${DB})\n`);
  const kinds = Object.keys(out);
  const row = (label, f) => [label, ...kinds.map((k) => f(out[k]))];
  log(
    table(
      [
        row('chats created (ms)', (o) => o.startMs),
        row('sockets connected', (o) => o.vis.connected),
        row('connect time (ms)', (o) => o.vis.ms),
        row('server RSS before / after (MiB)', (o) => `${mib(o.before.rss)} / ${mib(o.after.rss)}`),
        row('server heap used before / after (MiB)', (o) => `${mib(o.before.heapUsed)} / ${mib(o.after.heapUsed)}`),
        row('RSS per connection (KiB)', (o) => ((o.after.rss - o.before.rss) / 1024 / o.vis.connected).toFixed(1)),
        row('heap per connection (KiB)', (o) => ((o.after.heapUsed - o.before.heapUsed) / 1024 / o.vis.connected).toFixed(1)),
        row('idle 10 s: server CPU % / ELD p99 (ms)', (o) => `${o.idle.cpuPct} / ${o.idle.eld.p99}`),
        row('load process RSS (MiB)', (o) => mib(o.loadMem.rss)),
      ],
      ['', ...kinds.map((k) => (k === 'strapi' ? `Strapi + ${DB}` : 'bare Socket.IO relay'))]
    )
  );
  const per = (out.strapi.after.rss - out.strapi.before.rss) / 1024 / out.strapi.vis.connected;
  log(`\ntarget ≤ 30 KiB per idle connection: ${per <= 30 ? 'MET' : 'MISSED'} (${per.toFixed(1)} KiB)`);
}

(async () => {
  log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), fd limit soft ${softNofile} / hard ${hardNofile}`);
  if (hasTaskset) log('pinning: server → core 0, load process → core 1 (taskset)');
  else log('pinning skipped: taskset not found');
  if (!flag('no-compile')) {
    const { compileStrapi } = require('@strapi/strapi');
    const t = Date.now();
    await compileStrapi({ appDir });
    log(`compile (tsc → dist/): ${Date.now() - t} ms`);
  }
  if (IDLE) await mainIdle();
  else if (MAX) await mainMax();
  else await mainFixed();
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
