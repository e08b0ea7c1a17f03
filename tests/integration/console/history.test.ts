/**
 * The history as agents search it: text (question, name, e-mail, messages), visitor e-mail,
 * department, status, agent, date range, pages; one transcript with its files (signed URLs);
 * earlier chats of the same e-mail. An agent sees only the departments it serves; a Super Admin
 * sees everything.
 */
import path from 'path';
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, startConnectedChat } from '../../helpers/realtime';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'uploads');

let app: TestApp;
let base: string;
let suporte: number;
let financeiro: number;
let superAdmin: Awaited<ReturnType<typeof createAgent>>;
let suporteAgent: Awaited<ReturnType<typeof createAgent>>;
const ids: Record<string, number> = {};

const http = () => request(app.strapi.server.httpServer);
const get = (url: string, token: string) => http().get(url).set('Authorization', `Bearer ${token}`);
const setQueuedAt = (id: number, iso: string) => app.strapi.db.query('api::chat.chat').update({ where: { id }, data: { queuedAt: new Date(iso) } });

/** A chat accepted by `agent`, with messages both ways and optionally a file, then closed. */
async function conversation(agent: { token: string }, dep: number, visitor: { name: string; email: string; question: string }, lines: string[], file?: string) {
  // online first: with nobody online, starting a chat leaves a message
  const s = agentSocket(base, agent.token);
  await next(s, 'agent:state');
  expect((await send(s, 'presence:set', { presence: 'online' })).ok).toBe(true);
  const chat = await startConnectedChat(app.strapi, base, { departmentId: dep, ...visitor });
  expect(chat.status).toBe('waiting');
  expect((await send(s, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
  for (const [i, body] of lines.entries()) {
    const res = i % 2 === 0 ? await send(chat.v, 'message:send', { clientId: `v${i}`, body }) : await send(s, 'message:send', { chatId: chat.chatId, clientId: `a${i}`, body });
    expect(res.ok).toBe(true);
  }
  expect((await send(s, 'message:send', { chatId: chat.chatId, clientId: 'note', body: 'nota: cliente antigo', visibility: 'agents' })).ok).toBe(true);
  if (file) {
    const up = await http()
      .post(`/api/live-chat/chats/${chat.chatId}/files`)
      .set('Authorization', `Bearer ${chat.token}`)
      .attach('file', path.join(FIXTURES, file));
    expect(up.status).toBe(201);
  }
  expect((await send(s, 'chat:close', { chatId: chat.chatId, reason: 'resolved', tags: ['boleto'] })).ok).toBe(true);
  expect((await send(s, 'presence:set', { presence: 'offline' })).ok).toBe(true);
  s.close();
  chat.v.close();
  return chat.chatId;
}

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_RATE_START_POINTS: '10000', LIVE_CHAT_GRACE_SECONDS: '60' } });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  financeiro = await departmentId(app.strapi, 'Financeiro');
  superAdmin = await createAgent(app.strapi, { firstname: 'Sara' });
  suporteAgent = await createAgent(app.strapi, { superAdmin: false, departments: [suporte], firstname: 'Saulo' });
  const financeiroAgent = await createAgent(app.strapi, { superAdmin: false, departments: [financeiro], firstname: 'Fabi' });

  ids.boleto = await conversation(financeiroAgent, financeiro, { name: 'Maria Silva', email: 'Maria@Example.com', question: 'Segunda via do boleto' }, ['Oi, preciso do boleto', 'Claro, enviando', 'Obrigada'], 'sample.pdf');
  ids.senha = await conversation(suporteAgent, suporte, { name: 'Maria Silva', email: 'maria@example.com', question: 'Esqueci a senha' }, ['Não consigo entrar 100%_ok', 'Vou resetar']);
  ids.site = await conversation(suporteAgent, suporte, { name: 'João Lima', email: 'joao@example.com', question: 'O site caiu' }, ['Erro 500 na home', 'Verificando o servidor']);
  await setQueuedAt(ids.boleto, '2024-03-01T12:00:00Z');
  await setQueuedAt(ids.senha, '2024-04-10T12:00:00Z');
  await setQueuedAt(ids.site, '2024-05-20T12:00:00Z');
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

const idsOf = (res: request.Response) => res.body.results.map((c: { id: number }) => c.id);

