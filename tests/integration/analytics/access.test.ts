import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { APP_DIR, createApiToken, startStrapi, type TestApp } from '../../helpers/strapi';
import { seedAttachment, seedChat } from '../../helpers/history';

/**
 * Analysts' access (issue 8, part 1): a read-only API token reads chats, messages, attachments
 * and departments over REST and GraphQL and writes nothing; the Public role reads none of it;
 * secrets never appear. The queries of docs/analytics.md are run exactly as documented.
 */
let app: TestApp;
let token: string;
const http = () => request(app.strapi.server.httpServer);
const auth = () => ({ Authorization: `Bearer ${token}` });

/** Names that must never leave the server, in any answer. */
const SECRET_KEYS = /tokenHash|token_hash|chatClientKey|chat_client_key|visitorSeenAt|offeredLeaveAt|transcriptSentAt|resetPasswordToken|"password"/;

const ids: Record<string, number> = {};
let hashes: string[] = [];

beforeAll(async () => {
  app = await startStrapi();
  token = await createApiToken(app.strapi, 'read-only');
  const s = app.strapi;
  // Financeiro: two chats in November 2026 (São Paulo), one in October, one on 1 Dec 01:00 São Paulo
  ids.nov1 = (await seedChat(s, {
    department: 'Financeiro', question: 'Segunda via do boleto', queuedAt: '2026-11-01T03:00:00.000Z', // 1 Nov 00:00 in São Paulo
    acceptedAt: '2026-11-01T03:01:00.000Z', closedAt: '2026-11-01T03:10:00.000Z', agentId: 7, agentName: 'Ana Agent',
    tags: ['boleto'], rating: 5, messages: [['visitor', 'Olá, preciso do boleto'], ['agent', 'Claro, segue o link'], ['visitor', 'Obrigada']],
  })).id;
  ids.nov30 = (await seedChat(s, {
    department: 'Financeiro', email: 'MARIA@example.com', question: 'Nota fiscal de outubro', queuedAt: '2026-12-01T02:59:00.000Z', // 30 Nov 23:59
    status: 'missed', messages: [['visitor', 'Alguém?']],
  })).id;
  ids.oct = (await seedChat(s, { department: 'Financeiro', question: 'Boleto vencido', queuedAt: '2026-11-01T02:59:59.000Z' })).id; // 31 Oct 23:59:59
  ids.dec = (await seedChat(s, { department: 'Financeiro', question: 'Reembolso', queuedAt: '2026-12-01T04:00:00.000Z', email: 'joao@example.com' })).id;
  ids.supportNov = (await seedChat(s, { department: 'Suporte', question: 'Não consigo acessar', queuedAt: '2026-11-10T15:00:00.000Z', email: 'joao@example.com' })).id;
  ids.left1 = (await seedChat(s, { department: 'Comercial', status: 'left_message', name: 'Pedro', email: 'pedro@example.com', question: 'Quero um orçamento', queuedAt: '2026-11-12T12:00:00.000Z', closedAt: '2026-11-12T12:00:00.000Z' })).id;
  ids.left2 = (await seedChat(s, { department: 'Suporte', status: 'left_message', name: 'Lia', email: 'lia@example.com', question: 'Site fora do ar', queuedAt: '2026-11-11T12:00:00.000Z', closedAt: '2026-11-11T12:00:00.000Z' })).id;
  ids.answered = (await seedChat(s, { department: 'Suporte', status: 'answered', email: 'lia@example.com', question: 'Já respondida', queuedAt: '2026-11-09T12:00:00.000Z', closedAt: '2026-11-09T12:00:00.000Z' })).id;
  await seedAttachment(s, ids.nov1, 'comprovante.pdf');
  hashes = (await s.db.connection('chats').select('token_hash')).map((r: any) => r.token_hash);
});
afterAll(async () => {
  await app?.stop();
});

const expectNoSecrets = (body: unknown) => {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(SECRET_KEYS);
  for (const h of hashes) expect(text).not.toContain(h);
};

