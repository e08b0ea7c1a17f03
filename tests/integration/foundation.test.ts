import request from 'supertest';
import { startStrapi, type TestApp, createApiToken } from '../helpers/strapi';
import { DEFAULT_DEPARTMENTS } from '../../src/bootstrap/seed';
import { INDEXES, listIndexes } from '../../src/bootstrap/indexes';

let app: TestApp;
const http = () => request(app.strapi.server.httpServer);

beforeAll(async () => {
  app = await startStrapi();
});
afterAll(async () => {
  await app?.stop();
});

const departmentNames = async () =>
  (await app.strapi.db.query('api::department.department').findMany({ orderBy: { id: 'asc' } })).map((r: any) => r.name);

async function createChatWithMessages() {
  const dep = await app.strapi.db.query('api::department.department').findOne({ where: { name: 'Financeiro' } });
  const chat = await app.strapi.db.query('api::chat.chat').create({
    data: {
      status: 'closed',
      visitorName: 'Maria Silva',
      visitorEmail: 'maria@example.com',
      question: 'Como emito a segunda via do boleto?',
      department: dep.id,
      departmentId: dep.id,
      departmentName: dep.name,
      queuedAt: new Date('2026-11-20T13:00:00Z'),
      acceptedAt: new Date('2026-11-20T13:01:00Z'),
      closedAt: new Date('2026-11-20T13:10:00Z'),
      closedBy: 'agent',
      closeReason: 'resolved',
      tags: ['boleto'],
      tokenHash: require('crypto').randomBytes(32).toString('hex'),
      lastSeq: 2,
    },
  });
  for (const [seq, sender, body] of [
    [1, 'visitor', 'Olá, preciso do boleto'],
    [2, 'agent', 'Claro, segue o link'],
  ] as const) {
    await app.strapi.db.query('api::message.message').create({
      data: { chat: chat.id, chatId: chat.id, seq, sender, kind: 'text', visibility: 'public', body, clientId: `c${seq}`, chatClientKey: `${chat.id}:c${seq}` },
    });
  }
  return chat;
}

