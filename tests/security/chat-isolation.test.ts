/**
 * A visitor's chat token is the only key to its chat (DESIGN.md, trust boundaries). Here an
 * attacker holds a valid token of chat A (its own chat) and tries to reach chat B: every visitor
 * endpoint and event, guessed and altered tokens, tokens of chats past their post-closing window,
 * transcripts sent elsewhere or twice, files of another chat and forged file links; and an agent
 * who does not serve a department tries to act on its chats.
 *
 * Already proven elsewhere, not repeated here: another chat's token on upload/attachment and a
 * tampered or expired signed URL (tests/integration/realtime/files.test.ts), no/guessed/other
 * tokens at the handshake and another department's accept/send/note/close
 * (tests/integration/realtime/guarantees.test.ts), the transcript's basic once-only rule
 * (tests/integration/realtime/left-messages.test.ts), the console's history, transcripts and
 * earlier chats limited to an agent's departments (tests/integration/console/history.test.ts) and
 * left-message replies (tests/integration/console/reply.test.ts).
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, collect, connected, createAgent, departmentId, listen, next, send, startChat, startConnectedChat, visitorSocket, type AnySocket } from '../helpers/realtime';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'uploads');
const PNG = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
const WINDOW_SECONDS = 3600;

let app: TestApp;
let base: string;
let sink: SmtpSink;
let suporte: number;
let financeiro: number;
let ana: { id: number; name: string; token: string; socket: AnySocket };
let bia: { id: number; name: string; token: string; socket: AnySocket };
type Chat = Awaited<ReturnType<typeof startConnectedChat>> & { attachmentId: number };
let A: Chat;
let B: Chat;

const http = () => request(app.strapi.server.httpServer);
const chatRow = (id: number) => app.strapi.db.query('api::chat.chat').findOne({ where: { id } });
const messagesOf = (chatId: number) => app.strapi.db.query('api::message.message').findMany({ where: { chatId }, orderBy: { seq: 'asc' } });

async function onlineAgent(opts: { superAdmin?: boolean; departments?: number[] } = {}) {
  const agent = await createAgent(app.strapi, opts);
  const socket = agentSocket(base, agent.token);
  await next(socket, 'agent:state');
  expect((await send(socket, 'presence:set', { presence: 'online' })).ok).toBe(true);
  return { ...agent, socket };
}

const upload = (token: string | null, chatId: number | string, name = 'x.png') => {
  const req = http().post(`/api/live-chat/chats/${chatId}/files`);
  if (token !== null) req.set('Authorization', `Bearer ${token}`);
  return req.attach('file', PNG, { filename: name, contentType: 'image/png' });
};

/** An accepted chat of Suporte with one message each way and one file from the visitor. */
async function activeChat(question: string, email = 'maria@example.com'): Promise<Chat> {
  const chat = await startConnectedChat(app.strapi, base, { departmentId: suporte, question, email });
  expect((await send(ana.socket, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
  expect((await send(chat.v, 'message:send', { clientId: 'v1', body: `${question} (visitor)` })).ok).toBe(true);
  expect((await send(ana.socket, 'message:send', { chatId: chat.chatId, clientId: 'a1', body: `${question} (agent)` })).ok).toBe(true);
  const file = await upload(chat.token, chat.chatId, `${question}.png`).expect(201);
  return { ...chat, attachmentId: file.body.message.attachment.id };
}

beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startStrapi({
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      EMAIL_FROM: 'Atendimento <atendimento@example.com>',
      LIVE_CHAT_GRACE_SECONDS: '60',
      LIVE_CHAT_POST_CLOSE_SECONDS: String(WINDOW_SECONDS),
      LIVE_CHAT_RATE_START_POINTS: '1000',
      LIVE_CHAT_RATE_MESSAGE_POINTS: '1000',
    },
  });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  financeiro = await departmentId(app.strapi, 'Financeiro');
  ana = await onlineAgent();
  bia = await onlineAgent({ superAdmin: false, departments: [financeiro] });
  A = await activeChat('segredo de A');
  B = await activeChat('segredo de B', 'bruno@example.com');
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
  await sink?.close();
});

