#!/usr/bin/env node
/**
 * Child process of bench/realtime.js: one Strapi node (from dist/, on the database the parent put
 * in the environment) listening on 127.0.0.1, driven over IPC. Not meant to be run by hand.
 *
 * IPC requests { id, cmd, args } → replies { id, result } | { id, error }:
 *   agents {k}        create k Super Admin agents, mint their admin access tokens (as the tests do)
 *   departments       ids of the active departments
 *   startChats {n}    start n chats through the chats service (no REST), → [{ chatId, token }]
 *   mem               process.memoryUsage() after a full GC
 *   eldReset          restart the event-loop delay histogram and the CPU counter
 *   report            event-loop delay p50/p99/max (ms) and CPU time since eldReset
 *   profileStart / profileStop {file}   V8 CPU profile of the load phase only (inspector)
 *   heapStart / heapStop {file}         V8 sampling heap profile of the load phase, objects
 *                                       collected by GC included (what allocates, not what stays)
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { monitorEventLoopDelay } = require('perf_hooks');

const appDir = path.resolve(__dirname, '..');
const distDir = path.join(appDir, 'dist');

let eld = monitorEventLoopDelay({ resolution: 1 });
const { startTrace } = require('./trace');
let trace = null;
let cpu0 = process.cpuUsage();
let t0 = Date.now();
let session = null;

const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;

/**
 * WORKAROUND for a bug in the plugin (not in the bench): notifier.refreshPositions does
 * `await import('../domain')`. The plugin's TypeScript is loaded through esbuild-register (CJS
 * require hook), but a dynamic import() goes through Node's ESM loader, which refuses a directory
 * import (ERR_UNSUPPORTED_DIR_IMPORT); so outside jest every chat start and every accept fails
 * with 500 / internal_error. Until the plugin imports queueInfo statically, the bench replaces that
 * one method with the same code using the already-loaded domain module. Applied only when the
 * method still contains `import(`; returns whether it was applied.
 */
