import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, collect, createAgent, departmentId, listen, next, send, startChat, visitorSocket } from '../../helpers/realtime';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink';

let app: TestApp;
let base: string;
let sink: SmtpSink;
let suporte: number;
let financeiro: number;
const SUPORTE_MAIL = 'suporte-equipe@example.com';

beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startStrapi({
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      EMAIL_FROM: 'Atendimento <atendimento@example.com>',
      LIVE_CHAT_GRACE_SECONDS: '30',
      LIVE_CHAT_SWEEP_INTERVAL_MS: '200',
      LIVE_CHAT_WAITING_LIMIT_SECONDS: '1',
      LIVE_CHAT_IDLE_SECONDS: '3600',
      LIVE_CHAT_POST_CLOSE_SECONDS: '600',
      LIVE_CHAT_RATE_START_POINTS: '10000',
      LIVE_CHAT_RATE_LEAVE_IP_POINTS: '10',
      LIVE_CHAT_RATE_LEAVE_EMAIL_POINTS: '2',
    },
  });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  financeiro = await departmentId(app.strapi, 'Financeiro');
  await app.strapi.db.query('api::department.department').update({ where: { id: suporte }, data: { notificationEmail: SUPORTE_MAIL } });
});
afterEach(() => closeAllSockets());
afterAll(async () => {
  closeAllSockets();
  await sleep(500); // left-message e-mails are sent in the background: let the last ones arrive
  await app?.stop();
  await sink?.close();
});

const http = () => request(app.strapi.server.httpServer);
const chatRow = (id: number) => app.strapi.db.query('api::chat.chat').findOne({ where: { id } });
const settings = () => app.strapi.plugin('live-chat').service('settings');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function onlineAgent() {
  const agent = await createAgent(app.strapi);
  const socket = agentSocket(base, agent.token);
  await next(socket, 'agent:state');
  expect((await send(socket, 'presence:set', { presence: 'online' })).ok).toBe(true);
  return {
    ...agent,
    socket,
    /** offline on purpose, so that the next test sees nobody online at once */
    async leave() {
      expect((await send(socket, 'presence:set', { presence: 'offline' })).ok).toBe(true);
      socket.close();
    },
  };
}

/** A chat accepted by the agent, one message each way, closed by the agent. */
async function closedChat(agent: Awaited<ReturnType<typeof onlineAgent>>, email: string) {
  const started = await startChat(app.strapi, { departmentId: suporte, email, question: 'Qual o prazo de entrega?' });
  const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
  await next(v, 'chat:state');
  expect((await send(agent.socket, 'chat:accept', { chatId: started.chatId })).ok).toBe(true);
  expect((await send(agent.socket, 'message:send', { chatId: started.chatId, clientId: 'a1', body: 'Olá! São 3 dias úteis.' })).ok).toBe(true);
  expect((await send(agent.socket, 'message:send', { chatId: started.chatId, clientId: 'n1', body: 'nota interna secreta', visibility: 'agents' })).ok).toBe(true);
  expect((await send(v, 'message:send', { clientId: 'v1', body: 'Obrigada <3' })).ok).toBe(true);
  expect((await send(agent.socket, 'chat:close', { chatId: started.chatId, reason: 'resolved' })).ok).toBe(true);
  return { ...started, v };
}

const post = (path: string, token: string | null, body: object = {}) => {
  const r = http().post(path);
  if (token !== null) r.set('Authorization', `Bearer ${token}`);
  return r.send(body);
};

