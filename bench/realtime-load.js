#!/usr/bin/env node
/**
 * Child process of bench/realtime.js: the load generator (visitor and agent sockets, REST starts,
 * the open-loop message schedule). Driven over IPC like the server children; not run by hand.
 */
const { performance, monitorEventLoopDelay } = require('perf_hooks');
const { io: connect } = require('socket.io-client');
const fs = require('fs');
const path = require('path');
const { startTrace } = require('./trace');

const ms2 = (x) => Math.round(x * 100) / 100;
let eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();

let agentSockets = []; // index → socket
let visitorSockets = new Map(); // chatId → socket
let run = null; // the schedule being measured
let disconnects = 0;
const disconnectReasons = {}; // why sockets dropped (Socket.IO's reason: 'ping timeout', 'transport close', ...)
const onDisconnect = (reason) => {
  disconnects++;
  disconnectReasons[reason] = (disconnectReasons[reason] || 0) + 1;
};
// queue:added seen by the agent sockets while a queue run records: chatId → [first, last] (performance.now())
let queueSeen = null;

const pool = async (items, concurrency, fn) => {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
};

const opts = { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 120000 };

const onMessage = (side, chatIdOfSocket) => (m) => {
  const r = run;
  if (!r || typeof m.clientId !== 'string' || !m.clientId.startsWith(r.prefix)) return;
  const now = performance.now();
  const i = Number(m.clientId.slice(r.prefix.length));
  if (!(i >= 0 && i < r.total)) return;
  // a visitor must hear only agent→visitor messages of its own chat, and the reverse
  const expectSide = r.dir[i] === 0 ? 'visitor' : 'agent';
  if (side !== expectSide || (chatIdOfSocket !== null && m.chatId !== r.chatIds[r.chat[i]])) {
    r.misrouted++;
    return;
  }
  r.recv[i]++;
  if (r.recv[i] === 1) {
    r.lat[i] = now - (r.t0 + i * r.interval);
    r.received++;
    if (r.received === r.total && r.acked + r.failed === r.total && r.resolveDrain) r.resolveDrain();
  } else r.doubled++;
};

const waitEvent = (socket, event) =>
  new Promise((resolve, reject) => {
    socket.once(event, resolve);
    socket.once('connect_error', (e) => reject(new Error(`connect_error: ${e.message} ${JSON.stringify(e.data || {})}`)));
  });

