import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, collect, connected, createAgent, departmentId, listen, next, send, startChat, startConnectedChat, visitorSocket, type AnySocket } from '../../helpers/realtime';

let app: TestApp;
let base: string;
let suporte: number;
let financeiro: number;

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_GRACE_SECONDS: '3', LIVE_CHAT_SWEEP_INTERVAL_MS: '200', LIVE_CHAT_RATE_START_POINTS: '10000' } });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  financeiro = await departmentId(app.strapi, 'Financeiro');
});
afterEach(async () => {
  closeAllSockets();
  // each test starts from empty queues: a chat a test leaves open would otherwise be moved by the
  // sweeper (3 s grace) while a later test runs — an agent gone puts its chats back at the head
  // of their queue, ahead of the later test's chats
  await app.strapi.db.connection('chats').whereIn('status', ['waiting', 'active']).update({ status: 'closed', close_reason: 'test_cleanup' });
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

const chatRow = (id: number) => app.strapi.db.query('api::chat.chat').findOne({ where: { id } });

async function onlineAgent(opts: Parameters<typeof createAgent>[1] = {}) {
  const agent = await createAgent(app.strapi, opts);
  const socket = agentSocket(base, agent.token);
  await next(socket, 'agent:state');
  expect((await send(socket, 'presence:set', { presence: 'online' })).ok).toBe(true);
  return { ...agent, socket };
}

async function activeChat(agentSock: AnySocket, departmentIdValue = suporte) {
  const { v, ...started } = await startConnectedChat(app.strapi, base, { departmentId: departmentIdValue });
  const acc = await send(agentSock, 'chat:accept', { chatId: started.chatId });
  expect(acc).toMatchObject({ ok: true });
  return { ...started, v };
}

describe(`delivery guarantees and the lifecycle's edges (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('queue positions move as the head is accepted', async () => {
    const agent = await onlineAgent();
    // visitors connect at once: a visitor nobody sees for the grace period (3 s here) is gone
    const first = await startChat(app.strapi, { departmentId: financeiro });
    const v1 = visitorSocket(base, { chatId: first.chatId, token: first.token });
    const s1 = next(v1, 'chat:state');
    const second = await startChat(app.strapi, { departmentId: financeiro });
    const v2 = visitorSocket(base, { chatId: second.chatId, token: second.token });
    const s2 = next(v2, 'chat:state');
    expect(second.queue?.position).toBe(2);
    await s1;
    expect((await s2).queue.position).toBe(2);
    const moved = next(v2, 'queue:position', (q) => q.position === 1);
    expect((await send(agent.socket, 'chat:accept', { chatId: first.chatId })).ok).toBe(true);
    expect(await moved).toMatchObject({ position: 1, queueLength: 1 });
    // clean up for the next tests: nothing left in Financeiro's queue, and nothing active either
    // (once this agent's socket is closed, the sweeper would put its chats back at the head of
    // Financeiro's queue after the 3 s grace, ahead of the transfer test's chat)
    expect((await send(agent.socket, 'chat:accept', { chatId: second.chatId })).ok).toBe(true);
    for (const id of [first.chatId, second.chatId]) expect((await send(agent.socket, 'chat:close', { chatId: id, reason: 'resolved' })).ok).toBe(true);
  });

  it('50 agents accepting one chat at once: exactly one wins, the others get already_taken', async () => {
    const agents = [] as Awaited<ReturnType<typeof onlineAgent>>[];
    for (let i = 0; i < 50; i++) agents.push(await onlineAgent());
    const started = await startConnectedChat(app.strapi, base, { departmentId: suporte });
    const results = await Promise.all(agents.map((a) => send(a.socket, 'chat:accept', { chatId: started.chatId })));
    const winners = results.filter((r) => r.ok);
    expect({ winners: winners.length, codes: [...new Set(results.filter((r) => !r.ok).map((r) => r.error.code))] }).toEqual({ winners: 1, codes: ['already_taken'] });
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === 'already_taken')).toBe(true);
    const row = await chatRow(started.chatId);
    expect(row.status).toBe('active');
    expect(winners[0].chat.agentId).toBe(row.agentId);
  });

  it('the per-agent cap holds under concurrent accepts', async () => {
    await app.strapi.plugin('live-chat').service('settings').set({ agentCap: 2 });
    try {
      const agent = await onlineAgent();
      const chats = await Promise.all([1, 2, 3, 4, 5].map(() => startConnectedChat(app.strapi, base, { departmentId: suporte })));
      const results = await Promise.all(chats.map((c) => send(agent.socket, 'chat:accept', { chatId: c.chatId })));
      expect({ won: results.filter((r) => r.ok).length, codes: [...new Set(results.filter((r) => !r.ok).map((r) => r.error.code))] }).toEqual({ won: 2, codes: ['agent_cap_reached'] });
      // leave the queue empty for the next tests
      const other = await onlineAgent();
      for (const c of chats) await send(other.socket, 'chat:accept', { chatId: c.chatId });
    } finally {
      await app.strapi.plugin('live-chat').service('settings').set({ agentCap: 0 });
    }
  });

  it('transfer to another department: the chat waits again at the head of that queue', async () => {
    const ana = await onlineAgent();
    const bia = await onlineAgent({ superAdmin: false, departments: [financeiro] });
    const waiting = await startConnectedChat(app.strapi, base, { departmentId: financeiro });
    const chat = await activeChat(ana.socket, suporte);
    const requeued = next(chat.v, 'chat:requeued');
    const arrived = next(bia.socket, 'queue:added', (q) => q.chatId === chat.chatId);
    const res = await send(ana.socket, 'chat:transfer', { chatId: chat.chatId, departmentId: financeiro });
    expect(res.ok).toBe(true);
    expect(await requeued).toMatchObject({ reason: 'transferred', queue: { position: 1 } });
    expect((await arrived).departmentId).toBe(financeiro);
    const accepted = next(chat.v, 'chat:accepted');
    expect((await send(bia.socket, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
    expect((await accepted).agentName).toBe(bia.name);
    await send(bia.socket, 'chat:accept', { chatId: waiting.chatId });
  });

  it('transfer to an online agent of the department', async () => {
    const ana = await onlineAgent();
    const caio = await onlineAgent();
    const chat = await activeChat(ana.socket);
    const assigned = next(caio.socket, 'chat:assigned');
    const newAgent = next(chat.v, 'chat:accepted', (p) => p.agentName === caio.name);
    expect((await send(ana.socket, 'chat:transfer', { chatId: chat.chatId, agentId: caio.id })).ok).toBe(true);
    expect((await assigned).chat.id).toBe(chat.chatId);
    expect((await newAgent).agentName).toBe(caio.name);
    expect((await chatRow(chat.chatId)).agentId).toBe(caio.id);
  });

  it('an agent lost mid-chat: after the grace period its chat goes back to the head of the queue and the visitor is told', async () => {
    const ana = await onlineAgent();
    const chat = await activeChat(ana.socket);
    const requeued = next(chat.v, 'chat:requeued');
    ana.socket.close();
    expect(await requeued).toMatchObject({ reason: 'agent_left', queue: { position: 1 } });
    const row = await chatRow(chat.chatId);
    expect(row).toMatchObject({ status: 'waiting', agentId: null, priority: 1 });
    const other = await onlineAgent();
    expect((await send(other.socket, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
  });

  it('a client that drops and reconnects receives the missed messages once, in order', async () => {
    const ana = await onlineAgent();
    const chat = await activeChat(ana.socket);
    for (const body of ['um', 'dois']) await send(ana.socket, 'message:send', { chatId: chat.chatId, clientId: `a-${body}`, body });
    const seen = await send(chat.v, 'messages:sync', { afterSeq: 0 });
    const lastSeq = seen.messages[seen.messages.length - 1].seq;
    chat.v.close();
    for (const [i, body] of ['três', 'quatro', 'cinco'].entries()) {
      expect((await send(ana.socket, 'message:send', { chatId: chat.chatId, clientId: `a-late-${i}`, body })).ok).toBe(true);
    }
    const back = visitorSocket(base, { chatId: chat.chatId, token: chat.token, lastSeq });
    const received = collect(back, 'message:created');
    const state = await next(back, 'chat:state');
    expect(state.messages.map((m: any) => m.body)).toEqual(['três', 'quatro', 'cinco']);
    expect(state.messages.map((m: any) => m.seq)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3]);
    expect(received).toEqual([]);
  });

  it('a duplicate client id is stored once and acknowledged with the same message', async () => {
    const ana = await onlineAgent();
    const chat = await activeChat(ana.socket);
    const [a, b] = await Promise.all([
      send(chat.v, 'message:send', { clientId: 'retry-1', body: 'oi' }),
      send(chat.v, 'message:send', { clientId: 'retry-1', body: 'oi' }),
    ]);
    const c = await send(chat.v, 'message:send', { clientId: 'retry-1', body: 'oi' });
    expect(a.ok && b.ok && c.ok).toBe(true);
    expect(new Set([a.message.id, b.message.id, c.message.id]).size).toBe(1);
    expect(await app.strapi.db.query('api::message.message').count({ where: { chatId: chat.chatId, clientId: 'retry-1' } })).toBe(1);
  });

  it('the grace period ends an abandoned chat: missed while waiting, closed (visitor_left) when active, and the agent is told', async () => {
    const waiting = await startChat(app.strapi, { departmentId: suporte });
    const wv = visitorSocket(base, { chatId: waiting.chatId, token: waiting.token });
    await next(wv, 'chat:state');
    wv.close();

    const ana = await onlineAgent();
    const chat = await activeChat(ana.socket);
    const told = next(ana.socket, 'chat:closed', (p) => p.chatId === chat.chatId);
    chat.v.close();
    expect(await told).toMatchObject({ closedBy: 'system', reason: 'visitor_left', status: 'closed' });
    expect((await chatRow(waiting.chatId)).status).toBe('missed');
    expect((await chatRow(chat.chatId)).closeReason).toBe('visitor_left');
  });

  it('a reload inside the grace period resumes the same chat', async () => {
    const ana = await onlineAgent();
    const chat = await activeChat(ana.socket);
    chat.v.close();
    const again = visitorSocket(base, { chatId: chat.chatId, token: chat.token });
    const state = await next(again, 'chat:state');
    expect(state.chat.status).toBe('active');
    // stays open across several sweeps while connected
    await new Promise((r) => setTimeout(r, 3500));
    expect((await chatRow(chat.chatId)).status).toBe('active');
  });

  describe('bad input gets an error code, persists nothing, and the server stays up', () => {
    it('visitor commands', async () => {
      const ana = await onlineAgent();
      const chat = await activeChat(ana.socket);
      const count = () => app.strapi.db.query('api::message.message').count({ where: { chatId: chat.chatId } });
      const before = await count();
      const cases: [unknown, string][] = [
        [undefined, 'validation_failed'],
        [null, 'validation_failed'],
        ['text', 'validation_failed'],
        [[], 'validation_failed'],
        [{ body: 'no client id' }, 'validation_failed'],
        [{ clientId: 'x', body: 42 }, 'validation_failed'],
        [{ clientId: 'x', body: '' }, 'validation_failed'],
        [{ clientId: 'x'.repeat(65), body: 'ok' }, 'validation_failed'],
        [{ clientId: 'x', body: 'a'.repeat(100 * 1024) }, 'message_too_long'],
        [{ clientId: 'x', body: 'lone \ud800 surrogate' }, 'validation_failed'],
      ];
      for (const [payload, code] of cases) {
        const res = await send(chat.v, 'message:send', payload);
        expect(res).toMatchObject({ ok: false, error: { code } });
        expect(res.error.message.length).toBeGreaterThan(5);
      }
      expect(await count()).toBe(before);
      expect((await send(chat.v, 'messages:sync', { afterSeq: -1 })).ok).toBe(false);
      expect((await send(chat.v, 'message:send', { clientId: 'fine', body: 'still works' })).ok).toBe(true);
    });

    it("another chat's token, a guessed token and no token are refused at the handshake", async () => {
      const a = await startChat(app.strapi, { departmentId: suporte });
      const b = await startChat(app.strapi, { departmentId: suporte });
      for (const auth of [{ chatId: b.chatId, token: a.token }, { chatId: a.chatId, token: 'guess' }, {}, { chatId: 'x', token: 1 }]) {
        const s = visitorSocket(base, auth as any, { reconnection: false });
        await expect(connected(s)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
      }
      const s = agentSocket(base, 'not-a-token', { reconnection: false });
      await expect(connected(s)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
    });

    it('agent commands: unknown and closed chats, wrong types, another department, another agent\'s chat', async () => {
      const ana = await onlineAgent();
      const bia = await onlineAgent({ superAdmin: false, departments: [financeiro] });
      const chat = await activeChat(ana.socket, suporte);
      expect(await send(ana.socket, 'chat:accept', { chatId: 999999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(await send(ana.socket, 'chat:accept', { chatId: 'x' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await send(ana.socket, 'chat:accept', null)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      expect(await send(ana.socket, 'presence:set', { presence: 'sleeping' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      // an agent of another department can neither read, write, close nor accept
      expect(await send(bia.socket, 'messages:sync', { chatId: chat.chatId, afterSeq: 0 })).toMatchObject({ ok: false, error: { code: 'not_serving_department' } });
      expect(await send(bia.socket, 'message:send', { chatId: chat.chatId, clientId: 'b', body: 'x', visibility: 'agents' })).toMatchObject({ ok: false, error: { code: 'not_serving_department' } });
      expect(await send(bia.socket, 'chat:close', { chatId: chat.chatId })).toMatchObject({ ok: false, error: { code: 'not_serving_department' } });
      const other = await startConnectedChat(app.strapi, base, { departmentId: suporte });
      expect(await send(bia.socket, 'chat:accept', { chatId: other.chatId })).toMatchObject({ ok: false, error: { code: 'not_serving_department' } });
      // another agent of the department may not reply in or close someone else's chat
      const caio = await onlineAgent();
      expect(await send(caio.socket, 'message:send', { chatId: chat.chatId, clientId: 'c', body: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await send(caio.socket, 'chat:close', { chatId: chat.chatId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect((await send(caio.socket, 'chat:accept', { chatId: other.chatId })).ok).toBe(true);
      // closed chats
      expect((await send(ana.socket, 'chat:close', { chatId: chat.chatId, reason: 'resolved' })).ok).toBe(true);
      expect(await send(ana.socket, 'chat:close', { chatId: chat.chatId })).toMatchObject({ ok: false, error: { code: 'chat_closed' } });
      expect(await send(ana.socket, 'message:send', { chatId: chat.chatId, clientId: 'late', body: 'x' })).toMatchObject({ ok: false, error: { code: 'chat_closed' } });
      const away = await onlineAgent();
      await send(away.socket, 'presence:set', { presence: 'away' });
      const third = await startConnectedChat(app.strapi, base, { departmentId: suporte });
      expect(await send(away.socket, 'chat:accept', { chatId: third.chatId })).toMatchObject({ ok: false, error: { code: 'agent_not_online' } });
      await send(caio.socket, 'chat:accept', { chatId: third.chatId });
    });

    it('REST start: field errors, unknown department', async () => {
      const request = (await import('supertest')).default;
      const http = () => request(app.strapi.server.httpServer);
      const bad = await http().post('/api/live-chat/chats').send({ name: '', email: 'nope', question: '', departmentId: 'x' }).expect(400);
      expect(bad.body.error.code).toBe('validation_failed');
      expect(Object.keys(bad.body.error.fields).sort()).toEqual(['departmentId', 'email', 'name', 'question']);
      const unknown = await http().post('/api/live-chat/chats').send({ name: 'A', email: 'a@example.com', question: 'q', departmentId: 99999 }).expect(400);
      expect(unknown.body.error.code).toBe('department_inactive');
      await http().post('/api/live-chat/chats').set('content-type', 'application/json').send('{"name": ').expect(400);
    });
  });
});