describe(`analysts' access over REST (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('reads each type with filters, sort, pagination and populate', async () => {
    const chats = await http()
      .get('/api/chats')
      .query({ 'filters[departmentName][$eq]': 'Financeiro', sort: 'queuedAt:desc', 'pagination[page]': 2, 'pagination[pageSize]': 1, populate: '*' })
      .set(auth())
      .expect(200);
    expect(chats.body.meta.pagination).toEqual({ page: 2, pageSize: 1, pageCount: 4, total: 4 });
    expect(chats.body.data.map((c: any) => c.id)).toEqual([ids.nov30]); // second newest
    expect(chats.body.data[0].department.name).toBe('Financeiro');
    expectNoSecrets(chats.body);

    const messages = await http()
      .get('/api/messages')
      .query({ 'filters[chatId][$eq]': ids.nov1, 'filters[sender][$eq]': 'visitor', sort: 'seq:desc', populate: { chat: { fields: ['question'] }, attachment: true } })
      .set(auth())
      .expect(200);
    expect(messages.body.data.map((m: any) => [m.seq, m.body])).toEqual([[4, 'comprovante.pdf'], [3, 'Obrigada'], [1, 'Olá, preciso do boleto']]);
    expect(messages.body.data[0].attachment.originalName).toBe('comprovante.pdf');
    expect(messages.body.data[1].chat.question).toBe('Segunda via do boleto');
    expectNoSecrets(messages.body);

    const attachments = await http()
      .get('/api/attachments')
      .query({ 'filters[chat][id][$eq]': ids.nov1, populate: ['chat', 'message', 'file'] })
      .set(auth())
      .expect(200);
    expect(attachments.body.data).toHaveLength(1);
    expect(attachments.body.data[0]).toMatchObject({ originalName: 'comprovante.pdf', mime: 'application/pdf', size: 1234, uploadedBy: 'visitor' });
    expect(attachments.body.data[0].chat.id).toBe(ids.nov1);
    expect(attachments.body.data[0].message.seq).toBe(4);
    expectNoSecrets(attachments.body);

    const deps = await http()
      .get('/api/departments')
      .query({ sort: 'sortOrder:asc', 'filters[active][$eq]': true, populate: { chats: { filters: { status: { $eq: 'left_message' } }, fields: ['question'] } } })
      .set(auth())
      .expect(200);
    expect(deps.body.data.map((d: any) => [d.name, d.chats.map((c: any) => c.question)])).toEqual([
      ['Comercial', ['Quero um orçamento']],
      ['Financeiro', []],
      ['Suporte', ['Site fora do ar']],
      ['Websites', []],
    ]);
    expect(deps.body.data[0]).not.toHaveProperty('agents');
    expectNoSecrets(deps.body);

    // one document by its documentId, deep populate
    const one = await http().get(`/api/chats/${chats.body.data[0].documentId}`).query({ populate: { messages: { populate: ['attachment'] }, department: true } }).set(auth()).expect(200);
    expect(one.body.data.status).toBe('missed');
    expectNoSecrets(one.body);
  });

  it('refuses filtering, sorting and populating on secrets (400), never answers them', async () => {
    for (const query of [
      { 'filters[tokenHash][$eq]': hashes[0] },
      { 'filters[tokenHash][$notNull]': true },
      { sort: 'tokenHash:asc' },
      { 'filters[agent][email][$contains]': '@' },
      { populate: 'agent' },
    ]) {
      const res = await http().get('/api/chats').query(query).set(auth());
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      // the refusal names the key, and gives nothing of its values
      expect(res.body.data).toBeNull();
      for (const h of hashes) expect(JSON.stringify(res.body)).not.toContain(h);
    }
    const msg = await http().get('/api/messages').query({ 'filters[chatClientKey][$contains]': ':' }).set(auth());
    expect(msg.status).toBe(400);
    const dep = await http().get('/api/departments').query({ populate: 'agents' }).set(auth());
    expect(dep.status).toBe(400);
  });

  it('writes nothing: every write route answers 403 or does not exist', async () => {
    const one = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: ids.nov1 } });
    const before = await app.strapi.db.query('api::chat.chat').count();
    for (const type of ['chats', 'messages', 'attachments', 'departments']) {
      for (const [method, url] of [
        ['post', `/api/${type}`],
        ['put', `/api/${type}/${one.documentId}`],
        ['delete', `/api/${type}/${one.documentId}`],
      ] as const) {
        const res = await (http() as any)[method](url).set(auth()).send({ data: { question: 'changed', name: 'changed' } });
        expect({ method, url, status: [403, 404, 405].includes(res.status) }).toEqual({ method, url, status: true });
      }
    }
    expect(await app.strapi.db.query('api::chat.chat').count()).toBe(before);
    const after = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: ids.nov1 } });
    expect(after.question).toBe('Segunda via do boleto');
  });

  it('the Public role reads no chat, message or attachment, even through departments', async () => {
    for (const url of ['/api/chats', `/api/chats?filters[id][$eq]=${ids.nov1}`, '/api/messages', '/api/attachments']) {
      const res = await http().get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
    }
    const deps = await http().get('/api/departments').query({ populate: 'chats' });
    expect(deps.status === 400 || deps.status === 403 || deps.body.data.every((d: any) => d.chats === undefined)).toBe(true);
    const deep = await http().get('/api/departments').query({ 'filters[chats][visitorEmail][$eq]': 'maria@example.com' });
    expect([400, 403]).toContain(deep.status);
    for (const query of ['{ chats { question } }', '{ messages { body } }', '{ attachments { originalName } }', '{ departments { name chats { question } } }']) {
      const res = await http().post('/graphql').send({ query });
      expect(JSON.stringify(res.body.errors ?? null)).toMatch(/Forbidden/i);
      expect(JSON.stringify(res.body)).not.toMatch(/boleto|orçamento/i);
    }
  });
});

const gql = async (query: string, variables: object = {}) => {
  const res = await http().post('/graphql').set(auth()).send({ query, variables }).expect(200);
  return res.body;
};

describe(`analysts' access over GraphQL (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('reads the four types with filters, sort, pagination and nested relations', async () => {
    const body = await gql(`{
      chats(filters: { departmentName: { eq: "Financeiro" } }, sort: "queuedAt:desc", pagination: { page: 2, pageSize: 1 }) { status department { name } }
      chats_connection(filters: { departmentName: { eq: "Financeiro" } }, pagination: { pageSize: 3 }) { pageInfo { total pageCount } }
      messages(filters: { chatId: { eq: ${ids.nov1} }, sender: { eq: "visitor" } }, sort: "seq:desc") { seq body chat { question } attachment { originalName } }
      attachments { originalName size message { seq } chat { status } }
      departments(sort: "sortOrder:asc") { name chats(filters: { status: { eq: "left_message" } }) { question } }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.chats).toEqual([{ status: 'missed', department: { name: 'Financeiro' } }]);
    expect(body.data.chats_connection.pageInfo).toEqual({ total: 4, pageCount: 2 });
    expect(body.data.messages.map((m: any) => m.seq)).toEqual([4, 3, 1]);
    expect(body.data.messages[0].attachment.originalName).toBe('comprovante.pdf');
    expect(body.data.attachments).toEqual([{ originalName: 'comprovante.pdf', size: 1234, message: { seq: 4 }, chat: { status: 'closed' } }]);
    expect(body.data.departments.map((d: any) => d.chats.length)).toEqual([1, 0, 1, 0]);
  });

  it('has no private field, no agent relation and no mutation for these types', async () => {
    for (const [query, field] of [
      ['{ chats { tokenHash } }', 'tokenHash'],
      ['{ chats { visitorSeenAt } }', 'visitorSeenAt'],
      ['{ chats { agent { email } } }', 'agent'],
      ['{ messages { chatClientKey } }', 'chatClientKey'],
      ['{ departments { agents { email } } }', 'agents'],
      ['{ chats(filters: { tokenHash: { notNull: true } }) { documentId } }', 'tokenHash'],
    ]) {
      const res = await http().post('/graphql').set(auth()).send({ query });
      expect(JSON.stringify(res.body.errors)).toContain(field);
      expect(res.body.data ?? null).toBeNull();
    }
    for (const m of ['createChat(data: {}) { documentId }', 'updateMessage(documentId: "x", data: {}) { documentId }', 'deleteAttachment(documentId: "x") { documentId }', 'createDepartment(data: { name: "X" }) { documentId }']) {
      const res = await http().post('/graphql').set(auth()).send({ query: `mutation { ${m} }` });
      expect(JSON.stringify(res.body.errors)).toMatch(/Cannot query field|Unknown type|Forbidden/);
    }
    expect(await app.strapi.db.query('api::department.department').count()).toBe(4);
  });
});

/** The fenced blocks of docs/analytics.md marked `<!-- doc-query: rest|graphql name -->`. */
function documentedQueries() {
  const md = fs.readFileSync(path.join(APP_DIR, 'docs', 'analytics.md'), 'utf8');
  const re = /<!-- doc-query: (rest|graphql) ([\w-]+) -->\n```\w+\n([\s\S]*?)```(?:\n```json\n([\s\S]*?)```)?/g;
  const out: Record<string, { url?: string; query?: string; variables?: object }> = {};
  for (const m of md.matchAll(re)) {
    const [, kind, name, code, vars] = m;
    if (kind === 'rest') {
      const url = /"\$BASE(\/api\/[^"]+)"/.exec(code)?.[1];
      if (!url) throw new Error(`doc-query ${name}: no "$BASE/api/..." URL`);
      out[`rest ${name}`] = { url };
    } else {
      out[`graphql ${name}`] = { query: code, variables: JSON.parse(vars ?? '{}') };
    }
  }
  return out;
}

describe('the queries of docs/analytics.md, as written', () => {
  const docs = documentedQueries();

  it('documents each common question over REST and GraphQL', () => {
    expect(Object.keys(docs).sort()).toEqual([
      'graphql by-email', 'graphql department-range', 'graphql left-messages',
      'rest by-email', 'rest department-range', 'rest left-messages',
    ]);
  });

  it('chats of a department in a date range with their messages', async () => {
    const rest = await http().get(docs['rest department-range'].url!).set(auth()).expect(200);
    // São Paulo's November: 1 Nov 00:00 is in, 31 Oct 23:59:59 and 1 Dec 01:00 are out
    expect(rest.body.data.map((c: any) => c.id)).toEqual([ids.nov1, ids.nov30]);
    expect(rest.body.data[0].messages.map((m: any) => [m.seq, m.sender, m.body])).toEqual([
      [1, 'visitor', 'Olá, preciso do boleto'], [2, 'agent', 'Claro, segue o link'], [3, 'visitor', 'Obrigada'], [4, 'visitor', 'comprovante.pdf'],
    ]);
    expectNoSecrets(rest.body);

    const { query, variables } = docs['graphql department-range'];
    const g = await gql(query!, variables);
    expect(g.errors).toBeUndefined();
    expect(g.data.chats.map((c: any) => c.question)).toEqual(['Segunda via do boleto', 'Nota fiscal de outubro']);
    expect(g.data.chats[0].messages.map((m: any) => m.body)).toEqual(['Olá, preciso do boleto', 'Claro, segue o link', 'Obrigada', 'comprovante.pdf']);
    expect(g.data.chats[0]).toMatchObject({ agentName: 'Ana Agent', tags: ['boleto'], rating: 5 });
  });

  it('all chats of one e-mail (any case)', async () => {
    const rest = await http().get(docs['rest by-email'].url!).set(auth()).expect(200);
    expect(rest.body.data.map((c: any) => c.id)).toEqual([ids.nov30, ids.nov1, ids.oct]); // newest first
    expect(rest.body.data[1].attachments.map((a: any) => a.originalName)).toEqual(['comprovante.pdf']);
    expect(rest.body.data[1].department.name).toBe('Financeiro');
    expectNoSecrets(rest.body);

    const g = await gql(docs['graphql by-email'].query!, docs['graphql by-email'].variables);
    expect(g.errors).toBeUndefined();
    expect(g.data.chats.map((c: any) => c.question)).toEqual(['Nota fiscal de outubro', 'Segunda via do boleto', 'Boleto vencido']);
    expect(g.data.chats[1].attachments).toEqual([{ originalName: 'comprovante.pdf', mime: 'application/pdf', size: 1234 }]);
  });

  it('left messages not answered yet', async () => {
    const rest = await http().get(docs['rest left-messages'].url!).set(auth()).expect(200);
    expect(rest.body.data.map((c: any) => [c.visitorName, c.visitorEmail, c.question, c.departmentName])).toEqual([
      ['Lia', 'lia@example.com', 'Site fora do ar', 'Suporte'],
      ['Pedro', 'pedro@example.com', 'Quero um orçamento', 'Comercial'],
    ]);
    const g = await gql(docs['graphql left-messages'].query!, docs['graphql left-messages'].variables);
    expect(g.errors).toBeUndefined();
    expect(g.data.chats.map((c: any) => c.visitorName)).toEqual(['Lia', 'Pedro']);
  });
});
