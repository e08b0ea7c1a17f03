/**
 * Floods and malformed input, behind a configured reverse proxy (TRUST_PROXY=true, one hop): the
 * rate limits are keyed on the address the proxy saw (the last X-Forwarded-For entry), never on
 * one the client wrote itself, and on the chat token; the server keeps serving everyone else.
 * Oversized payloads, wrong types, deep nesting, prototype keys, invalid UTF-8, lone surrogates
 * and raw malformed Engine.IO/Socket.IO packets get errors (or a closed connection) and never
 * bring the process down. Cross-site form posts cannot start a chat.
 *
 * Already proven elsewhere, not repeated here: per-chat message limit and per-address start
 * limit without a proxy (tests/integration/realtime/restart-and-limits.test.ts), leave-message
 * limits per address and e-mail (left-messages.test.ts), the bad visitor/agent command payloads of
 * tests/integration/realtime/guarantees.test.ts (undefined, null, strings, arrays, 100 KB
 * bodies, a lone surrogate in a message), CORS and the WebSocket Origin check (origins.test.ts).
 */
import net from 'net';
import { request as httpRequest } from 'http';
import request from 'supertest';
import WebSocket from 'ws';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, connected, createAgent, departmentId, listen, next, send, startChat, visitorSocket, type AnySocket } from '../helpers/realtime';

let app: TestApp;
let base: string;
let suporte: number;
let agent: { id: number; name: string; token: string; socket: AnySocket };
let realAddress = 0;

const http = () => request(app.strapi.server.httpServer);
/** What a proxy forwards: whatever the client claimed, then the address the proxy saw. */
const viaProxy = (real: string, claimed?: string) => ({ 'X-Forwarded-For': claimed ? `${claimed}, ${real}` : real });
const freshAddress = () => `10.1.${Math.floor(++realAddress / 250)}.${(realAddress % 250) + 1}`;
/** A POST whose body bytes are sent exactly as given (supertest would re-encode a Buffer). */
const rawPost = (path: string, headers: Record<string, string>, body: Buffer) => rawSend('POST', path, headers, body);
function rawSend(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
const chatCount = () => app.strapi.db.query('api::chat.chat').count();
const startBody = (extra: object = {}) => ({ name: 'Maria', email: 'maria@example.com', question: 'Ajuda', departmentId: suporte, ...extra });

/** A chat started and connected from `real` (through the proxy), the visitor claiming `claimed`. */
async function chatFrom(real: string, claimed?: string) {
  const started = await startChat(app.strapi, { departmentId: suporte }, viaProxy(freshAddress()));
  const v = visitorSocket(base, { chatId: started.chatId, token: started.token }, { extraHeaders: viaProxy(real, claimed) });
  await next(v, 'chat:state');
  return { ...started, v };
}

/** The server still answers HTTP and a real visitor still chats. */
async function stillServing() {
  await http().get('/api/live-chat/widget-config').expect(200);
  const chat = await chatFrom(freshAddress());
  expect((await send(chat.v, 'message:send', { clientId: 'alive', body: 'ainda funciona' })).ok).toBe(true);
  chat.v.close();
}

beforeAll(async () => {
  app = await startStrapi({
    env: {
      TRUST_PROXY: 'true',
      LIVE_CHAT_ORIGINS: 'https://shop.example',
      LIVE_CHAT_GRACE_SECONDS: '60',
      LIVE_CHAT_RATE_START_POINTS: '3',
      LIVE_CHAT_RATE_START_SECONDS: '600',
      LIVE_CHAT_RATE_MESSAGE_POINTS: '5',
      LIVE_CHAT_RATE_MESSAGE_SECONDS: '600',
      LIVE_CHAT_RATE_MESSAGE_IP_POINTS: '8',
      LIVE_CHAT_RATE_MESSAGE_IP_SECONDS: '600',
    },
  });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  const a = await createAgent(app.strapi);
  const socket = agentSocket(base, a.token);
  await next(socket, 'agent:state');
  await send(socket, 'presence:set', { presence: 'online' });
  agent = { ...a, socket };
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

describe('rate limits behind a proxy', () => {
  it('starting chats is limited per real address: a different X-Forwarded-For claim each time does not help', async () => {
    const real = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await http().post('/api/live-chat/chats').set(viaProxy(real, `203.0.113.${i + 1}`)).send(startBody());
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body.error.code).toBe('rate_limited');
      }
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    // another real address behind the same proxy is served
    await http().post('/api/live-chat/chats').set(viaProxy(freshAddress(), '203.0.113.1')).send(startBody()).expect(201);
  });

  it('messages are limited per chat token and per real address; other visitors keep chatting', async () => {
    const real = freshAddress();
    const one = await chatFrom(real, '198.51.100.1');
    const two = await chatFrom(real, '198.51.100.2');
    const sendN = async (v: AnySocket, n: number, tag: string) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const res = await send(v, 'message:send', { clientId: `${tag}-${i}`, body: `${tag} ${i}` });
        out.push(res.ok ? 'ok' : res.error.code);
      }
      return out;
    };
    // the chat's own limit (5), whatever address it comes from
    expect(await sendN(one.v, 6, 'one')).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'rate_limited']);
    // the address's limit (8 in all): the second chat of the same real address gets 3 more
    expect(await sendN(two.v, 4, 'two')).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
    // a reconnection claiming yet another address is still the same real address
    two.v.close();
    const again = visitorSocket(base, { chatId: two.chatId, token: two.token }, { extraHeaders: viaProxy(real, '192.0.2.77') });
    await next(again, 'chat:state');
    expect(await sendN(again, 1, 'again')).toEqual(['rate_limited']);
    // nothing refused was stored
    expect(await app.strapi.db.query('api::message.message').count({ where: { chatId: two.chatId } })).toBe(3);
    await stillServing();
  });
});

