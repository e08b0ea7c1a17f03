/**
 * Answering a left message by e-mail from the console: through Strapi's email plugin to a real
 * SMTP sink, Reply-To the department's address; the reply is kept in the chat's history and the
 * chat becomes `answered`. Refusals: other departments, wrong states, bad input, no permission.
 */
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { createAgent, departmentId, listen, startChat } from '../../helpers/realtime';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink';

let app: TestApp;
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
      LIVE_CHAT_RATE_START_POINTS: '10000',
      LIVE_CHAT_RATE_LEAVE_IP_POINTS: '10000',
      LIVE_CHAT_RATE_LEAVE_EMAIL_POINTS: '10000',
    },
  });
  await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  financeiro = await departmentId(app.strapi, 'Financeiro');
  await app.strapi.db.query('api::department.department').update({ where: { id: suporte }, data: { notificationEmail: SUPORTE_MAIL } });
});
afterAll(async () => {
  await app?.stop();
  await sink?.close();
});

const http = () => request(app.strapi.server.httpServer);
const reply = (chatId: number | string, token: string, body: unknown) =>
  http().post(`/live-chat/chats/${chatId}/reply`).set('Authorization', `Bearer ${token}`).send(body as object);

/** Nobody online: starting a chat leaves a message at once. */
const leftMessage = async (dep: number, email: string, question: string) => {
  const started = await startChat(app.strapi, { departmentId: dep, email, question, name: 'Joana Souza' });
  expect(started.status).toBe('left_message');
  return started.chatId;
};

test('the reply goes by e-mail with Reply-To the department, is stored, and the chat becomes answered', async () => {
  const agent = await createAgent(app.strapi, { superAdmin: false, departments: [suporte], firstname: 'Bruno' });
  const chatId = await leftMessage(suporte, 'joana@example.com', 'O sistema não gera a nota fiscal <script>');

  const inbox = await http().get('/live-chat/left-messages').set('Authorization', `Bearer ${agent.token}`);
  expect(inbox.status).toBe(200);
  expect(inbox.body.results.map((c: any) => c.id)).toContain(chatId);

  const res = await reply(chatId, agent.token, { body: 'Olá Joana, corrigimos a emissão. <b>Pode tentar de novo.</b>' });
  expect(res.status).toBe(201);
  expect(res.body.chat).toMatchObject({ id: chatId, status: 'answered', agentId: agent.id, agentName: 'Bruno Test' });
  expect(res.body.message).toMatchObject({ chatId, sender: 'agent', visibility: 'public', body: 'Olá Joana, corrigimos a emissão. <b>Pode tentar de novo.</b>' });

  const mail = await sink.waitFor((m) => m.to.includes('joana@example.com'));
  expect(mail.replyTo).toBe(SUPORTE_MAIL);
  expect(mail.subject).toContain(`chat #${chatId}`);
  expect(mail.text).toContain('corrigimos a emissão');
  expect(mail.text).toContain('> O sistema não gera a nota fiscal <script>');
  // user text is escaped in the HTML part
  expect(mail.html).toContain('&lt;b&gt;Pode tentar de novo.&lt;/b&gt;');
  expect(mail.html).not.toContain('<script>');

  const row = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: chatId } });
  expect(row.status).toBe('answered');
  expect(row.firstAgentReplyAt).toBeTruthy();

  // the history keeps it: the transcript shows the reply after the question
  const super1 = await createAgent(app.strapi);
  const transcript = await http().get(`/live-chat/history/${chatId}`).set('Authorization', `Bearer ${super1.token}`);
  expect(transcript.status).toBe(200);
  expect(transcript.body.chat.status).toBe('answered');
  expect(transcript.body.messages.map((m: any) => m.body)).toContain('Olá Joana, corrigimos a emissão. <b>Pode tentar de novo.</b>');

  // it left the inbox and is in the answered list
  const after = await http().get('/live-chat/left-messages').set('Authorization', `Bearer ${agent.token}`);
  expect(after.body.results.map((c: any) => c.id)).not.toContain(chatId);
  const answered = await http().get('/live-chat/left-messages?status=answered').set('Authorization', `Bearer ${agent.token}`);
  expect(answered.body.results.map((c: any) => c.id)).toContain(chatId);

  // a second reply is refused, and sends nothing
  const before = sink.mails.length;
  const again = await reply(chatId, agent.token, { body: 'De novo' });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('invalid_state');
  expect(sink.mails.length).toBe(before);
});

