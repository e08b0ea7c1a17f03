import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, collect, connected, createAgent, departmentId, listen, next, send, startChat, visitorSocket } from '../../helpers/realtime';

let app: TestApp;
let base: string;

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_GRACE_SECONDS: '30', LIVE_CHAT_SWEEP_INTERVAL_MS: '200' } });
  base = await listen(app.strapi);
});
afterEach(() => closeAllSockets());
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

describe(`the help page's conversation (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('start → position → accept → messages both ways with typing → agent closes → visitor sees it', async () => {
    const suporte = await departmentId(app.strapi, 'Suporte');
    const agent = await createAgent(app.strapi, { firstname: 'Ana' });
    const a = agentSocket(base, agent.token);
    const state = await next(a, 'agent:state');
    expect(state.departments.map((d: any) => d.name)).toContain('Suporte');
    expect((await send(a, 'presence:set', { presence: 'online' })).ok).toBe(true);

    const config = await request(app.strapi.server.httpServer).get('/api/live-chat/widget-config').expect(200);
    expect(config.body.departments.find((d: any) => d.name === 'Suporte').online).toBe(true);

    const queued = next(a, 'queue:added');
    const started = await startChat(app.strapi, { departmentId: suporte, name: 'João', question: 'Não consigo acessar minha conta' });
    expect(started.queue).toMatchObject({ position: 1, queueLength: 1 });
    expect((await queued).visitorName).toBe('João');

    const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
    const vs = await next(v, 'chat:state');
    expect(vs.chat.status).toBe('waiting');
    expect(vs.queue.position).toBe(1);

    // the visitor may write while waiting: the agent sees it on accepting
    const early = await send(v, 'message:send', { clientId: 'v-1', body: 'Alguém aí?' });
    expect(early.ok).toBe(true);

    const accepted = next(v, 'chat:accepted');
    const acc = await send(a, 'chat:accept', { chatId: started.chatId });
    expect(acc.ok).toBe(true);
    expect(acc.messages.map((m: any) => m.body)).toEqual(['Alguém aí?']);
    expect((await accepted).agentName).toBe('Ana Test');

    const vTyping = next(v, 'typing');
    a.emit('typing:set', { chatId: started.chatId, typing: true });
    expect(await vTyping).toMatchObject({ from: 'agent', typing: true });
    const aTyping = next(a, 'typing');
    v.emit('typing:set', { typing: true });
    expect(await aTyping).toMatchObject({ chatId: started.chatId, from: 'visitor', typing: true });

    const toVisitor = next(v, 'message:created');
    expect((await send(a, 'message:send', { chatId: started.chatId, clientId: 'a-1', body: 'Olá João, vou verificar.' })).ok).toBe(true);
    expect((await toVisitor).body).toBe('Olá João, vou verificar.');

    const toAgent = next(a, 'message:created');
    expect((await send(v, 'message:send', { clientId: 'v-2', body: 'Obrigado!' })).ok).toBe(true);
    expect((await toAgent).body).toBe('Obrigado!');

    // a private note never reaches the visitor
    const visitorGot = collect(v, 'message:created');
    const note = await send(a, 'message:send', { chatId: started.chatId, clientId: 'a-note', body: 'cliente VIP', visibility: 'agents' });
    expect(note.ok).toBe(true);
    const after = next(v, 'message:created');
    await send(a, 'message:send', { chatId: started.chatId, clientId: 'a-2', body: 'Pronto, resolvido.' });
    expect((await after).body).toBe('Pronto, resolvido.');
    expect(visitorGot.map((m) => m.body)).not.toContain('cliente VIP');
    const replay = await send(v, 'messages:sync', { afterSeq: 0 });
    expect(replay.messages.map((m: any) => m.seq)).toEqual([1, 2, 3, 5]);
    const agentReplay = await send(a, 'messages:sync', { chatId: started.chatId, afterSeq: 0 });
    expect(agentReplay.messages.map((m: any) => m.seq)).toEqual([1, 2, 3, 4, 5]);

    const closed = next(v, 'chat:closed');
    expect((await send(a, 'chat:close', { chatId: started.chatId, reason: 'resolved', tags: ['acesso', 'senha'] })).ok).toBe(true);
    expect(await closed).toMatchObject({ closedBy: 'agent', reason: 'resolved', status: 'closed' });

    const row = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: started.chatId } });
    expect(row).toMatchObject({ status: 'closed', closedBy: 'agent', closeReason: 'resolved', tags: ['acesso', 'senha'], agentId: agent.id, lastSeq: 5 });
    expect(row.acceptedAt).toBeTruthy();
    expect(row.firstAgentReplyAt).toBeTruthy();
    // messages written by the hot path are visible through Strapi's relations too
    const withMessages = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: started.chatId }, populate: ['messages'] });
    expect(withMessages.messages).toHaveLength(5);

    // a closed chat takes no more messages
    const late = await send(v, 'message:send', { clientId: 'v-3', body: 'mais uma coisa' });
    expect(late).toMatchObject({ ok: false, error: { code: 'chat_closed' } });
  });
});