describe(`left messages, e-mail and after the closing (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('nobody online: the widget says so, starting leads straight to a left message, and the department is e-mailed', async () => {
    const config = await http().get('/api/live-chat/widget-config').expect(200);
    const dep = config.body.departments.find((d: any) => d.id === suporte);
    expect(dep).toMatchObject({ online: false, open: true, canAnswer: false });
    expect(config.body.settings).toMatchObject({ idleSeconds: 3600, postCloseWindowSeconds: 600, waitingLimitSeconds: 1 });
    expect(typeof config.body.settings.privacyNotice).toBe('string');
    expect(config.body.settings.privacyNotice.length).toBeGreaterThan(10);

    const question = 'Meu <b>boleto</b> & a fatura "não" chegaram';
    const started = await startChat(app.strapi, { departmentId: suporte, name: 'João <script>', email: 'joao@example.com', question });
    expect(started).toMatchObject({ status: 'left_message', queue: null });
    expect(typeof started.token).toBe('string');
    const row = await chatRow(started.chatId);
    expect(row.status).toBe('left_message');
    expect(row.closedAt).toBeTruthy();

    const mail = await sink.waitFor((m) => m.to.includes(SUPORTE_MAIL) && m.subject.includes(`#${started.chatId}`));
    expect(mail.replyTo).toBe('joao@example.com');
    expect(mail.text).toContain(question);
    expect(mail.text).toContain('joao@example.com');
    expect(mail.text).toContain('João <script>');
    expect(mail.html).toContain('Meu &lt;b&gt;boleto&lt;/b&gt; &amp; a fatura &quot;não&quot; chegaram');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>boleto');

    // the token still opens the chat: the visitor sees it was left as a message
    const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
    expect((await next(v, 'chat:state')).chat.status).toBe('left_message');
  });

  it('a department without a notification address: the message is left, no e-mail is sent', async () => {
    const before = sink.mails.length;
    const started = await startChat(app.strapi, { departmentId: financeiro, email: 'sem-aviso@example.com' });
    expect(started.status).toBe('left_message');
    await sleep(500);
    expect(sink.mails.slice(before).filter((m) => m.subject.includes(`#${started.chatId}`))).toEqual([]);
  });

  it('waiting past the limit: offered once to leave a message; accepting keeps everything written and e-mails the department', async () => {
    const agent = await onlineAgent();
    const config = await http().get('/api/live-chat/widget-config').expect(200);
    expect(config.body.departments.find((d: any) => d.id === suporte)).toMatchObject({ online: true, canAnswer: true });
    const removed = next(agent.socket, 'queue:removed', (p: any) => p.reason === 'left_message');

    const started = await startChat(app.strapi, { departmentId: suporte, email: 'ana@example.com', question: 'Como troco minha senha?' });
    expect(started.status).toBe('waiting');
    const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
    const offers = collect(v, 'chat:offer-leave-message');
    await next(v, 'chat:state');
    expect((await send(v, 'message:send', { clientId: 'w1', body: 'Já tentei o link de recuperação' })).ok).toBe(true);

    const offer = await next(v, 'chat:offer-leave-message', () => true, 10000);
    expect(offer).toEqual({ reason: 'waited_too_long' });
    await sleep(700); // several sweeps: the offer is not repeated
    expect(offers).toEqual([{ reason: 'waited_too_long' }]);

    const ack = await send(v, 'chat:leave-message', { body: 'Podem me responder por e-mail?' });
    expect(ack).toMatchObject({ ok: true, chat: { id: started.chatId, status: 'left_message' } });
    expect((await removed).chatId).toBe(started.chatId);
    const row = await chatRow(started.chatId);
    expect(row.status).toBe('left_message');
    expect(row.closedAt).toBeTruthy();

    const sync = await send(v, 'messages:sync', { afterSeq: 0 });
    expect(sync.messages.map((m: any) => m.body)).toEqual(['Já tentei o link de recuperação', 'Podem me responder por e-mail?']);
    // a left message takes no more messages, and cannot be left twice
    expect(await send(v, 'message:send', { clientId: 'late', body: 'x' })).toMatchObject({ ok: false, error: { code: 'chat_closed' } });
    expect(await send(v, 'chat:leave-message', {})).toMatchObject({ ok: false, error: { code: 'chat_closed' } });

    const mail = await sink.waitFor((m) => m.to.includes(SUPORTE_MAIL) && m.subject.includes(`#${started.chatId}`));
    expect(mail.replyTo).toBe('ana@example.com');
    expect(mail.text).toContain('Como troco minha senha?');
    expect(mail.text).toContain('Já tentei o link de recuperação');
    expect(mail.text).toContain('Podem me responder por e-mail?');
    await agent.leave();
  });

  it('a waiting visitor with nobody online is offered to leave a message when it connects', async () => {
    // an agent goes online (so the chat waits), then away: nobody can answer any more
    const agent = await onlineAgent();
    const started = await startChat(app.strapi, { departmentId: suporte, email: 'bia@example.com' });
    expect(started.status).toBe('waiting');
    await agent.leave();
    const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
    const offer = next(v, 'chat:offer-leave-message', (p: any) => p.reason === 'nobody_online');
    await next(v, 'chat:state');
    expect(await offer).toEqual({ reason: 'nobody_online' });
    expect(await send(v, 'chat:leave-message', { body: 42 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect((await send(v, 'chat:leave-message', {})).ok).toBe(true);
    expect((await chatRow(started.chatId)).status).toBe('left_message');
  });

  it('the transcript arrives once, at the chat\'s own address only; other tokens, early and late requests are refused', async () => {
    const agent = await onlineAgent();
    const chat = await closedChat(agent, 'carla@example.com');
    const other = await closedChat(agent, 'outra@example.com');
    const path = `/api/live-chat/chats/${chat.chatId}/transcript`;

    // no token, a guessed one, another chat's token
    for (const token of [null, 'guess', other.token]) {
      const res = await post(path, token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    // never to an address given now
    const hijack = await post(path, chat.token, { email: 'attacker@example.com' });
    expect(hijack.status).toBe(400);
    expect(hijack.body.error.code).toBe('validation_failed');

    const res = await post(path, chat.token).expect(200);
    expect(typeof res.body.sentAt).toBe('string');
    const mail = await sink.waitFor((m) => m.to.includes('carla@example.com') && m.subject.includes(`#${chat.chatId}`));
    expect(mail.to).toEqual(['carla@example.com']);
    expect(mail.text).toContain('Qual o prazo de entrega?');
    expect(mail.text).toContain('Olá! São 3 dias úteis.');
    expect(mail.text).toContain('Obrigada <3');
    expect(mail.text).not.toContain('nota interna secreta');
    expect(mail.html).toContain('Obrigada &lt;3');

    const again = await post(path, chat.token);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_sent');
    await sleep(300);
    expect(sink.to('carla@example.com').length).toBe(1);
    expect(sink.to('attacker@example.com')).toEqual([]);
    expect((await chatRow(chat.chatId)).transcriptSentAt).toBeTruthy();

    // not before the end
    const open = await startChat(app.strapi, { departmentId: suporte, email: 'aberta@example.com' });
    visitorSocket(base, { chatId: open.chatId, token: open.token });
    const early = await post(`/api/live-chat/chats/${open.chatId}/transcript`, open.token);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('invalid_state');
    expect((await send(agent.socket, 'chat:accept', { chatId: open.chatId })).ok).toBe(true);
    expect((await send(agent.socket, 'chat:close', { chatId: open.chatId })).ok).toBe(true);

    // past the post-closing window
    await settings().set({ postCloseWindowSeconds: 1 });
    try {
      await sleep(1300);
      const late = await post(`/api/live-chat/chats/${other.chatId}/transcript`, other.token);
      expect(late.status).toBe(403);
      expect(late.body.error.code).toBe('expired');
      const lateRating = await post(`/api/live-chat/chats/${other.chatId}/rating`, other.token, { rating: 5 });
      expect(lateRating.status).toBe(403);
    } finally {
      await settings().set({ postCloseWindowSeconds: 600 });
    }
    expect(sink.to('outra@example.com')).toEqual([]);
    await agent.leave();
  });

  it('the rating is stored (a new one within the window replaces it); bad ratings are refused', async () => {
    const agent = await onlineAgent();
    const chat = await closedChat(agent, 'dani@example.com');
    const path = `/api/live-chat/chats/${chat.chatId}/rating`;
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 'x' }, { rating: 2.5 }, {}, { rating: 4, comment: 'a'.repeat(1001) }]) {
      const res = await post(path, chat.token, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await post(path, 'wrong', { rating: 5 })).status).toBe(401);
    expect((await chatRow(chat.chatId)).rating).toBeNull();

    const res = await post(path, chat.token, { rating: 5, comment: 'Muito bom <3' }).expect(200);
    expect(res.body).toEqual({ rating: 5, comment: 'Muito bom <3' });
    expect(await chatRow(chat.chatId)).toMatchObject({ rating: 5, ratingComment: 'Muito bom <3' });
    await post(path, chat.token, { rating: 4 }).expect(200);
    expect(await chatRow(chat.chatId)).toMatchObject({ rating: 4, ratingComment: null });
    await agent.leave();
  });

  it('an active chat silent on both sides for idleSeconds is closed as idle; activity keeps it open', async () => {
    await settings().set({ idleSeconds: 1 });
    try {
      const agent = await onlineAgent();
      const started = await startChat(app.strapi, { departmentId: suporte, email: 'edu@example.com' });
      const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
      await next(v, 'chat:state');
      expect((await send(agent.socket, 'chat:accept', { chatId: started.chatId })).ok).toBe(true);
      for (let i = 0; i < 5; i++) {
        await sleep(400);
        expect((await send(v, 'message:send', { clientId: `k${i}`, body: `ainda aqui ${i}` })).ok).toBe(true);
      }
      expect((await chatRow(started.chatId)).status).toBe('active');
      const visitorTold = next(v, 'chat:closed');
      const agentTold = next(agent.socket, 'chat:closed', (p: any) => p.chatId === started.chatId);
      expect(await visitorTold).toMatchObject({ closedBy: 'system', reason: 'idle', status: 'closed' });
      expect(await agentTold).toMatchObject({ chatId: started.chatId, closedBy: 'system', reason: 'idle', status: 'closed' });
      expect(await chatRow(started.chatId)).toMatchObject({ status: 'closed', closedBy: 'system', closeReason: 'idle' });
      await agent.leave();
    } finally {
      await settings().set({ idleSeconds: 3600 });
    }
  });

  it('leaving messages is rate limited per e-mail and per client address', async () => {
    const count = () => app.strapi.db.query('api::chat.chat').count({});
    // per e-mail (2 here): REST starts that land in left_message
    for (let i = 0; i < 2; i++) expect((await startChat(app.strapi, { departmentId: suporte, email: 'Repete@example.com' })).status).toBe('left_message');
    const before = await count();
    const refused = await http()
      .post('/api/live-chat/chats')
      .send({ name: 'Rê', email: 'repete@example.com', question: 'de novo', departmentId: suporte });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await count()).toBe(before);

    // the socket command counts against the same e-mail
    const agent = await onlineAgent();
    const waiting = await startChat(app.strapi, { departmentId: suporte, email: 'repete@example.com' });
    expect(waiting.status).toBe('waiting');
    const v = visitorSocket(base, { chatId: waiting.chatId, token: waiting.token });
    await next(v, 'chat:state');
    const ack = await send(v, 'chat:leave-message', { body: 'me respondam' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(ack.error.message).toMatch(/\d+ s/);
    expect((await chatRow(waiting.chatId)).status).toBe('waiting');
    expect((await send(v, 'chat:end', {})).ok).toBe(true);
    await agent.leave();

    // per client address (10 here): every test of this file left messages from 127.0.0.1
    let refusedAt = -1;
    for (let i = 0; i < 8; i++) {
      const res = await http()
        .post('/api/live-chat/chats')
        .send({ name: 'Ip', email: `ip${i}@example.com`, question: 'oi', departmentId: suporte });
      if (res.status === 429) {
        expect(res.body.error.code).toBe('rate_limited');
        refusedAt = i;
        break;
      }
      expect(res.body.status).toBe('left_message');
    }
    expect(refusedAt).toBeGreaterThanOrEqual(0);
  });
});
