/**
 * Nobody without a key reads anything private: the Public role over REST (including populate,
 * filters on private fields used as an oracle, and lookup-style parameters) and GraphQL, and
 * anonymous or wrongly authenticated sockets on /agent.
 *
 * Already proven elsewhere, not repeated here: Public gets 403 on /api/chats, /api/messages,
 * /api/attachments, `populate=chats` and `filters[chats][visitorEmail]` on departments, and
 * GraphQL chats/messages/attachments (tests/integration/analytics/access.test.ts); a read-only
 * API token never sees or filters on the token hash (same file and foundation.test.ts); a
 * malformed admin token on /agent (tests/integration/realtime/guarantees.test.ts).
 */
import crypto from 'crypto';
import request from 'supertest';
import { io as connect } from 'socket.io-client';
import { createApiToken, startStrapi, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, collect, connected, createAgent, departmentId, listen, next, send, startConnectedChat, type AnySocket } from '../helpers/realtime';

let app: TestApp;
let base: string;
let suporte: number;
let chat: Awaited<ReturnType<typeof startConnectedChat>>;
let agent: { id: number; name: string; token: string };
let tokenHash: string;
let agentEmail: string;

const http = () => request(app.strapi.server.httpServer);
/** What must never appear in anything anonymous receives. */
const secrets = () => [tokenHash, chat.token, 'pergunta confidencial', 'visitante@example.com', 'mensagem confidencial', agentEmail];
const expectNothingPrivate = (body: unknown) => {
  const text = JSON.stringify(body ?? null);
  for (const s of secrets()) expect(text).not.toContain(s);
  expect(text).not.toMatch(/\$2[aby]\$/); // a password hash
};

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_GRACE_SECONDS: '60', LIVE_CHAT_RATE_START_POINTS: '3' } });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  agent = await createAgent(app.strapi, { superAdmin: false, departments: [suporte] });
  const user = await app.strapi.db.query('admin::user').findOne({ where: { id: agent.id } });
  agentEmail = user.email;
  // a password, so that a password-hash oracle would have something to find
  await app.strapi.db.query('admin::user').update({ where: { id: agent.id }, data: { password: await app.strapi.service('admin::auth').hashPassword('Secret-pass-1') } });
  const a = agentSocket(base, agent.token);
  await next(a, 'agent:state');
  await send(a, 'presence:set', { presence: 'online' });
  chat = await startConnectedChat(app.strapi, base, { departmentId: suporte, question: 'pergunta confidencial', email: 'visitante@example.com' });
  expect((await send(a, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
  expect((await send(chat.v, 'message:send', { clientId: 'm1', body: 'mensagem confidencial' })).ok).toBe(true);
  tokenHash = (await app.strapi.db.query('api::chat.chat').findOne({ where: { id: chat.chatId } })).tokenHash;
  expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

describe('the Public role over REST', () => {
  it('reads the active departments and nothing else of them: no agents, no chats, no internal address', async () => {
    await app.strapi.db.query('api::department.department').updateMany({ where: {}, data: { notificationEmail: 'equipe-interna@example.com' } });
    const res = await http().get('/api/departments').expect(200);
    expect(JSON.stringify(res.body)).not.toContain('equipe-interna@example.com');
    for (const query of [{ 'filters[notificationEmail][$contains]': 'equipe' }, { 'fields[0]': 'notificationEmail' }, { sort: 'notificationEmail:asc' }]) {
      const filtered = await http().get('/api/departments').query(query);
      expect({ query, status: filtered.status }).toEqual({ query, status: 400 });
    }
    const gql = await http().post('/graphql').send({ query: '{ departments { name notificationEmail } }' });
    expect(JSON.stringify(gql.body)).not.toContain('equipe-interna@example.com');
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const d of res.body.data) {
      expect(d).not.toHaveProperty('agents');
      expect(d).not.toHaveProperty('chats');
    }
    expectNothingPrivate(res.body);
  });

  it('filters on private fields through relations are refused, so they cannot be used as an oracle', async () => {
    const queries: Record<string, string>[] = [
      { 'filters[chats][tokenHash][$startsWith]': tokenHash.slice(0, 2) },
      { 'filters[chats][tokenHash][$eq]': tokenHash },
      { 'filters[chats][question][$contains]': 'confidencial' },
      { 'filters[chats][messages][body][$contains]': 'confidencial' },
      { 'filters[agents][email][$startsWith]': agentEmail.slice(0, 3) },
      { 'filters[agents][password][$startsWith]': '$2' },
      { 'filters[agents][resetPasswordToken][$notNull]': 'true' },
      { 'filters[$or][0][chats][tokenHash][$null]': 'false' },
      { 'filters[chats][id][$eq]': String(chat.chatId) },
      { sort: 'chats.tokenHash:asc' },
      { 'populate[agents][fields][0]': 'email' },
      { 'populate[chats][populate][messages]': 'true' },
      { populate: '*' },
      { 'fields[0]': 'agents' },
    ];
    for (const query of queries) {
      const res = await http().get('/api/departments').query(query);
      // refused (400/403), or answered without any of it — and never different for a true and a false guess
      expect({ query, ok: [200, 400, 403].includes(res.status) }).toEqual({ query, ok: true });
      expectNothingPrivate(res.body);
      if (res.status === 200) {
        for (const d of res.body.data) expect({ query, keys: Object.keys(d).filter((k) => ['agents', 'chats'].includes(k)) }).toEqual({ query, keys: [] });
      }
    }
    // the oracle check: a matching and a non-matching guess give the same answer
    const [hit, miss] = await Promise.all(
      [tokenHash.slice(0, 8), 'ffffffff'].map((prefix) => http().get('/api/departments').query({ 'filters[chats][tokenHash][$startsWith]': prefix }))
    );
    expect({ status: hit.status, body: hit.body }).toEqual({ status: miss.status, body: miss.body });
  });

  it('reads no upload, user or chat document by any route, including lookup-style parameters', async () => {
    const doc = (await app.strapi.db.query('api::chat.chat').findOne({ where: { id: chat.chatId } })).documentId;
    for (const url of [
      '/api/upload/files',
      '/api/upload/files/1',
      '/api/users',
      '/api/users/me',
      `/api/chats/${doc}`,
      `/api/chats?filters[documentId][$eq]=${doc}`,
      '/api/chats?lookup[tokenHash]=x',
      `/api/messages?filters[chat][id][$eq]=${chat.chatId}`,
      '/api/canned-responses',
      '/api/agent-presences',
      '/api/live-chat/widget-config?populate=*&filters[chats][tokenHash][$notNull]=true',
    ]) {
      const res = await http().get(url);
      if (url.startsWith('/api/live-chat/widget-config')) expect(res.status).toBe(200);
      else expect({ url, status: [401, 403, 404].includes(res.status) }).toEqual({ url, status: true });
      expectNothingPrivate(res.body);
    }
    // and writes nothing
    expect((await http().post('/api/upload').attach('files', Buffer.from('x'), 'x.png')).status).toBeGreaterThanOrEqual(400);
    expect([403, 404, 405]).toContain((await http().post('/api/chats').send({ data: { question: 'x' } })).status);
  });
});

describe('the Public role over GraphQL', () => {
  it('reaches no chat, message, upload, user or agent, whatever the entry point', async () => {
    for (const query of [
      '{ departments { name agents { email password } } }',
      '{ departments { name chats { tokenHash question messages { body } } } }',
      '{ departments_connection { nodes { name chats { question } } } }',
      '{ chats_connection { nodes { question } } }',
      '{ messages_connection { nodes { body } } }',
      '{ uploadFiles { url name } }',
      '{ usersPermissionsUsers { email } }',
      '{ departments(filters: { chats: { tokenHash: { startsWith: "a" } } }) { name } }',
      '{ departments(filters: { chats: { question: { contains: "confidencial" } } }) { name } }',
    ]) {
      const res = await http().post('/graphql').send({ query });
      // a schema error (the field does not exist) or Forbidden; never data
      expect({ query, refused: Array.isArray(res.body.errors) && res.body.errors.length > 0 }).toEqual({ query, refused: true });
      expectNothingPrivate(res.body);
    }
    // a query batch or an alias does not change that
    const aliased = await http().post('/graphql').send({ query: '{ a: departments { name } b: chats { question } }' });
    expect(JSON.stringify(aliased.body.errors ?? null)).toMatch(/Forbidden|Cannot query/i);
    expectNothingPrivate(aliased.body);
  });
});

describe('anonymous and wrongly authenticated sockets', () => {
  const refusedOnAgent = async (auth: unknown) => {
    const s = connect(`${base}/agent`, { auth: auth as object, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      await connected(s as AnySocket);
      return 'connected';
    } catch (e) {
      return (e as { data?: { code: string } }).data?.code ?? String(e);
    } finally {
      s.close();
    }
  };

  it('/agent refuses no token, a chat token, an API token, an expired or forged JWT, an admin without the console permission, and a deactivated agent', async () => {
    const apiToken = await createApiToken(app.strapi, 'full-access');
    // an admin user of the Editor role: a valid admin session, without plugin::live-chat.console
    const editorRole = await app.strapi.db.query('admin::role').findOne({ where: { code: 'strapi-editor' } });
    const editor = await app.strapi.db.query('admin::user').create({ data: { firstname: 'Edu', lastname: 'Editor', email: `editor-${crypto.randomUUID()}@example.com`, isActive: true, blocked: false, roles: [editorRole.id] } });
    const manager = (app.strapi as any).sessionManager('admin');
    const { token: refresh } = await manager.generateRefreshToken(String(editor.id), crypto.randomUUID(), { type: 'session' });
    const editorToken = (await manager.generateAccessToken(refresh)).token;
    // a JWT with the right shape signed with another secret, and one with alg none
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = { userId: String(agent.id), sessionId: 'x', type: 'access', exp: Math.floor(Date.now() / 1000) + 600 };
    const forged = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.${crypto.createHmac('sha256', 'guess').update('x').digest('base64url')}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    // an agent whose account was deactivated after its token was issued
    const gone = await createAgent(app.strapi);
    await app.strapi.db.query('admin::user').update({ where: { id: gone.id }, data: { isActive: false } });

    const cases: Record<string, unknown> = {
      'no auth': undefined,
      'empty token': { token: '' },
      "a visitor's chat token": { token: chat.token, chatId: chat.chatId },
      'a full-access API token': { token: apiToken },
      'a forged JWT': { token: forged },
      'an alg=none JWT': { token: none },
      'a token as an object': { token: { $ne: null } },
      'a 100 KB token': { token: 'a'.repeat(100 * 1024) },
      'an Editor without the console permission': { token: editorToken },
      'a deactivated agent': { token: gone.token },
    };
    const outcomes: Record<string, string> = {};
    for (const [label, auth] of Object.entries(cases)) outcomes[label] = await refusedOnAgent(auth);
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, 'unauthorized'])));
    // the control: the agent's own token connects
    expect(await refusedOnAgent({ token: agent.token })).toBe('connected');
  });

  it('a socket on the default namespace or an unknown one hears nothing of the chats', async () => {
    const root = connect(base, { transports: ['websocket'], reconnection: false, forceNew: true });
    const heard: unknown[] = [];
    root.onAny((...args) => heard.push(args));
    await connected(root as AnySocket).catch(() => undefined);
    const unknown = connect(`${base}/admin`, { transports: ['websocket'], reconnection: false, forceNew: true });
    await expect(connected(unknown as AnySocket)).rejects.toBeTruthy();
    unknown.onAny((...args) => heard.push(args));
    // a message goes round both ways; the visitor's own copy arriving shows it was broadcast
    const seen = collect(chat.v, 'message:created');
    const a = agentSocket(base, agent.token);
    await next(a, 'agent:state');
    const arrived = next(chat.v, 'message:created', (m) => m.body === 'ping público');
    expect((await send(a, 'message:send', { chatId: chat.chatId, clientId: 'ping', body: 'ping público' })).ok).toBe(true);
    await arrived;
    expect(seen.length).toBe(1);
    expect(heard).toEqual([]);
    root.close();
    unknown.close();
    a.close();
  });
});

describe('without a trusted proxy (TRUST_PROXY unset)', () => {
  it('X-Forwarded-For is ignored: claiming other addresses does not escape the start limit', async () => {
    // one chat was started from this address in beforeAll; the limit is 3
    const statuses: number[] = [];
    for (const claimed of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const res = await http()
        .post('/api/live-chat/chats')
        .set('X-Forwarded-For', claimed)
        .set('X-Real-IP', claimed)
        .send({ name: 'N', email: 'n@example.com', question: 'q', departmentId: suporte });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 429]);
  });
});