describe('oversized payloads', () => {
  it('every REST endpoint refuses a body over the limit with 413, and fields over their own limits with 400', async () => {
    const chat = await startChat(app.strapi, { departmentId: suporte }, viaProxy(freshAddress()));
    const big = 'x'.repeat(300 * 1024);
    const before = await chatCount();
    for (const [url, auth] of [
      ['/api/live-chat/chats', null],
      [`/api/live-chat/chats/${chat.chatId}/rating`, chat.token],
      [`/api/live-chat/chats/${chat.chatId}/transcript`, chat.token],
    ] as const) {
      const req = http().post(url).set(viaProxy(freshAddress()));
      if (auth) req.set('Authorization', `Bearer ${auth}`);
      const res = await req.send({ ...startBody(), comment: big, question: big });
      expect({ url, status: res.status }).toEqual({ url, status: 413 });
    }
    // fields past their own limits are named
    const res = await http()
      .post('/api/live-chat/chats')
      .set(viaProxy(freshAddress()))
      .send({ name: 'n'.repeat(101), email: `${'e'.repeat(250)}@x.io`, question: 'q'.repeat(2001), departmentId: suporte, pageUrl: `https://x.io/${'p'.repeat(2048)}`, locale: 'pt-BR-'.repeat(4) });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['email', 'locale', 'name', 'pageUrl', 'question']);
    expect(await chatCount()).toBe(before);
  });

  it('every socket event refuses an oversized payload; a packet over 1 MB only closes that connection', async () => {
    const chat = await chatFrom(freshAddress());
    const big = 'x'.repeat(900 * 1024);
    expect(await send(chat.v, 'message:send', { clientId: 'big', body: big })).toMatchObject({ ok: false, error: { code: 'message_too_long' } });
    expect(await send(chat.v, 'chat:leave-message', { body: big })).toMatchObject({ ok: false, error: { code: 'message_too_long' } });
    expect(await send(chat.v, 'messages:sync', { afterSeq: 0, junk: big })).toMatchObject({ ok: true }); // unknown keys are dropped
    expect(await send(chat.v, 'messages:sync', { afterSeq: big })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    chat.v.emit('typing:set', { typing: big });
    expect(await send(agent.socket, 'chat:accept', { chatId: big })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect((await send(agent.socket, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
    expect(await send(agent.socket, 'chat:close', { chatId: chat.chatId, reason: big })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(agent.socket, 'chat:close', { chatId: chat.chatId, tags: Array(5000).fill('t') })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(agent.socket, 'message:send', { chatId: chat.chatId, clientId: 'big', body: big })).toMatchObject({ ok: false, error: { code: 'message_too_long' } });
    expect(await send(agent.socket, 'presence:set', { presence: big })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(agent.socket, 'chat:transfer', { chatId: chat.chatId, departmentId: big })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // a handshake with a huge token
    const huge = visitorSocket(base, { chatId: chat.chatId, token: big }, { reconnection: false });
    await expect(connected(huge)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
    // over Socket.IO's maxHttpBufferSize: the connection is dropped, nobody else is
    const dropped = new Promise<string>((resolve) => chat.v.once('disconnect', (reason) => resolve(reason)));
    chat.v.emit('message:send', { clientId: 'huge', body: 'x'.repeat(1100 * 1024) }, () => undefined);
    expect(await dropped).toMatch(/transport (close|error)/);
    // the client reconnects by itself and finds its chat as it was
    expect((await next(chat.v, 'chat:state')).chat.status).toBe('active');
    expect(await send(agent.socket, 'messages:sync', { chatId: chat.chatId, afterSeq: 0 })).toMatchObject({ ok: true });
    expect((await send(agent.socket, 'chat:close', { chatId: chat.chatId })).ok).toBe(true);
  });
});

describe('wrong types, deep nesting and bad text', () => {
  it('REST: wrong types, non-object bodies, deeply nested JSON and prototype keys get 400', async () => {
    const before = await chatCount();
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const bodies: [string, string][] = [
      ['array', '[1,2,3]'],
      ['string', '"hello"'],
      ['number', '42'],
      ['null', 'null'],
      ['departmentId as string', JSON.stringify(startBody({ departmentId: String(suporte) }))],
      ['departmentId as object', JSON.stringify(startBody({ departmentId: { $gt: 0 } }))],
      ['name as array', JSON.stringify(startBody({ name: ['a', 'b'] }))],
      ['name as object', JSON.stringify(startBody({ name: { toString: 'x' } }))],
      ['email as number', JSON.stringify(startBody({ email: 1 }))],
      ['departmentId huge', JSON.stringify(startBody({ departmentId: 1e300 }))],
      ['departmentId float', JSON.stringify(startBody({ departmentId: 1.5 }))],
      ['deep nesting in a field', `{"name":${deep(50000)},"email":"a@b.co","question":"q","departmentId":${suporte}}`],
      ['deep objects', `${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}`],
      ['broken JSON', '{"name": "a", '],
    ];
    for (const [label, body] of bodies) {
      const res = await http().post('/api/live-chat/chats').set(viaProxy(freshAddress())).set('Content-Type', 'application/json').send(body);
      expect({ label, status: res.status }).toEqual({ label, status: 400 });
    }
    // a __proto__ key is refused by the JSON parser itself; constructor.prototype is just data
    const proto = await http()
      .post('/api/live-chat/chats')
      .set(viaProxy(freshAddress()))
      .set('Content-Type', 'application/json')
      .send(`{"__proto__":{"polluted":"yes","status":"active"},"name":"P","email":"p@example.com","question":"q","departmentId":${suporte}}`);
    expect(proto.status).toBe(400);
    const polluted = await http()
      .post('/api/live-chat/chats')
      .set(viaProxy(freshAddress()))
      .set('Content-Type', 'application/json')
      .send(`{"constructor":{"prototype":{"polluted":"yes","status":"active"}},"name":"P","email":"p@example.com","question":"q","departmentId":${suporte}}`);
    expect(polluted.status).toBe(201);
    expect(polluted.body.status).toBe('waiting');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await chatCount()).toBe(before + 1);
    const rating = await http().post(`/api/live-chat/chats/${polluted.body.chatId}/rating`).set('Authorization', `Bearer ${polluted.body.token}`).send({ rating: '5' });
    expect(rating.status).toBe(400);
  });

  it('REST: invalid UTF-8 and lone surrogates in any text field get 400 and store nothing', async () => {
    const before = await chatCount();
    const json = (name: string) => `{"name":"${name}","email":"u@example.com","question":"Pergunta","departmentId":${suporte}}`;
    const cases: [string, Buffer][] = [
      ['invalid UTF-8 byte', Buffer.concat([Buffer.from('{"name":"Mar'), Buffer.from([0xff, 0xfe]), Buffer.from(`ia","email":"u@example.com","question":"q","departmentId":${suporte}}`)])],
      ['overlong encoding', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from(`","email":"u@example.com","question":"q","departmentId":${suporte}}`)])],
      ['truncated sequence', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xe2, 0x82]), Buffer.from(`","email":"u@example.com","question":"q","departmentId":${suporte}}`)])],
      ['UTF-8 encoded surrogate', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`","email":"u@example.com","question":"q","departmentId":${suporte}}`)])],
      ['escaped lone high surrogate', Buffer.from(json('a\\ud800b'))],
      ['escaped lone low surrogate', Buffer.from(json('\\udc00'))],
    ];
    for (const [label, body] of cases) {
      const res = await rawPost('/api/live-chat/chats', { ...viaProxy(freshAddress()), 'Content-Type': 'application/json; charset=utf-8' }, body);
      expect({ label, status: res.status, code: res.body?.error?.code }).toEqual({ label, status: 400, code: 'validation_failed' });
    }
    expect(await chatCount()).toBe(before);
    // the control: a well-formed pair (an emoji) is fine
    const emoji = await rawPost('/api/live-chat/chats', { ...viaProxy(freshAddress()), 'Content-Type': 'application/json' }, Buffer.from(json('Ana \\ud83d\\ude00 ção')));
    expect(emoji.status).toBe(201);
    expect((await app.strapi.db.query('api::chat.chat').findOne({ where: { id: emoji.body.chatId } })).visitorName).toBe('Ana 😀 ção');
  });

  it('admin API (console, settings, analytics, privacy, Content Manager): invalid UTF-8 and lone surrogates get 400 and store nothing', async () => {
    const admin = { Authorization: `Bearer ${agent.token}`, 'Content-Type': 'application/json; charset=utf-8' };
    /** JSON with `bad` (raw bytes, or escaped text) spliced in where the text goes */
    const splice = (before: string, bad: Buffer | string, after: string) =>
      Buffer.concat([Buffer.from(before), typeof bad === 'string' ? Buffer.from(bad) : bad, Buffer.from(after)]);
    const bads: [string, Buffer | string][] = [
      ['invalid UTF-8 byte', Buffer.from([0xff, 0xfe])],
      ['overlong encoding', Buffer.from([0xc0, 0xaf])],
      ['truncated sequence', Buffer.from([0xe2, 0x82])],
      ['UTF-8 encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
      ['escaped lone high surrogate', 'a\\ud800b'],
      ['escaped lone low surrogate', '\\udc00'],
    ];
    const waiting = await startChat(app.strapi, { departmentId: suporte }, viaProxy(freshAddress()));
    const dep = await app.strapi.db.query('api::department.department').findOne({ where: { id: suporte } });
    const settingsBefore = (await http().get('/live-chat/settings').set(admin)).body;
    const messagesBefore = await app.strapi.db.query('api::message.message').count();
    const cannedBefore = await app.strapi.db.query('plugin::live-chat.canned-response').count();
    const targets: [string, string, string, string, string][] = [
      // [route, method, path, JSON before the text, JSON after it]
      ['console reply', 'POST', `/live-chat/chats/${waiting.chatId}/reply`, '{"body":"Resposta ', '"}'],
      ['settings (privacy notice)', 'PUT', '/live-chat/settings', '{"privacyNotice":"Aviso ', '"}'],
      ['settings (a key)', 'PUT', '/live-chat/settings', '{"', 'x":1}'],
      ['department settings', 'PUT', `/live-chat/departments/${suporte}`, '{"timezone":"America/Sao_Paulo","notificationEmail":"', '@example.com"}'],
      ['analytics: send to development', 'POST', '/live-chat/analytics/demands/send', `{"departmentId":${suporte},"term":"boleto `, '"}'],
      ['privacy erasure', 'POST', '/live-chat/privacy/erase', '{"email":"', '@example.com"}'],
      ['canned response (Content Manager)', 'POST', '/content-manager/collection-types/plugin::live-chat.canned-response', '{"title":"Saudação ', '","shortcut":"oi","body":"Olá!","active":true}'],
      ['department name (Content Manager)', 'PUT', `/content-manager/collection-types/api::department.department/${dep.documentId}`, '{"name":"Suporte ', '"}'],
    ];
    for (const [route, method, path, before, after] of targets) {
      for (const [label, bad] of bads) {
        const res = await rawSend(method, path, admin, splice(before, bad, after));
        const refused = res.status === 400 && (res.body?.error?.code === 'validation_failed' || res.body?.error?.name === 'ValidationError');
        expect({ route, label, refused, status: res.status }).toEqual({ route, label, refused: true, status: 400 });
      }
    }
    // nothing was stored
    expect((await http().get('/live-chat/settings').set(admin)).body).toEqual(settingsBefore);
    expect(await app.strapi.db.query('api::message.message').count()).toBe(messagesBefore);
    expect(await app.strapi.db.query('plugin::live-chat.canned-response').count()).toBe(cannedBefore);
    expect((await app.strapi.db.query('api::department.department').findOne({ where: { id: suporte } })).name).toBe(dep.name);
    // the controls: well-formed text, an emoji (a surrogate pair) included, is accepted
    const notice = await rawSend('PUT', '/live-chat/settings', admin, Buffer.from('{"privacyNotice":"Aviso \\ud83d\\ude00 ção"}'));
    expect(notice.status).toBe(200);
    expect(notice.body.settings.privacyNotice).toBe('Aviso 😀 ção');
    const canned = await rawSend('POST', '/content-manager/collection-types/plugin::live-chat.canned-response', admin, Buffer.from('{"title":"Saudação 😀","shortcut":"oi","body":"Olá!","active":true}'));
    expect(canned.status).toBe(201);
    await rawSend('PUT', '/live-chat/settings', admin, Buffer.from(JSON.stringify({ privacyNotice: settingsBefore.settings.privacyNotice })));
  });

  it('socket events: deep nesting, prototype keys, lone surrogates and objects in place of strings get errors', async () => {
    const chat = await chatFrom(freshAddress());
    let nested: unknown = 'x';
    for (let i = 0; i < 2000; i++) nested = { a: nested };
    expect(await send(chat.v, 'message:send', { clientId: 'deep', body: nested })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(chat.v, 'message:send', JSON.parse('{"__proto__":{"body":"via proto","clientId":"proto"}}'))).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(({} as Record<string, unknown>).body).toBeUndefined();
    expect(await send(chat.v, 'chat:leave-message', { body: 'oi \udfff' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(agent.socket, 'chat:close', { chatId: chat.chatId, reason: '\ud800', tags: ['ok'] })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await send(agent.socket, 'chat:close', { chatId: chat.chatId, tags: [{ $ne: 1 }] })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect((await send(chat.v, 'message:send', { clientId: 'fine', body: 'ok' })).ok).toBe(true);
  });
});

/** A raw Engine.IO v4 WebSocket, as any script could open one. */
function rawSocket(): Promise<{ ws: WebSocket; closed: Promise<number>; frames: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('message', (data) => frames.push(data.toString()));
    ws.once('open', () => resolve({ ws, closed, frames }));
    ws.once('error', reject);
  });
}