function patchRefreshPositions(strapi) {
  const notifier = strapi.plugin('live-chat').service('notifier');
  if (!/\bimport\(/.test(String(notifier.refreshPositions))) return false;
  const { unregister } = require('esbuild-register/dist/node').register({ target: 'node20', format: 'cjs' });
  let domain;
  try {
    domain = require(path.join(appDir, 'src/plugins/live-chat/server/src/domain/index.ts'));
  } finally {
    unregister();
  }
  const chats = strapi.plugin('live-chat').service('chats');
  notifier.refreshPositions = async (departmentId, now = new Date()) => {
    const v = notifier.visitors();
    if (!v) return;
    const queue = await chats.queue(departmentId);
    if (queue.length === 0) return;
    const waits = await chats.recentWaits(departmentId);
    for (const c of queue) {
      const info = domain.queueInfo(queue, c.id, waits, now);
      if (info) v.to(`chat:${c.id}`).emit('queue:position', info);
    }
  };
  return true;
}

(async () => {
  const { createStrapi } = require('@strapi/strapi');
  const started = Date.now();
  const strapi = await createStrapi({ appDir, distDir }).load();
  strapi.server.mount();
  const workaround = patchRefreshPositions(strapi);
  const server = strapi.server.httpServer;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;

  let agentCounter = 0;
  const handlers = {
    async agents({ k }) {
      const role = await strapi.db.query('admin::role').findOne({ where: { code: 'strapi-super-admin' } });
      const out = [];
      for (let i = 0; i < k; i++) {
        agentCounter += 1;
        const user = await strapi.db.query('admin::user').create({
          data: {
            firstname: `Agent${agentCounter}`,
            lastname: 'Bench',
            email: `bench-agent${agentCounter}-${crypto.randomBytes(3).toString('hex')}@example.com`,
            isActive: true,
            blocked: false,
            roles: [role.id],
          },
        });
        const manager = strapi.sessionManager('admin');
        const { token: refresh } = await manager.generateRefreshToken(String(user.id), crypto.randomUUID(), { type: 'session' });
        const access = await manager.generateAccessToken(refresh);
        if ('error' in access) throw new Error(`could not mint an access token: ${access.error}`);
        out.push({ id: user.id, token: access.token });
      }
      return out;
    },
    async departments() {
      const rows = await strapi.db.query('api::department.department').findMany({ where: { active: true }, select: ['id'] });
      return rows.map((r) => r.id);
    },
    /**
     * n chats through the chats service. With `accept`, one agent (created here, online) accepts
     * them all, so that they are active conversations. With `quiet`, nobody is notified while they
     * are created (the notifier has no server meanwhile): no socket is connected yet anyway, and
     * otherwise every start re-reads its department's whole queue (quadratic in n).
     */
    async startChats({ n, quiet = false, accept = false }) {
      const deps = await handlers.departments();
      const plugin = strapi.plugin('live-chat');
      const chats = plugin.service('chats');
      const notifier = plugin.service('notifier');
      const io = notifier.server();
      if (quiet) notifier.setServer(null);
      try {
        let agent = null;
        if (accept) {
          const [a] = await handlers.agents({ k: 1 });
          agent = await plugin.service('agents').loadUser(a.id);
          await plugin.service('agents').setPresence(agent, 'online');
          // seen now, through knex as the heartbeat writes it: this agent holds no socket, and a
          // presence row written by Strapi's query layer (epoch-ms integer on SQLite) compares as
          // older than any text cutoff, so the sweeper would take it for a ghost and requeue all
          // its chats (the same integer-vs-text bug as for visitor_seen_at)
          await plugin.service('agents').touch([agent.id]);
        }
        const out = [];
        for (let i = 0; i < n; i++) {
          const res = await chats.start(
            { name: `Visitor ${i}`, email: `v${i}@example.com`, question: 'Preciso de ajuda com o boleto', departmentId: deps[i % deps.length] },
            { userAgent: 'bench' }
          );
          if (!res.ok) throw new Error(`start failed: ${JSON.stringify(res.error)}`);
          if (agent) {
            const acc = await chats.accept(agent, res.chat.id);
            if (!acc.ok) throw new Error(`accept failed: ${JSON.stringify(acc.error)}`);
          }
          out.push({ chatId: res.chat.id, token: res.token });
          // On SQLite every query resolves as a microtask (better-sqlite3 is synchronous): without a
          // turn of the event loop, this loop starved it for the whole setup (50 s for 5,000
          // chats) and every connected socket missed its pings ("ping timeout").
          if (i % 10 === 9) await new Promise((r) => setImmediate(r));
        }
        return out;
      } finally {
        if (quiet) notifier.setServer(io);
      }
    },
    /**
     * The sweeper is paused while chats are set up, then every chat's visitor is marked seen
     * through the service (as the heartbeat does) before it runs again. Needed because of a bug:
     * on SQLite Strapi writes visitor_seen_at as epoch-ms integers, the sweeper compares it with
     * a text cutoff, and in SQLite every integer sorts before every text: a chat whose visitor has
     * not connected yet is ended ("missed", visitor_left) by the next sweep, ~5 s, not 60 s.
     */
    async pauseSweeper() {
      await strapi.plugin('live-chat').service('sweeper').stop();
      return true;
    },
    async resumeSweeper({ chatIds = [] }) {
      const chats = strapi.plugin('live-chat').service('chats');
      for (let i = 0; i < chatIds.length; i += 500) await chats.touchVisitors(chatIds.slice(i, i + 500));
      strapi.plugin('live-chat').service('sweeper').start();
      return true;
    },
    async mem() {
      if (global.gc) {
        global.gc();
        global.gc();
      }
      return process.memoryUsage();
    },
    async eldReset() {
      if (process.env.BENCH_TRACE_DIR) {
        if (trace) trace.stop();
        trace = startTrace();
      }
      eld.disable();
      eld = monitorEventLoopDelay({ resolution: 1 });
      eld.enable();
      cpu0 = process.cpuUsage();
      t0 = Date.now();
      return true;
    },
    async report() {
      const cpu = process.cpuUsage(cpu0);
      if (trace) {
        fs.writeFileSync(path.join(process.env.BENCH_TRACE_DIR, `server-${process.pid}-${Date.now()}.json`), JSON.stringify(trace.stop()));
        trace = null;
      }
      const wall = Date.now() - t0;
      return {
        eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max), mean: ms(eld.mean) },
        cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100),
        rss: process.memoryUsage().rss,
      };
    },
    async profileStart() {
      const inspector = require('inspector');
      session = new inspector.Session();
      session.connect();
      const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return true;
    },
    async heapStart() {
      const inspector = require('inspector');
      session = new inspector.Session();
      session.connect();
      const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', {
        samplingInterval: 8192,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return true;
    },
    async heapStop({ file }) {
      const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
      const { profile } = await post('HeapProfiler.stopSampling');
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      return file;
    },
    async profileStop({ file }) {
      const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
      const { profile } = await post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      return file;
    },
  };

  process.on('message', async (msg) => {
    if (!msg || !msg.cmd) return;
    try {
      const result = await handlers[msg.cmd](msg.args || {});
      process.send({ id: msg.id, result });
    } catch (e) {
      process.send({ id: msg.id, error: e && e.stack ? e.stack : String(e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  eld.enable();
  process.send({ ready: true, port, bootMs: Date.now() - started, workaround });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