test('two agents replying at once: one e-mail, one stored reply', async () => {
  const a = await createAgent(app.strapi, { superAdmin: false, departments: [suporte] });
  const b = await createAgent(app.strapi, { superAdmin: false, departments: [suporte] });
  const chatId = await leftMessage(suporte, 'race@example.com', 'Quem responde?');
  const [ra, rb] = await Promise.all([reply(chatId, a.token, { body: 'Resposta A' }), reply(chatId, b.token, { body: 'Resposta B' })]);
  expect([ra.status, rb.status].sort()).toEqual([201, 409]);
  await sink.waitFor((m) => m.to.includes('race@example.com'));
  const messages = await app.strapi.db.query('api::message.message').findMany({ where: { chatId, sender: 'agent' } });
  expect(messages).toHaveLength(1);
  expect(sink.to('race@example.com')).toHaveLength(1);
});

test('a department without an address: Reply-To falls back to the default', async () => {
  const agent = await createAgent(app.strapi);
  const chatId = await leftMessage(financeiro, 'sem-endereco@example.com', 'Segunda via do boleto');
  expect((await reply(chatId, agent.token, { body: 'Segue o boleto.' })).status).toBe(201);
  const mail = await sink.waitFor((m) => m.to.includes('sem-endereco@example.com'));
  expect(mail.replyTo).toBe('atendimento@example.com');
});

test('refusals: other department, not a left message, bad input, unknown chat, no permission', async () => {
  const suporteOnly = await createAgent(app.strapi, { superAdmin: false, departments: [suporte] });
  const inFinanceiro = await leftMessage(financeiro, 'outro@example.com', 'Pergunta do financeiro');

  const other = await reply(inFinanceiro, suporteOnly.token, { body: 'Oi' });
  expect(other.status).toBe(403);
  expect(other.body.error.code).toBe('not_serving_department');
  // nor is it in that agent's inbox
  const inbox = await http().get('/live-chat/left-messages').set('Authorization', `Bearer ${suporteOnly.token}`);
  expect(inbox.body.results.map((c: any) => c.id)).not.toContain(inFinanceiro);

  const chatId = await leftMessage(suporte, 'input@example.com', 'Teste de validação');
  for (const [body, code] of [
    [{}, 'validation_failed'],
    [{ body: '   ' }, 'validation_failed'],
    [{ body: 42 }, 'validation_failed'],
    [{ body: 'x'.repeat(5001) }, 'message_too_long'],
    [{ body: 'ok', to: 'attacker@example.com' }, 'validation_failed'],
  ] as const) {
    const res = await reply(chatId, suporteOnly.token, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
  }
  expect((await reply('abc', suporteOnly.token, { body: 'Oi' })).body.error.code).toBe('validation_failed');
  const missing = await reply(999999, suporteOnly.token, { body: 'Oi' });
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('not_found');

  // a waiting chat is not a left message: answer it in the console instead
  const onlineAgent = await createAgent(app.strapi);
  await app.strapi.plugin('live-chat').service('agents').setPresence({ id: onlineAgent.id, name: onlineAgent.name, isSuperAdmin: true }, 'online');
  const waiting = await startChat(app.strapi, { departmentId: suporte, email: 'w@example.com' });
  expect(waiting.status).toBe('waiting');
  const notLeft = await reply(waiting.chatId, suporteOnly.token, { body: 'Oi' });
  expect(notLeft.status).toBe(409);
  expect(notLeft.body.error.code).toBe('invalid_state');
  await app.strapi.plugin('live-chat').service('agents').setPresence({ id: onlineAgent.id, name: onlineAgent.name, isSuperAdmin: true }, 'offline');

  // without a session, or without the console permission
  expect((await http().post(`/live-chat/chats/${chatId}/reply`).send({ body: 'Oi' })).status).toBe(401);
  const role = await app.strapi.db.query('admin::role').create({ data: { name: 'No console', code: 'no-console', description: 'x' } });
  const noConsole = await createAgent(app.strapi);
  await app.strapi.db.query('admin::user').update({ where: { id: noConsole.id }, data: { roles: [role.id] } });
  expect((await reply(chatId, noConsole.token, { body: 'Oi' })).status).toBe(403);
  const row = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: chatId } });
  expect(row.status).toBe('left_message');
});

test('an e-mail that cannot be sent leaves the message unanswered', async () => {
  const agent = await createAgent(app.strapi);
  const chatId = await leftMessage(suporte, 'smtp-down@example.com', 'SMTP fora do ar');
  const email = app.strapi.plugin('email').service('email');
  const original = email.send;
  email.send = async () => {
    throw new Error('connect ECONNREFUSED');
  };
  try {
    const res = await reply(chatId, agent.token, { body: 'Não vai chegar' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('internal_error');
  } finally {
    email.send = original;
  }
  const row = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: chatId } });
  expect(row.status).toBe('left_message');
  expect(row.agentId).toBeNull();
  expect(await app.strapi.db.query('api::message.message').count({ where: { chatId, sender: 'agent' } })).toBe(0);
  // and it can be answered later
  expect((await reply(chatId, agent.token, { body: 'Agora sim' })).status).toBe(201);
});
