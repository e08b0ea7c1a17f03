import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, startChat, visitorSocket } from '../../helpers/realtime';

let app: TestApp;
let base: string;
let port: number;

beforeAll(async () => {
  app = await startStrapi({
    env: {
      LIVE_CHAT_GRACE_SECONDS: '30',
      LIVE_CHAT_SWEEP_INTERVAL_MS: '200',
      LIVE_CHAT_RATE_START_POINTS: '3',
      LIVE_CHAT_RATE_START_SECONDS: '600',
      LIVE_CHAT_RATE_MESSAGE_POINTS: '5',
      LIVE_CHAT_RATE_MESSAGE_SECONDS: '60',
    },
  });
  base = await listen(app.strapi);
  port = Number(new URL(base).port);
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

describe(`restarts and rate limits (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('the server is stopped and started mid-chat: both sides reconnect and nothing is lost', async () => {
    const suporte = await departmentId(app.strapi, 'Suporte');
    const agent = await createAgent(app.strapi, { firstname: 'Rita' });
    const a = agentSocket(base, agent.token);
    await next(a, 'agent:state');
    await send(a, 'presence:set', { presence: 'online' });
    const chat = await startChat(app.strapi, { departmentId: suporte });

    // the visitor tells the server the last sequence it saw on every (re)connection
    let lastSeq = 0;
    const v = visitorSocket(base, () => ({ chatId: chat.chatId, token: chat.token, lastSeq }));
    const seen: number[] = [];
    const record = (m: { seq: number }) => {
      if (!seen.includes(m.seq)) seen.push(m.seq);
      lastSeq = Math.max(lastSeq, m.seq);
    };
    v.on('message:created', record);
    v.on('chat:state', (s: { messages: { seq: number }[] }) => s.messages.forEach(record));
    await next(v, 'chat:state');
    expect((await send(a, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
    expect((await send(a, 'message:send', { chatId: chat.chatId, clientId: 'before', body: 'antes' })).ok).toBe(true);
    await new Promise<void>((resolve) => (seen.includes(1) ? resolve() : v.once('message:created', () => resolve())));

    const vBack = new Promise((resolve) => v.io.once('reconnect', resolve));
    const aBack = new Promise((resolve) => a.io.once('reconnect', resolve));
    app = await app.restart();
    await listen(app.strapi, port);
    await Promise.all([vBack, aBack]);

    const agentState = await next(a, 'agent:state');
    expect(agentState.chats.map((c: any) => c.id)).toContain(chat.chatId);
    expect((await send(a, 'message:send', { chatId: chat.chatId, clientId: 'after', body: 'depois' })).ok).toBe(true);
    expect((await send(v, 'message:send', { clientId: 'v-after', body: 'recebi' })).ok).toBe(true);
    const replay = await send(v, 'messages:sync', { afterSeq: 0 });
    expect(replay.messages.map((m: any) => m.body)).toEqual(['antes', 'depois', 'recebi']);
    const row = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: chat.chatId } });
    expect(row.status).toBe('active');
  });

  it('messages past the per-chat limit are refused with rate_limited and nothing is stored', async () => {
    const suporte = await departmentId(app.strapi, 'Suporte');
    const chat = await startChat(app.strapi, { departmentId: suporte });
    const v = visitorSocket(base, { chatId: chat.chatId, token: chat.token });
    await next(v, 'chat:state');
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await send(v, 'message:send', { clientId: `m${i}`, body: `msg ${i}` }));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    const refused = results.filter((r) => !r.ok);
    expect(refused.every((r) => r.error.code === 'rate_limited' && /wait \d+ s/.test(r.error.message))).toBe(true);
    expect(await app.strapi.db.query('api::message.message').count({ where: { chatId: chat.chatId } })).toBe(5);
  });

  it('starting chats past the per-address limit gets 429 with Retry-After', async () => {
    const suporte = await departmentId(app.strapi, 'Suporte');
    const http = () => request(app.strapi.server.httpServer);
    let refused = null;
    for (let i = 0; i < 5 && !refused; i++) {
      const res = await http().post('/api/live-chat/chats').send({ name: 'Flood', email: 'f@example.com', question: 'q', departmentId: suporte });
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(201);
    }
    expect(refused).not.toBeNull();
    expect(refused!.body.error.code).toBe('rate_limited');
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