describe('raw malformed Engine.IO and Socket.IO packets', () => {
  it('none of them brings the process down, nor does a text frame of invalid UTF-8 or a forged polling session; the server keeps serving', async () => {
    const chat = await startChat(app.strapi, { departmentId: suporte }, viaProxy(freshAddress()));
    const auth = JSON.stringify({ chatId: chat.chatId, token: chat.token });
    const packets: (string | Buffer)[] = [
      '',
      'x',
      '9',
      '0{"sid":"forged"}',
      '1',
      '2probe',
      '5',
      '6',
      '4',
      '40/nope,',
      '40/visitor,{"chatId":',
      '40/visitor,[1,2]',
      '40/visitor,"str"',
      '40/visitor,null',
      '40/agent,{"token":{"$ne":null}}',
      '42["message:send"',
      '42/visitor,["message:send",{"clientId":"a","body":"b"}]',
      `40/visitor,${auth}`,
      '42/visitor,1[',
      '42/visitor,["message:send"]',
      '42/visitor,[{"not":"a name"}]',
      '42/visitor,[null,1]',
      '42/visitor,99999999999999999999["message:send",{"clientId":"c","body":"d"}]',
      '43/visitor,7[{"ok":true}]',
      '44/visitor,{"message":"x"}',
      '451-/visitor,["message:send",{"_placeholder":true,"num":0}]',
      '45999999999-/visitor,["x",{"_placeholder":true,"num":0}]',
      '452-/visitor,["x",{"_placeholder":true,"num":5}]',
      Buffer.from([0x00, 0xff, 0x13, 0x37]),
      `42/visitor,${'['.repeat(100000)}`,
      `42/visitor,["message:send",${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}]`,
      '41/visitor,',
      '4' + 'x'.repeat(200 * 1024),
    ];
    for (const packet of packets) {
      const { ws, closed } = await rawSocket();
      ws.send('40');
      ws.send(packet);
      // then something the server must answer if the connection is still up: a ping from the client is not
      // part of EIO4, so ask the visitor namespace to connect and wait for its answer or the close
      const answered = new Promise<void>((resolve) => ws.on('message', () => resolve()));
      ws.send(`40/visitor,${auth}`);
      await Promise.race([answered, closed]);
      ws.terminate();
    }
    // a text frame that is not valid UTF-8: the WebSocket layer closes that connection (1007)
    const bad = await rawSocket();
    bad.ws.send(Buffer.from([0x34, 0x32, 0xff, 0xfe]), { binary: false });
    expect(await bad.closed).toBe(1007);
    // long-polling with a forged session id or garbage
    await http().get('/socket.io/?EIO=4&transport=polling&sid=forged').expect(400);
    await http().post('/socket.io/?EIO=4&transport=polling&sid=forged').send('42["x"]').expect(400);
    await http().get('/socket.io/?EIO=99&transport=polling').expect(400);
    await http().get('/socket.io/?EIO=4&transport=carrier-pigeon').expect(400);
    await stillServing();
  });

  it('a half-sent HTTP request line or headers does not hold the server', async () => {
    const port = Number(new URL(base).port);
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write('POST /api/live-chat/chats HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}');
    const reply = await new Promise<string>((resolve) => sock.once('data', (d) => resolve(d.toString())));
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    await closed;
    await stillServing();
  });
});

