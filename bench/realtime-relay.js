#!/usr/bin/env node
/**
 * Child process of bench/realtime.js: the baseline. A bare Socket.IO server with the live-chat
 * contract's shape (namespaces /visitor and /agent, the same events and acks, rooms chat:<id> and
 * agent:<id>) but no Strapi, no database, no validation: chats and sequence numbers live in a Map.
 * It answers the same IPC requests as bench/realtime-server.js, so the load is driven identically.
 */
const crypto = require('crypto');
const http = require('http');
const { monitorEventLoopDelay } = require('perf_hooks');
const { Server } = require('socket.io');

let eld = monitorEventLoopDelay({ resolution: 1 });
let cpu0 = process.cpuUsage();
let t0 = Date.now();
const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;

const chats = new Map(); // id → { token, agentId, lastSeq }
const agents = new Map(); // token → { id, name }
let nextChat = 1;
let nextAgent = 1;
let nextMessage = 1;

const httpServer = http.createServer();
const io = new Server(httpServer, { path: '/socket.io', maxHttpBufferSize: 1024 * 1024, pingInterval: 10000, pingTimeout: 8000 });

const message = (chat, chatId, sender, p) => ({
  id: nextMessage++,
  chatId,
  seq: ++chat.lastSeq,
  clientId: p.clientId,
  sender,
  senderName: null,
  kind: 'text',
  visibility: 'public',
  body: p.body,
  createdAt: new Date().toISOString(),
});

const visitors = io.of('/visitor');
const agentNsp = io.of('/agent');

visitors.use((socket, next) => {
  const { chatId, token } = socket.handshake.auth || {};
  const chat = chats.get(chatId);
  if (!chat || chat.token !== token) return next(new Error('unauthorized'));
  socket.data = { chatId };
  next();
});
visitors.on('connection', (socket) => {
  const { chatId } = socket.data;
  socket.join(`chat:${chatId}`);
  socket.on('message:send', (p, ack) => {
    const chat = chats.get(chatId);
    const m = message(chat, chatId, 'visitor', p);
    if (chat.agentId) agentNsp.to(`agent:${chat.agentId}`).emit('message:created', m);
    ack({ ok: true, message: m });
  });
  socket.emit('chat:state', { chat: { id: chatId }, messages: [], queue: null });
});

agentNsp.use((socket, next) => {
  const agent = agents.get((socket.handshake.auth || {}).token);
  if (!agent) return next(new Error('unauthorized'));
  socket.data = { agent };
  next();
});
agentNsp.on('connection', (socket) => {
  const { agent } = socket.data;
  socket.join(`agent:${agent.id}`);
  socket.on('presence:set', (p, ack) => ack({ ok: true, presence: p.presence }));
  socket.on('chat:accept', (p, ack) => {
    const chat = chats.get(p.chatId);
    if (!chat || chat.agentId) return ack({ ok: false, error: { code: 'already_taken', message: 'taken' } });
    chat.agentId = agent.id;
    ack({ ok: true, chat: { id: p.chatId }, messages: [] });
  });
  socket.on('message:send', (p, ack) => {
    const chat = chats.get(p.chatId);
    if (!chat || chat.agentId !== agent.id) return ack({ ok: false, error: { code: 'forbidden', message: 'not yours' } });
    const m = message(chat, p.chatId, 'agent', p);
    visitors.to(`chat:${p.chatId}`).emit('message:created', m);
    ack({ ok: true, message: m });
  });
  socket.emit('agent:state', { agentId: agent.id, name: agent.name, presence: 'online', departments: [], chats: [], queue: [] });
});

const handlers = {
  async agents({ k }) {
    const out = [];
    for (let i = 0; i < k; i++) {
      const a = { id: nextAgent++, name: `Agent ${i}`, token: crypto.randomBytes(16).toString('hex') };
      agents.set(a.token, a);
      out.push({ id: a.id, token: a.token });
    }
    return out;
  },
  async departments() {
    return [1];
  },
  async startChats({ n }) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const chat = { token: crypto.randomBytes(32).toString('base64url'), agentId: null, lastSeq: 0 };
      const id = nextChat++;
      chats.set(id, chat);
      out.push({ chatId: id, token: chat.token });
    }
    return out;
  },
  async pauseSweeper() {
    return true;
  },
  async resumeSweeper() {
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
    eld.disable();
    eld = monitorEventLoopDelay({ resolution: 1 });
    eld.enable();
    cpu0 = process.cpuUsage();
    t0 = Date.now();
    return true;
  },
  async report() {
    const cpu = process.cpuUsage(cpu0);
    const wall = Date.now() - t0;
    return {
      eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max), mean: ms(eld.mean) },
      cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100),
      rss: process.memoryUsage().rss,
    };
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

httpServer.listen(0, '127.0.0.1', () => {
  eld.enable();
  process.send({ ready: true, port: httpServer.address().port, bootMs: 0 });
});