describe(`foundation (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  it('seeds the four departments of the help page', async () => {
    expect(await departmentNames()).toEqual(DEFAULT_DEPARTMENTS.map((d) => d.name));
  });

  it('creates the queue and history indexes on a fresh database', async () => {
    for (const spec of INDEXES) {
      expect(await listIndexes(app.strapi, spec.table)).toContain(spec.name);
    }
  });

  it('enforces one client id and one sequence number per chat in the database', async () => {
    const chat = await createChatWithMessages();
    const knex = app.strapi.db.connection;
    const row = (seq: number, clientId: string, documentId: string) => ({
      chat_id: chat.id, seq, client_id: clientId, sender: 'visitor', kind: 'text', visibility: 'public', body: 'x', document_id: documentId,
    });
    const insertError = async (r: Record<string, unknown>) => {
      try {
        await knex('messages').insert(r);
        return { error: null, rows: await knex('messages').where({ chat_id: chat.id }).select('id', 'seq', 'client_id') };
      } catch (e) {
        return { error: String((e as Error).message) };
      }
    };
    expect(await insertError(row(10, 'k-10', 'uq0'))).toMatchObject({ error: null });
    expect(await insertError(row(11, 'k-10', 'uq1'))).toMatchObject({ error: expect.stringMatching(/unique/i) });
    expect(await insertError(row(10, 'k-12', 'uq2'))).toMatchObject({ error: expect.stringMatching(/unique/i) });
    // the same client id in another chat is fine
    const other = await createChatWithMessages();
    await knex('messages').insert({ ...row(10, 'k-10', 'uq3'), chat_id: other.id });
  });

  it('the Public role reads the active departments and nothing private', async () => {
    const deps = await http().get('/api/departments').expect(200);
    expect(deps.body.data.map((d: any) => d.name)).toEqual(expect.arrayContaining(['Comercial', 'Suporte']));
    for (const path of ['/api/chats', '/api/messages', '/api/attachments', '/api/chats?populate=*', '/api/departments?populate=chats']) {
      const res = await http().get(path);
      if (path.startsWith('/api/departments')) {
        // the relation is not readable by the Public role: populate is refused or yields nothing
        expect(res.status === 400 || res.status === 403 || res.body.data.every((d: any) => d.chats === undefined)).toBe(true);
      } else {
        expect(res.status).toBe(403);
      }
    }
    const gql = await http()
      .post('/graphql')
      .send({ query: '{ chats { documentId visitorEmail } }' })
      .expect(200);
    expect(gql.body.data?.chats ?? null).toBeNull();
    expect(JSON.stringify(gql.body.errors)).toMatch(/Forbidden/i);
  });

  it('a read-only API token reads chats with their messages over REST, and never the token hash', async () => {
    const chat = await createChatWithMessages();
    const token = await createApiToken(app.strapi, 'read-only');
    const res = await http()
      .get('/api/chats')
      .query({
        'filters[visitorEmail][$eq]': 'maria@example.com',
        'filters[id][$eq]': chat.id,
        'populate[messages][sort]': 'seq:asc',
        sort: 'queuedAt:desc',
        'pagination[pageSize]': 10,
      })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body.data).toHaveLength(1);
    const got = res.body.data[0];
    expect(got.question).toBe('Como emito a segunda via do boleto?');
    expect(got.messages.map((m: any) => m.body)).toEqual(['Olá, preciso do boleto', 'Claro, segue o link']);
    expect(JSON.stringify(res.body)).not.toMatch(/tokenHash|token_hash/);
    expect(res.body.meta.pagination.total).toBe(1);

    // filtering on a private field is refused, not silently answered
    const probe = await http()
      .get('/api/chats')
      .query({ 'filters[tokenHash][$eq]': 'abc' })
      .set('Authorization', `Bearer ${token}`);
    expect(probe.status).toBe(400);

    // read-only: no write route exists
    const write = await http().post('/api/chats').set('Authorization', `Bearer ${token}`).send({ data: { visitorName: 'x' } });
    expect([403, 404, 405]).toContain(write.status);
  });

  it('a read-only API token reads chats with their messages over GraphQL; no mutations exist', async () => {
    const chat = await createChatWithMessages();
    const token = await createApiToken(app.strapi, 'read-only');
    const res = await http()
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send({
        query: `query($email: String) {
          chats(filters: { visitorEmail: { eq: $email } }, sort: "queuedAt:desc") {
            documentId status visitorName departmentName tags
            messages(sort: "seq:asc") { seq sender body }
          }
        }`,
        variables: { email: 'maria@example.com' },
      })
      .expect(200);
    expect(res.body.errors).toBeUndefined();
    const found = res.body.data.chats.find((c: any) => c.documentId === chat.documentId);
    expect(found.messages.map((m: any) => m.seq)).toEqual([1, 2]);
    expect(found.departmentName).toBe('Financeiro');

    const hash = await http()
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send({ query: '{ chats { tokenHash } }' });
    expect(JSON.stringify(hash.body.errors)).toMatch(/tokenHash/);

    const mutation = await http()
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send({ query: 'mutation { deleteChat(documentId: "x") { documentId } }' });
    expect(JSON.stringify(mutation.body.errors)).toMatch(/deleteChat|Cannot query field/);
  });

  it('seeds once: a restart neither duplicates nor brings back a renamed department', async () => {
    await app.strapi.db.query('api::department.department').update({ where: { name: 'Suporte' }, data: { name: 'Suporte Técnico' } });
    app = await app.restart();
    expect(await departmentNames()).toEqual(['Comercial', 'Financeiro', 'Suporte Técnico', 'Websites']);
    for (const spec of INDEXES) {
      expect(await listIndexes(app.strapi, spec.table)).toContain(spec.name);
    }
  });
});