describe('allowed origins on long-polling', () => {
  it('a long-polling handshake from a site not allowed is refused; the allowed site and the server itself connect', async () => {
    const handshake = (origin?: string) => {
      const req = http().get('/socket.io/?EIO=4&transport=polling');
      return origin ? req.set('Origin', origin) : req;
    };
    expect((await handshake('https://evil.example')).status).toBe(403);
    expect((await handshake('null')).status).toBe(403);
    const allowed = await handshake('https://shop.example');
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(allowed.text).toMatch(/^0\{"sid"/);
    // (later requests of a session are not re-checked: their session id came in a response that
    // CORS kept from any other site)
    // the REST API answers CORS for the allowed site only (the WebSocket upgrade: origins.test.ts)
    const preflight = await http().options('/api/live-chat/chats').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('cross-site form posts', () => {
  it('a form on another site cannot start a chat (url-encoded, multipart or text/plain)', async () => {
    const before = await chatCount();
    const fields = { name: 'Vítima', email: 'vitima@example.com', question: 'enviado por outro site', departmentId: String(suporte) };
    const evil = { Origin: 'https://evil.example', Referer: 'https://evil.example/form.html' };
    const urlencoded = await http().post('/api/live-chat/chats').set(evil).set(viaProxy(freshAddress())).type('form').send(fields);
    const multipart = http().post('/api/live-chat/chats').set(evil).set(viaProxy(freshAddress()));
    for (const [k, v] of Object.entries(fields)) multipart.field(k, v);
    const text = await http()
      .post('/api/live-chat/chats')
      .set(evil)
      .set(viaProxy(freshAddress()))
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify({ ...fields, departmentId: suporte }));
    for (const [label, res] of [['urlencoded', urlencoded], ['multipart', await multipart], ['text/plain', text]] as const) {
      expect({ label, refused: res.status >= 400 && res.status < 500 }).toEqual({ label, refused: true });
    }
    expect(await chatCount()).toBe(before);
    // the rating by a form: no Authorization header can be sent, so it is refused too
    const form = await http().post(`/api/live-chat/chats/1/rating`).set(evil).type('form').send({ rating: '1' });
    expect(form.status).toBe(401);
  });
});