test('a Super Admin searches everything: text in messages, e-mail (any case), status, department, agent, dates', async () => {
  const all = await get('/live-chat/history', superAdmin.token);
  expect(all.status).toBe(200);
  // newest first
  expect(idsOf(all)).toEqual([ids.site, ids.senha, ids.boleto]);
  expect(all.body.pagination).toEqual({ page: 1, pageSize: 20, total: 3, pageCount: 1 });
  expect(all.body.results[0]).toMatchObject({
    visitorName: 'João Lima',
    departmentName: 'Suporte',
    status: 'closed',
    closeReason: 'resolved',
    tags: ['boleto'],
    agentName: 'Saulo Test',
    messageCount: 2,
  });

  expect(idsOf(await get('/live-chat/history?q=servidor', superAdmin.token))).toEqual([ids.site]); // an agent's message
  expect(idsOf(await get('/live-chat/history?q=BOLETO', superAdmin.token))).toEqual([ids.boleto]); // question, any case
  expect(idsOf(await get('/live-chat/history?q=' + encodeURIComponent('100%_ok'), superAdmin.token))).toEqual([ids.senha]); // wildcards are literal
  expect(idsOf(await get('/live-chat/history?q=' + encodeURIComponent('%'), superAdmin.token))).toEqual([ids.senha]);
  expect(idsOf(await get('/live-chat/history?q=cliente antigo', superAdmin.token))).toHaveLength(3); // notes are searchable by agents
  expect(idsOf(await get('/live-chat/history?email=MARIA@example.COM', superAdmin.token))).toEqual([ids.senha, ids.boleto]);
  expect(idsOf(await get(`/live-chat/history?departmentId=${financeiro}`, superAdmin.token))).toEqual([ids.boleto]);
  expect(idsOf(await get(`/live-chat/history?agentId=${suporteAgent.id}`, superAdmin.token))).toEqual([ids.site, ids.senha]);
  expect(idsOf(await get('/live-chat/history?status=missed', superAdmin.token))).toEqual([]);
  expect(idsOf(await get('/live-chat/history?from=2024-04-01&to=2024-05-01', superAdmin.token))).toEqual([ids.senha]);
  expect(idsOf(await get('/live-chat/history?from=2024-04-10T12:00:00Z', superAdmin.token))).toEqual([ids.site, ids.senha]);

  const page2 = await get('/live-chat/history?pageSize=2&page=2', superAdmin.token);
  expect(idsOf(page2)).toEqual([ids.boleto]);
  expect(page2.body.pagination).toEqual({ page: 2, pageSize: 2, total: 3, pageCount: 2 });
});

test('an agent sees only the departments it serves', async () => {
  expect(idsOf(await get('/live-chat/history', suporteAgent.token))).toEqual([ids.site, ids.senha]);
  expect(idsOf(await get('/live-chat/history?q=boleto', suporteAgent.token))).toEqual([]);
  const other = await get(`/live-chat/history?departmentId=${financeiro}`, suporteAgent.token);
  expect(other.status).toBe(403);
  expect(other.body.error.code).toBe('not_serving_department');
  const transcript = await get(`/live-chat/history/${ids.boleto}`, suporteAgent.token);
  expect(transcript.status).toBe(403);
  expect(transcript.body.error.code).toBe('not_serving_department');
  // earlier chats of the same e-mail: only from its departments
  const earlier = await get(`/live-chat/chats/${ids.senha}/earlier`, suporteAgent.token);
  expect(earlier.status).toBe(200);
  expect(earlier.body.results).toEqual([]);
  const earlierAll = await get(`/live-chat/chats/${ids.senha}/earlier`, superAdmin.token);
  expect(earlierAll.body.results.map((c: { id: number }) => c.id)).toEqual([ids.boleto]);
});

test('one transcript: every message in order, notes included, files with a working signed URL', async () => {
  const res = await get(`/live-chat/history/${ids.boleto}`, superAdmin.token);
  expect(res.status).toBe(200);
  expect(res.body.chat).toMatchObject({ id: ids.boleto, visitorEmail: 'Maria@Example.com', question: 'Segunda via do boleto', status: 'closed' });
  const bodies = res.body.messages.map((m: any) => m.body);
  expect(bodies).toEqual(expect.arrayContaining(['Oi, preciso do boleto', 'Claro, enviando', 'Obrigada', 'nota: cliente antigo', 'sample.pdf']));
  const seqs = res.body.messages.map((m: any) => m.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(res.body.messages.find((m: any) => m.body === 'nota: cliente antigo').visibility).toBe('agents');
  const file = res.body.messages.find((m: any) => m.kind === 'file');
  expect(file.attachment).toMatchObject({ name: 'sample.pdf', mime: 'application/pdf' });
  expect(file.attachment.url).toMatch(/^\/files\/.+\?exp=\d+&sig=/);
  const download = await http().get(file.attachment.url);
  expect(download.status).toBe(200);
  expect(download.headers['x-content-type-options']).toBe('nosniff');
});

test('bad queries are refused with the field, and without the history permission nothing is read', async () => {
  for (const [query, field] of [
    ['page=0', 'page'],
    ['pageSize=101', 'pageSize'],
    ['pageSize=abc', 'pageSize'],
    ['status=deleted', 'status'],
    ['from=yesterday', 'from'],
    ['from=2024-05-01&to=2024-04-01', 'to'],
    ['departmentId=-1', 'departmentId'],
    ['q=' + 'x'.repeat(201), 'q'],
    ['sort=id', ''],
  ]) {
    const res = await get(`/live-chat/history?${query}`, superAdmin.token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    if (field) expect(Object.keys(res.body.error.fields)).toContain(field);
  }
  expect((await get('/live-chat/history/abc', superAdmin.token)).body.error.code).toBe('validation_failed');
  expect((await get('/live-chat/history/99999', superAdmin.token)).status).toBe(404);
  expect((await http().get('/live-chat/history')).status).toBe(401);

  const role = await app.strapi.db.query('admin::role').create({ data: { name: 'Console only', code: 'console-only', description: 'x' } });
  await app.strapi.db.query('admin::permission').create({
    data: { action: 'plugin::live-chat.console', actionParameters: {}, subject: null, properties: {}, conditions: [], role: role.id },
  });
  const consoleOnly = await createAgent(app.strapi);
  await app.strapi.db.query('admin::user').update({ where: { id: consoleOnly.id }, data: { roles: [role.id] } });
  expect((await get('/live-chat/history', consoleOnly.token)).status).toBe(403);
  expect((await get(`/live-chat/history/${ids.site}`, consoleOnly.token)).status).toBe(403);
  // the console's own reads still work for it
  expect((await get('/live-chat/left-messages', consoleOnly.token)).status).toBe(200);
});