describe('chat token A against chat B', () => {
  it('every visitor endpoint and the handshake refuse wrong, altered and guessed tokens for chat B', async () => {
    const flip = (t: string) => t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
    const wrongTokens: Record<string, string> = {
      "chat A's token": A.token,
      'B with its last character changed': flip(B.token),
      'B truncated': B.token.slice(0, -1),
      'B with a character more': `${B.token}A`,
      'B upper-cased': B.token.toUpperCase() === B.token ? B.token.toLowerCase() : B.token.toUpperCase(),
      "B's stored hash": crypto.createHash('sha256').update(B.token).digest('hex'),
      'a random token of the same form': crypto.randomBytes(Buffer.from(B.token, 'base64url').length || 32).toString('base64url'),
      'null': 'null',
      'undefined': 'undefined',
    };
    const outcomes: { endpoint: string; token: string; status: number | string }[] = [];
    const expected: typeof outcomes = [];
    for (const [label, token] of Object.entries(wrongTokens)) {
      const bearer = { Authorization: `Bearer ${token}` };
      const rows: [string, () => Promise<number | string>][] = [
        ['POST rating', async () => (await http().post(`/api/live-chat/chats/${B.chatId}/rating`).set(bearer).send({ rating: 1 })).status],
        ['POST transcript', async () => (await http().post(`/api/live-chat/chats/${B.chatId}/transcript`).set(bearer).send({})).status],
        ['POST files', async () => (await upload(token, B.chatId)).status],
        ['GET attachment', async () => (await http().get(`/api/live-chat/chats/${B.chatId}/attachments/${B.attachmentId}`).set(bearer)).status],
        [
          'socket handshake',
          async () => {
            const s = visitorSocket(base, { chatId: B.chatId, token }, { reconnection: false });
            try {
              await connected(s);
              return 'connected';
            } catch (e) {
              return (e as { data?: { code: string } }).data?.code ?? 'error';
            } finally {
              s.close();
            }
          },
        ],
      ];
      for (const [endpoint, run] of rows) {
        outcomes.push({ endpoint, token: label, status: await run() });
        expected.push({ endpoint, token: label, status: endpoint === 'socket handshake' ? 'unauthorized' : 401 });
      }
    }
    expect(outcomes).toEqual(expected);
    // the token somewhere else than the Authorization header opens nothing either
    await http().get(`/api/live-chat/chats/${B.chatId}/attachments/${B.attachmentId}?token=${B.token}`).expect(401);
    await http().get(`/api/live-chat/chats/${B.chatId}/attachments/${B.attachmentId}`).set('Cookie', `token=${B.token}`).expect(401);
    await http().get(`/api/live-chat/chats/${B.chatId}/attachments/${B.attachmentId}`).set('Authorization', B.token).expect(401);
    // the control: B's own token opens B's file, so the refusals above are about the token
    await http().get(`/api/live-chat/chats/${B.chatId}/attachments/${B.attachmentId}`).set('Authorization', `Bearer ${B.token}`).expect(200);
    // nothing was written to B by all that
    expect((await chatRow(B.chatId)).rating).toBeNull();
    expect((await messagesOf(B.chatId)).length).toBe(3);
  });

  it("ids that are not B's own do not reach B: odd spellings of the id in the path", async () => {
    for (const id of [`${B.chatId}.0`, `0${B.chatId}`, `${B.chatId}%00`, `${B.chatId}abc`, '-1', '0', '99999999999', `${A.chatId},${B.chatId}`]) {
      const res = await http().get(`/api/live-chat/chats/${id}/attachments/${B.attachmentId}`).set('Authorization', `Bearer ${A.token}`);
      expect({ id, status: [400, 401, 404].includes(res.status) }).toEqual({ id, status: true });
      expect(JSON.stringify(res.body)).not.toContain('/files/');
    }
  });

  it("inside its own socket, A cannot name chat B: commands carry no chat id, agents' commands are ignored", async () => {
    const atB = collect(B.v, 'message:created');
    const bBefore = await messagesOf(B.chatId);
    // a chat id in the payload is dropped; the message goes to A's own chat
    const sent = await send(A.v, 'message:send', { clientId: 'smuggle', body: 'para B?', chatId: B.chatId });
    expect(sent.ok).toBe(true);
    expect(sent.message.chatId ?? A.chatId).toBe(A.chatId);
    const synced = await send(A.v, 'messages:sync', { afterSeq: 0, chatId: B.chatId });
    expect(synced.ok).toBe(true);
    expect(JSON.stringify(synced.messages)).not.toContain('segredo de B');
    expect(synced.messages.map((m: { body: string }) => m.body)).toContain('para B?');
    // the agents' commands do not exist on the visitor namespace: no answer, no effect
    for (const [event, payload] of [
      ['chat:close', { chatId: B.chatId }],
      ['chat:accept', { chatId: B.chatId }],
      ['chat:transfer', { chatId: B.chatId, departmentId: financeiro }],
      ['message:send', { chatId: B.chatId, clientId: 'note', body: 'nota', visibility: 'agents' }],
    ] as const) {
      if (event === 'message:send') {
        // visibility is dropped too: a visitor cannot write a private note
        const res = await send(A.v, event, payload);
        expect(res.ok).toBe(true);
        expect(res.message.visibility ?? 'public').toBe('public');
      } else {
        A.v.emit(event, payload, () => undefined);
      }
    }
    // one more round trip: the server has handled everything sent before it
    expect((await send(A.v, 'messages:sync', { afterSeq: 0 })).ok).toBe(true);
    expect(await chatRow(B.chatId)).toMatchObject({ status: 'active' });
    expect(await messagesOf(B.chatId)).toEqual(bBefore);
    expect(atB).toEqual([]);
    // A's reconnection with B's id and A's token is refused, whatever lastSeq says
    const s = visitorSocket(base, { chatId: B.chatId, token: A.token, lastSeq: 0 }, { reconnection: false });
    await expect(connected(s)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
  });

  it("a visitor never receives the agents' private notes, live or replayed", async () => {
    const live = collect(A.v, 'message:created');
    expect((await send(ana.socket, 'message:send', { chatId: A.chatId, clientId: 'n-secret', body: 'nota interna sobre o cliente', visibility: 'agents' })).ok).toBe(true);
    const publicOne = next(A.v, 'message:created', (m) => m.body === 'depois da nota');
    expect((await send(ana.socket, 'message:send', { chatId: A.chatId, clientId: 'after-note', body: 'depois da nota' })).ok).toBe(true);
    await publicOne;
    const replay = await send(A.v, 'messages:sync', { afterSeq: 0 });
    const state = visitorSocket(base, { chatId: A.chatId, token: A.token, lastSeq: 0 });
    const { messages } = await next(state, 'chat:state');
    state.close();
    for (const seen of [live, replay.messages, messages]) expect(JSON.stringify(seen)).not.toContain('nota interna');
  });
});

describe('files', () => {
  it("a signed link is bound to its file: B's file cannot be reached with A's link, and the path cannot escape", async () => {
    const linkA = (await http().get(`/api/live-chat/chats/${A.chatId}/attachments/${A.attachmentId}`).set('Authorization', `Bearer ${A.token}`).expect(200)).body.url as string;
    const linkB = (await http().get(`/api/live-chat/chats/${B.chatId}/attachments/${B.attachmentId}`).set('Authorization', `Bearer ${B.token}`).expect(200)).body.url as string;
    const [pathA, queryA] = linkA.split('?');
    const [pathB, queryB] = linkB.split('?');
    await http().get(linkB).expect(200); // the control
    // A's signature on B's path
    expect((await http().get(`${pathB}?${queryA}`)).status).toBe(403);
    // B's signature with another expiry (extending its life)
    const exp = Number(new URLSearchParams(queryB).get('exp'));
    expect((await http().get(`${pathB}?exp=${exp + 3600}&sig=${new URLSearchParams(queryB).get('sig')}`)).status).toBe(403);
    // traversal and odd names, signed or not: never a file outside the store
    for (const p of ['/files/../package.json', '/files/..%2f..%2fpackage.json', '/files/%2e%2e/%2e%2e/package.json', `${pathA}/../../package.json`, '/files/.env', `${pathA}%00.html`, `${pathA.toUpperCase()}`]) {
      const res = await http().get(`${p}?${queryA}`);
      expect({ p, refused: res.status === 403 || res.status === 404 }).toEqual({ p, refused: true });
      expect(res.text ?? '').not.toMatch(/"dependencies"|APP_KEYS/);
    }
  });

  it('an agent who does not serve the department can neither upload to the chat nor open its files', async () => {
    expect((await upload(bia.token, A.chatId)).status).toBe(401);
    await http().get(`/api/live-chat/chats/${A.chatId}/attachments/${A.attachmentId}`).set('Authorization', `Bearer ${bia.token}`).expect(401);
    // the control: the chat's own agent can
    await http().get(`/api/live-chat/chats/${A.chatId}/attachments/${A.attachmentId}`).set('Authorization', `Bearer ${ana.token}`).expect(200);
  });
});

describe('after the closing', () => {
  it("a closed chat's token works within the post-closing window and is refused everywhere after it", async () => {
    const chat = await activeChat('fechada há tempo');
    expect((await send(ana.socket, 'chat:close', { chatId: chat.chatId, reason: 'resolved' })).ok).toBe(true);
    const bearer = { Authorization: `Bearer ${chat.token}` };
    // within the window: read-only access remains
    const within = visitorSocket(base, { chatId: chat.chatId, token: chat.token });
    expect((await next(within, 'chat:state')).chat.status).toBe('closed');
    expect(await send(within, 'message:send', { clientId: 'late', body: 'ainda aí?' })).toMatchObject({ ok: false, error: { code: 'chat_closed' } });
    within.close();
    await http().get(`/api/live-chat/chats/${chat.chatId}/attachments/${chat.attachmentId}`).set(bearer).expect(200);

    // past the window: closed a window and a second ago
    await app.strapi.db.query('api::chat.chat').update({ where: { id: chat.chatId }, data: { closedAt: new Date(Date.now() - (WINDOW_SECONDS + 1) * 1000) } });
    const late = visitorSocket(base, { chatId: chat.chatId, token: chat.token }, { reconnection: false });
    await expect(connected(late)).rejects.toMatchObject({ data: { code: 'chat_closed' } });
    expect((await http().post(`/api/live-chat/chats/${chat.chatId}/rating`).set(bearer).send({ rating: 5 })).body.error.code).toBe('expired');
    expect((await http().post(`/api/live-chat/chats/${chat.chatId}/transcript`).set(bearer).send({})).body.error.code).toBe('expired');
    await http().get(`/api/live-chat/chats/${chat.chatId}/attachments/${chat.attachmentId}`).set(bearer).expect(401);
    expect((await upload(chat.token, chat.chatId)).status).toBe(401);
    expect((await chatRow(chat.chatId)).rating).toBeNull();
  });
});

describe('the transcript', () => {
  it('goes once to the address given at the start, whatever the request says, even to ten requests at once', async () => {
    const chat = await activeChat('transcrição', 'dona@example.com');
    expect((await send(ana.socket, 'chat:close', { chatId: chat.chatId })).ok).toBe(true);
    const url = `/api/live-chat/chats/${chat.chatId}/transcript`;
    const bearer = { Authorization: `Bearer ${chat.token}` };
    for (const body of [{ email: 'attacker@evil.test' }, { to: 'attacker@evil.test' }, { bcc: ['attacker@evil.test'] }, { cc: 'attacker@evil.test' }, ['attacker@evil.test'], 'attacker@evil.test']) {
      const res = await http().post(url).set(bearer).send(body as object);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    // a query string is not a field: ignored, the mail still goes to the chat's own address
    const answers = await Promise.all(Array.from({ length: 10 }, () => http().post(`${url}?email=attacker@evil.test`).set(bearer).send({})));
    expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    const mail = await sink.waitFor((m) => m.subject.includes(`#${chat.chatId}`));
    expect(mail.to).toEqual(['dona@example.com']);
    // another mail passes through the sink after it: had a second transcript been sent, it came first
    const marker = await activeChat('marcador', 'marcador@example.com');
    expect((await send(ana.socket, 'chat:close', { chatId: marker.chatId })).ok).toBe(true);
    await http().post(`/api/live-chat/chats/${marker.chatId}/transcript`).set('Authorization', `Bearer ${marker.token}`).send({}).expect(200);
    await sink.waitFor((m) => m.to.includes('marcador@example.com'));
    expect(sink.mails.filter((m) => m.subject.includes(`#${chat.chatId}`)).length).toBe(1);
    expect(sink.mails.some((m) => JSON.stringify(m.to).includes('evil.test'))).toBe(false);
  });

  it('a start form cannot smuggle recipients or headers into the e-mail address or the name', async () => {
    for (const email of ['dona@example.com,attacker@evil.test', 'dona@example.com\r\nBcc: attacker@evil.test', '"x" <attacker@evil.test>', 'dona@example.com;attacker@evil.test']) {
      const res = await http().post('/api/live-chat/chats').send({ name: 'X', email, question: 'q', departmentId: suporte });
      expect({ email, status: res.status, code: res.body.error?.code }).toEqual({ email, status: 400, code: 'validation_failed' });
    }
    // a name with a line break stays in the name: the mail goes to the chat's address only
    const started = await startChat(app.strapi, { departmentId: suporte, email: 'nome@example.com', name: 'Ana\r\nBcc: attacker@evil.test\r\nX-Injected: 1' });
    const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
    await next(v, 'chat:state');
    expect((await send(ana.socket, 'chat:accept', { chatId: started.chatId })).ok).toBe(true);
    expect((await send(ana.socket, 'chat:close', { chatId: started.chatId })).ok).toBe(true);
    await http().post(`/api/live-chat/chats/${started.chatId}/transcript`).set('Authorization', `Bearer ${started.token}`).send({}).expect(200);
    const mail = await sink.waitFor((m) => m.to.includes('nome@example.com'));
    expect(mail.to).toEqual(['nome@example.com']);
    expect(mail.parsed.headers.has('x-injected')).toBe(false);
    expect(mail.parsed.headers.has('bcc')).toBe(false);
  });
});

describe('an agent and the departments it does not serve', () => {
  it('sees none of their queue, and can neither transfer their chats nor type into them', async () => {
    const queued = collect(bia.socket, 'queue:added');
    const suporteChat = await startConnectedChat(app.strapi, base, { departmentId: suporte, question: 'fila do suporte' });
    const financeChat = await startConnectedChat(app.strapi, base, { departmentId: financeiro, question: 'fila do financeiro' });
    // the same process emits in order: once Financeiro's arrived, Suporte's would have come first
    if (!queued.some((q) => q.chatId === financeChat.chatId)) await next(bia.socket, 'queue:added', (q) => q.chatId === financeChat.chatId);
    expect(queued.map((q) => q.chatId)).not.toContain(suporteChat.chatId);
    expect(queued.map((q) => q.chatId)).toContain(financeChat.chatId);
    // a fresh connection's state lists only its departments' queue
    const again = agentSocket(base, bia.token);
    const state = await next(again, 'agent:state');
    again.close();
    expect(state.queue.map((q: { chatId: number }) => q.chatId)).not.toContain(suporteChat.chatId);
    expect(JSON.stringify(state)).not.toContain('segredo de A');

    // transfer someone else's chat, of a department it does not serve, to its own
    expect(await send(bia.socket, 'chat:transfer', { chatId: A.chatId, departmentId: financeiro })).toMatchObject({ ok: false, error: { code: 'not_serving_department' } });
    expect(await send(bia.socket, 'chat:transfer', { chatId: A.chatId, agentId: bia.id })).toMatchObject({ ok: false });
    expect(await chatRow(A.chatId)).toMatchObject({ status: 'active' });
    // typing into A: the visitor hears nothing. Bia's refused sync is answered after its typing
    // was handled (one connection, in order), so Ana's typing is the first the visitor may get
    const typing = collect(A.v, 'typing');
    bia.socket.emit('typing:set', { chatId: A.chatId, typing: true });
    expect(await send(bia.socket, 'messages:sync', { chatId: A.chatId, afterSeq: 0 })).toMatchObject({ ok: false, error: { code: 'not_serving_department' } });
    ana.socket.emit('typing:set', { chatId: A.chatId, typing: true });
    if (!typing.length) await next(A.v, 'typing');
    expect(typing.map((t) => t.name)).toEqual([ana.name]);
    // the control: it can accept its own department's chat
    expect((await send(bia.socket, 'chat:accept', { chatId: financeChat.chatId })).ok).toBe(true);
  });
});