const handlers = {
  /** Starts n chats through the widget's REST endpoint. */
  async restStart({ base, n, departmentIds, concurrency = 8 }) {
    const t = performance.now();
    const chats = await pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
      const res = await fetch(`${base}/api/live-chat/chats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
        body: JSON.stringify({ name: `Visitor ${i}`, email: `v${i}@example.com`, question: 'Preciso de ajuda com o boleto', departmentId: departmentIds[i % departmentIds.length] }),
      });
      const body = await res.json();
      if (res.status !== 201) throw new Error(`start chat failed: ${res.status} ${JSON.stringify(body)}`);
      return { chatId: body.chatId, token: body.token };
    });
    return { chats, ms: Math.round(performance.now() - t) };
  },

  async connectAgents({ base, agents }) {
    agentSockets = await Promise.all(
      agents.map(async (a) => {
        const s = connect(`${base}/agent`, { ...opts, auth: { token: a.token } });
        await waitEvent(s, 'agent:state');
        const ack = await s.timeout(60000).emitWithAck('presence:set', { presence: 'online' });
        if (!ack.ok) throw new Error(`presence:set failed: ${JSON.stringify(ack.error)}`);
        s.on('message:created', onMessage('agent', null));
        s.on('queue:added', (q) => {
          if (!queueSeen || !q) return;
          const now = performance.now();
          const seen = queueSeen.get(q.chatId);
          if (seen) seen[1] = now;
          else queueSeen.set(q.chatId, [now, now]);
        });
        s.on('disconnect', () => disconnects++);
        return s;
      })
    );
    return agentSockets.length;
  },

  /** chats[i] is accepted by agent i % agents */
  async accept({ chatIds, concurrency = 8 }) {
    const t = performance.now();
    let failed = 0;
    const codes = {};
    await pool(chatIds, concurrency, async (chatId, i) => {
      const ack = await agentSockets[i % agentSockets.length].timeout(60000).emitWithAck('chat:accept', { chatId });
      if (!ack.ok) {
        failed++;
        codes[ack.error.code] = (codes[ack.error.code] || 0) + 1;
        if (failed <= 3) console.error(`[load] accept ${chatId}: ${JSON.stringify(ack.error)}`);
      }
    });
    return { failed, codes, ms: Math.round(performance.now() - t) };
  },

  /**
   * Visitor sockets for `chats`. `localAddress` (e.g. 127.0.0.2) spreads connections over several
   * source addresses: one source address has only ~28,000 ephemeral ports towards one server port.
   * `timeoutMs` bounds each connection attempt (a server out of file descriptors may never answer).
   */
  async connectVisitors({ base, chats, concurrency = 50, listen = true, localAddress, timeoutMs = 120000 }) {
    const t = performance.now();
    let failed = 0;
    const errors = {};
    await pool(chats, concurrency, async (c) => {
      const s = connect(`${base}/visitor`, { ...opts, timeout: timeoutMs, ...(localAddress ? { localAddress } : {}), auth: { chatId: c.chatId, token: c.token } });
      try {
        await waitEvent(s, 'chat:state');
      } catch (e) {
        failed++;
        const key = String(e.message).slice(0, 80);
        errors[key] = (errors[key] || 0) + 1;
        if (failed <= 3) console.error(`[load] visitor ${c.chatId}: ${e.message}`);
        s.close();
        return;
      }
      if (listen) s.on('message:created', onMessage('visitor', c.chatId));
      s.on('disconnect', onDisconnect);
      visitorSockets.set(c.chatId, s);
    });
    // sockets that connected and dropped since (a server at its limits closes some)
    let alive = 0;
    for (const s of visitorSockets.values()) if (s.connected) alive++;
    return { connected: visitorSockets.size, alive, failed, errors, ms: Math.round(performance.now() - t) };
  },

  /** Visitor sockets still connected (after an idle period: did the server keep them?). */
  async countAlive() {
    let alive = 0;
    for (const s of visitorSockets.values()) if (s.connected) alive++;
    return { alive, total: visitorSockets.size, disconnects, reasons: { ...disconnectReasons } };
  },

  /**
   * Start-to-queue latency: chat i is started over REST (POST /api/live-chat/chats) at
   * t0 + i/rate whatever the earlier answers (open loop); its latency is the time the agent
   * sockets (connected by connectAgents, online) received its `queue:added` − the time the POST
   * was due. First agent and last agent (every online agent of the department is told), and the
   * POST's own answer time.
   */
  async queueRun({ base, n, rate, departmentIds, drainMs = 10000 }) {
    queueSeen = new Map();
    const interval = 1000 / rate;
    const due = new Float64Array(n);
    const answered = new Float64Array(n).fill(NaN);
    const chatIdOf = new Array(n).fill(null);
    const codes = {};
    let failed = 0;
    let maxSendLag = 0;
    const t0 = performance.now() + 100;
    const posts = [];
    await new Promise((resolve) => {
      let sent = 0;
      const tick = () => {
        const now = performance.now();
        while (sent < n && t0 + sent * interval <= now) {
          const i = sent++;
          due[i] = t0 + i * interval;
          maxSendLag = Math.max(maxSendLag, now - due[i]);
          posts.push(
            fetch(`${base}/api/live-chat/chats`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'user-agent': 'bench' },
              body: JSON.stringify({ name: `Queue ${i}`, email: `q${i}@example.com`, question: 'Preciso de ajuda com a nota fiscal', departmentId: departmentIds[i % departmentIds.length] }),
            })
              .then(async (res) => {
                const body = await res.json().catch(() => ({}));
                answered[i] = performance.now() - due[i];
                if (res.status !== 201 || body.status !== 'waiting') {
                  failed++;
                  const code = `${res.status} ${body.status || (body.error && body.error.name) || ''}`.trim();
                  codes[code] = (codes[code] || 0) + 1;
                  return;
                }
                chatIdOf[i] = body.chatId;
              })
              .catch((e) => {
                failed++;
                codes[e.message] = (codes[e.message] || 0) + 1;
              })
          );
        }
        if (sent < n) setTimeout(tick, Math.max(0, Math.min(5, t0 + sent * interval - performance.now())));
        else resolve();
      };
      setTimeout(tick, 90);
    });
    await Promise.all(posts);
    // the queue events of the last chats may still be on their way
    const until = performance.now() + drainMs;
    const missing = () => chatIdOf.some((id) => id !== null && !queueSeen.has(id));
    while (missing() && performance.now() < until) await new Promise((res) => setTimeout(res, 50));
    const first = [];
    const last = [];
    const answers = Array.from(answered).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    let notSeen = 0;
    for (let i = 0; i < n; i++) {
      if (chatIdOf[i] === null) continue;
      const seen = queueSeen.get(chatIdOf[i]);
      if (!seen) {
        notSeen++;
        continue;
      }
      first.push(seen[0] - due[i]);
      last.push(seen[1] - due[i]);
    }
    queueSeen = null;
    first.sort((a, b) => a - b);
    last.sort((a, b) => a - b);
    const pct = (arr, p) => (arr.length ? ms2(arr[Math.min(arr.length - 1, Math.floor((p / 100) * arr.length))]) : null);
    const sum = (arr) => ({ p50: pct(arr, 50), p90: pct(arr, 90), p99: pct(arr, 99), max: arr.length ? ms2(arr[arr.length - 1]) : null });
    return {
      n,
      rate,
      started: n - failed,
      failed,
      codes,
      notSeen,
      firstAgent: sum(first),
      everyAgent: sum(last),
      postAnswer: sum(answers),
      maxSendLagMs: ms2(maxSendLag),
      loadEld: { p99: ms2(eld.percentile(99) / 1e6), max: ms2(eld.max / 1e6) },
    };
  },

  /**
   * The open-loop schedule: message i is due at t0 + i/rate, to chat i % chats, alternately
   * visitor→agent and agent→visitor; it is sent when due whatever the acks of earlier ones.
   * Latency = time the other side got `message:created` − the time it was due.
   */
  async run({ chatIds, agentOf, rate, seconds, tag, drainMs = 5000, sleep = false }) {
    const n = chatIds.length;
    const total = Math.round(rate * seconds);
    const r = {
      prefix: `${tag}-`,
      total,
      interval: 1000 / rate,
      chatIds,
      chat: new Int32Array(total),
      dir: new Uint8Array(total), // 0: agent→visitor, 1: visitor→agent
      recv: new Uint8Array(total),
      lat: new Float64Array(total).fill(NaN),
      ackLat: new Float64Array(total).fill(NaN),
      received: 0,
      doubled: 0,
      misrouted: 0,
      acked: 0,
      failed: 0,
      failCodes: {},
      lastAck: 0,
      sent: 0,
      maxSendLag: 0,
      t0: 0,
      resolveDrain: null,
    };
    for (let i = 0; i < total; i++) {
      const c = i % n;
      r.chat[i] = c;
      r.dir[i] = (Math.floor(i / n) + c) % 2;
    }
    const body = 'Olá! Estou com uma dúvida sobre o boleto de março.';
    disconnects = 0;
    eld.disable();
    eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    run = r;
    const cpu0 = process.cpuUsage();
    const trace = process.env.BENCH_TRACE_DIR ? startTrace() : null;
    r.t0 = performance.now() + 100;
    const ackFn = (i) => (ack) => {
      const now = performance.now();
      if (ack && ack.ok) {
        r.acked++;
        r.lastAck = now;
        r.ackLat[i] = now - (r.t0 + i * r.interval);
      } else {
        r.failed++;
        const code = (ack && ack.error && ack.error.code) || 'no_ack';
        r.failCodes[code] = (r.failCodes[code] || 0) + 1;
      }
      if (r.received === r.total && r.acked + r.failed === r.total && r.resolveDrain) r.resolveDrain();
    };
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (r.sent < total && r.t0 + r.sent * r.interval <= now) {
          const i = r.sent++;
          const lag = now - (r.t0 + i * r.interval);
          if (lag > r.maxSendLag) r.maxSendLag = lag;
          const c = r.chat[i];
          const clientId = `${r.prefix}${i}`;
          if (r.dir[i] === 1) visitorSockets.get(chatIds[c]).emit('message:send', { clientId, body }, ackFn(i));
          else agentSockets[agentOf[c]].emit('message:send', { chatId: chatIds[c], clientId, body }, ackFn(i));
        }
        if (r.sent >= total) resolve();
        // spinning (the default) sends each message on time to the microsecond but keeps this
        // core busy; --sleep waits on a 1 ms timer instead (up to ~1 ms late, counted as latency)
        // and leaves the core to the kernel's own work (network, disk writeback)
        else if (sleep && r.t0 + r.sent * r.interval > performance.now()) setTimeout(tick, 1);
        else setImmediate(tick);
      };
      setTimeout(tick, 90);
    });
    const sentAt = performance.now();
    await new Promise((resolve) => {
      if (r.received === r.total && r.acked + r.failed === r.total) return resolve();
      r.resolveDrain = resolve;
      setTimeout(resolve, drainMs);
    });
    run = null;
    const cpu = process.cpuUsage(cpu0);
    if (trace) {
      // each message's due time and latency (epoch ms), with this process's own stalls
      const due0 = performance.timeOrigin + r.t0;
      const msgs = [];
      for (let i = 0; i < total; i++) msgs.push([due0 + i * r.interval, r.lat[i], r.dir[i], r.chat[i]]);
      fs.writeFileSync(path.join(process.env.BENCH_TRACE_DIR, `load-${tag}.json`), JSON.stringify({ ...trace.stop(), msgs }));
    }
    const lats = Array.from(r.lat).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const acks = Array.from(r.ackLat).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const pct = (arr, p) => (arr.length ? ms2(arr[Math.min(arr.length - 1, Math.floor((p / 100) * arr.length))]) : null);
    let lost = 0;
    for (let i = 0; i < total; i++) if (r.recv[i] === 0) lost++;
    const noAck = total - r.acked - r.failed;
    if (noAck > 0) r.failCodes.no_ack = noAck;
    const scheduleMs = (total - 1) * r.interval;
    return {
      total,
      rate,
      seconds,
      stored: r.acked,
      achieved: r.acked ? Math.round(r.acked / (Math.max(r.lastAck - r.t0, scheduleMs) / 1000)) : 0,
      latency: { p50: pct(lats, 50), p90: pct(lats, 90), p99: pct(lats, 99), max: lats.length ? ms2(lats[lats.length - 1]) : null },
      ackLatency: { p50: pct(acks, 50), p99: pct(acks, 99), max: acks.length ? ms2(acks[acks.length - 1]) : null },
      lost,
      doubled: r.doubled,
      misrouted: r.misrouted,
      failedAcks: r.failed + noAck,
      failCodes: r.failCodes,
      disconnects,
      maxSendLagMs: ms2(r.maxSendLag),
      sendPhaseMs: Math.round(sentAt - r.t0),
      loadCpuS: (cpu.user + cpu.system) / 1e6,
      loadEld: { p50: ms2(eld.percentile(50) / 1e6), p99: ms2(eld.percentile(99) / 1e6), max: ms2(eld.max / 1e6) },
    };
  },

  async closeAll() {
    for (const s of agentSockets) s.close();
    for (const s of visitorSockets.values()) s.close();
    agentSockets = [];
    visitorSockets = new Map();
    return true;
  },

  async mem() {
    return process.memoryUsage();
  },
};

process.on('message', async (msg) => {
  if (!msg || !msg.cmd) return;
  try {
    process.send({ id: msg.id, result: await handlers[msg.cmd](msg.args || {}) });
  } catch (e) {
    process.send({ id: msg.id, error: e && e.stack ? e.stack : String(e) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
