/**
 * Upload attacks at the HTTP level, against the running app: several files at once, bodies over
 * 10 MiB with no Content-Length (chunked) or a lying one, a slow upload that never ends, and
 * hostile file names (null bytes, case games, Windows device names, 1,000 characters, paths,
 * quotes that would break the download header). Whatever happens, nothing refused stays on disk,
 * neither in the store nor in the parser's temporary folder, and the server keeps serving.
 *
 * Already proven elsewhere, not repeated here: every fixture of tests/fixtures/uploads with its
 * MANIFEST verdict (forbidden types, `x.php.png`, HTML/SVG/zip/executables named .png, the empty
 * file, the PDF with script and the HTML named .sql only ever served as downloads with nosniff),
 * 10 MiB exactly and 10 MiB + 1 byte with an honest Content-Length
 * (tests/integration/realtime/files.test.ts and tests/integration/uploads.test.ts).
 */
import fs from 'fs';
import net from 'net';
import { request as httpRequest } from 'http';
import path from 'path';
import request from 'supertest';
import { listFiles, startStrapi, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, startConnectedChat } from '../helpers/realtime';
import { MAX_FILE_BYTES_CEILING } from '../../src/upload/rules';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'uploads');
const PNG = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
const JPG = fs.readFileSync(path.join(FIXTURES, 'sample.jpg'));

let app: TestApp;
let base: string;
let port: number;
let chat: Awaited<ReturnType<typeof startConnectedChat>>;

const http = () => request(app.strapi.server.httpServer);
const stored = () => listFiles(app.uploadsDir);
const temporary = () => listFiles(app.uploadTmpDir);
const attachments = () => app.strapi.db.query('plugin::upload.file').count();

/** Polls a condition that has no event (a file removed from a folder), for at most `ms`. */
async function eventually(check: () => boolean, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw HTTP/1.1 connection, to send what no well-behaved client would. */
function rawConnection() {
  const sock = net.connect(port, '127.0.0.1');
  let received = '';
  sock.on('data', (d) => (received += d.toString('latin1')));
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  const opened = new Promise<void>((r) => sock.once('connect', () => r()));
  return {
    sock,
    opened,
    closed,
    received: () => received,
    /** the status line of the first response, once it arrived */
    status: () =>
      new Promise<number>((resolve) => {
        const check = () => {
          const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
          if (m) return resolve(Number(m[1]));
        };
        sock.on('data', check);
        sock.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)));
        check();
      }),
  };
}

const BOUNDARY = '----security-boundary';
const partHead = (name = 'big.png', field = 'file') =>
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`);
const partTail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const requestHead = (headers: Record<string, string>) =>
  Buffer.from(
    `POST /api/live-chat/chats/${chat.chatId}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${chat.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n'
  );

beforeAll(async () => {
  app = await startStrapi({
    env: {
      LIVE_CHAT_GRACE_SECONDS: '60',
      LIVE_CHAT_RATE_MESSAGE_POINTS: '1000',
      LIVE_CHAT_RATE_MESSAGE_IP_POINTS: '1000',
      // a slow upload is cut off after this long (the default is Node's 5 minutes)
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_CONNECTIONS_CHECK_MS: '250',
    },
  });
  base = await listen(app.strapi);
  port = Number(new URL(base).port);
  const agent = await createAgent(app.strapi);
  const socket = agentSocket(base, agent.token);
  await next(socket, 'agent:state');
  await send(socket, 'presence:set', { presence: 'online' });
  chat = await startConnectedChat(app.strapi, base, { departmentId: await departmentId(app.strapi, 'Suporte') });
  expect((await send(socket, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

/** The server is up and still takes a good file. */
async function stillServing() {
  const before = stored().length;
  const res = await http().post(`/api/live-chat/chats/${chat.chatId}/files`).set('Authorization', `Bearer ${chat.token}`).attach('file', PNG, 'ok.png');
  expect(res.status).toBe(201);
  expect(stored().length).toBe(before + 1);
}

describe('sizes and bodies', () => {
  it('two files in one request — together over the limit, or small — are refused; nothing stays', async () => {
    const before = { stored: stored(), rows: await attachments() };
    const half = Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024 - PNG.length)]);
    for (const [a, b] of [
      [half, half],
      [PNG, PNG],
    ]) {
      const res = await http().post(`/api/live-chat/chats/${chat.chatId}/files`).set('Authorization', `Bearer ${chat.token}`).attach('file', a, 'a.png').attach('file', b, 'b.png');
      expect([400, 413]).toContain(res.status);
      // and the second file under another field name
      const other = await http().post(`/api/live-chat/chats/${chat.chatId}/files`).set('Authorization', `Bearer ${chat.token}`).attach('file', a, 'a.png').attach('other', b, 'b.png');
      expect([400, 413]).toContain(other.status);
    }
    expect(stored()).toEqual(before.stored);
    expect(await attachments()).toBe(before.rows);
    await eventually(() => temporary().length === 0);
  });

  it('over 10 MiB with no Content-Length (chunked) is refused with 413; nothing stays', async () => {
    const before = stored();
    const conn = rawConnection();
    await conn.opened;
    conn.sock.write(requestHead({ 'Transfer-Encoding': 'chunked' }));
    const body = Buffer.concat([partHead(), PNG, Buffer.alloc(MAX_FILE_BYTES_CEILING + 1 - PNG.length), partTail]);
    const status = conn.status();
    for (let i = 0; i < body.length; i += 256 * 1024) {
      const chunk = body.subarray(i, i + 256 * 1024);
      if (!conn.sock.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))) {
        await new Promise((r) => conn.sock.once('drain', r));
      }
      if (conn.sock.destroyed) break;
    }
    if (!conn.sock.destroyed) conn.sock.write('0\r\n\r\n');
    expect(await status).toBe(413);
    conn.sock.destroy();
    expect(stored()).toEqual(before);
    await eventually(() => temporary().length === 0);
  });

  it('a Content-Length smaller than the body: the part is cut short and refused; the rest is not a request', async () => {
    const before = { stored: stored(), rows: await attachments() };
    const conn = rawConnection();
    await conn.opened;
    const body = Buffer.concat([partHead(), PNG, Buffer.alloc(MAX_FILE_BYTES_CEILING + 1024 - PNG.length), partTail]);
    const status = conn.status();
    conn.sock.write(requestHead({ 'Content-Length': String(1024 * 1024) }));
    conn.sock.end(body);
    expect(await status).toBeGreaterThanOrEqual(400);
    await conn.closed;
    expect(conn.received()).not.toMatch(/HTTP\/1\.1 201/);
    expect(stored()).toEqual(before.stored);
    expect(await attachments()).toBe(before.rows);
    await eventually(() => temporary().length === 0);
  });

  it('a Content-Length larger than the body, then the client gives up: nothing stays', async () => {
    const before = stored();
    const conn = rawConnection();
    await conn.opened;
    conn.sock.write(requestHead({ 'Content-Length': String(MAX_FILE_BYTES_CEILING - 1) }));
    conn.sock.write(Buffer.concat([partHead(), PNG, Buffer.alloc(512 * 1024)]));
    await eventually(() => temporary().length > 0); // the parser is writing its temporary file
    conn.sock.destroy();
    await eventually(() => temporary().length === 0);
    expect(stored()).toEqual(before);
    await stillServing();
  });

  it('a slow upload that never ends is cut off by the request timeout and its temporary file removed', async () => {
    const before = stored();
    const conn = rawConnection();
    await conn.opened;
    conn.sock.write(requestHead({ 'Content-Length': String(5 * 1024 * 1024) }));
    conn.sock.write(Buffer.concat([partHead('slow.png'), PNG, Buffer.alloc(64 * 1024)]));
    await eventually(() => temporary().length > 0);
    // then a byte now and then, never the end: the server closes the connection itself
    const trickle = setInterval(() => !conn.sock.destroyed && conn.sock.write(Buffer.alloc(1)), 200);
    try {
      await Promise.race([conn.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the server kept a slow upload open')), 15000))]);
    } finally {
      clearInterval(trickle);
    }
    expect(conn.received()).not.toMatch(/HTTP\/1\.1 201/);
    await eventually(() => temporary().length === 0);
    expect(stored()).toEqual(before);
    await stillServing();
  });
});

describe('hostile file names', () => {
  /** The name exactly as written, in a multipart body built by hand (clients would clean it). */
  function rawUpload(name: string, bytes: Buffer): Promise<{ status: number; body: any }> {
    const head = Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="`),
      Buffer.from(name, 'utf8'),
      Buffer.from('"\r\nContent-Type: application/octet-stream\r\n\r\n'),
    ]);
    const body = Buffer.concat([head, bytes, partTail]);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${base}/api/live-chat/chats/${chat.chatId}/files`,
        {
          method: 'POST',
          headers: { Authorization: `Bearer ${chat.token}`, 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(body.length) },
        },
        (res) => {
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
        }
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  // 'refuse': 400/415 and nothing kept; 'accept': stored and served safely; 'safe': either
  // refused, or accepted with the path dropped from the name (never a file outside the store)
  const cases: [string, 'refuse' | 'accept' | 'safe', Buffer][] = [
    ['x.php%00.jpg', 'refuse', JPG],
    ['x.php\u0000.jpg', 'refuse', JPG],
    ['X.PhP', 'refuse', PNG],
    ['x.jpg.PHP', 'refuse', JPG],
    ['x.jpg.php', 'refuse', JPG],
    ['x.PhP.png', 'refuse', PNG],
    ['x.php.', 'refuse', PNG],
    ['x.png.', 'refuse', PNG],
    ['CON', 'refuse', PNG],
    ['CON.png', 'refuse', PNG],
    ['con.png', 'refuse', PNG],
    ['Lpt1.png', 'refuse', PNG],
    ['aux.tar.png', 'refuse', PNG],
    [`${'a'.repeat(996)}.png`, 'refuse', PNG],
    ['.htaccess.png', 'refuse', PNG],
    ['x.png\tevil', 'refuse', PNG],
    ['../../../etc/passwd.png', 'safe', PNG],
    ['..\\..\\windows\\x.png', 'safe', PNG],
    ['/etc/cron.d/x.png', 'safe', PNG],
    ['fatura março 😀.png', 'accept', PNG],
    ['IMG.PNG', 'accept', PNG],
  ];

  it.each(cases)('%j → %s', async (name, verdict, bytes) => {
    const before = { stored: stored(), rows: await attachments() };
    const res = await rawUpload(name, bytes);
    const refused = [400, 415].includes(res.status);
    if (verdict === 'refuse' || (verdict === 'safe' && refused)) {
      expect({ name, refused }).toEqual({ name, refused: true });
      expect(res.body.error.message.length).toBeGreaterThan(10);
      expect(stored()).toEqual(before.stored);
      expect(await attachments()).toBe(before.rows);
      await eventually(() => temporary().length === 0);
      return;
    }
    expect({ name, status: res.status }).toEqual({ name, status: 201 });
    const shown = res.body.message.attachment.name as string;
    if (verdict === 'accept') expect(shown).toBe(name);
    expect(shown).not.toMatch(/[\/\\]|\.\./);
    // stored inside the store, under a new name of safe characters, served with a safe header
    const added = stored().filter((f) => !before.stored.includes(f));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^[A-Za-z0-9_-]+\.png$/);
    const link = await http().get(`/api/live-chat/chats/${chat.chatId}/attachments/${res.body.message.attachment.id}`).set('Authorization', `Bearer ${chat.token}`).expect(200);
    const served = await http().get(link.body.url).expect(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['content-disposition']).toMatch(/^inline; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%._~!*'()-]+$/);
  });

  it('a quote or a line break in the name cannot add a header or a parameter to the download', async () => {
    for (const name of ['nota "fiscal"; x=1.png', 'x.png"\r\nContent-Type: text/html\r\nX-Evil: 1']) {
      const res = await rawUpload(name, PNG);
      if (res.status !== 201) {
        expect({ name, status: [400, 415].includes(res.status) }).toEqual({ name, status: true });
        continue;
      }
      const link = await http().get(`/api/live-chat/chats/${chat.chatId}/attachments/${res.body.message.attachment.id}`).set('Authorization', `Bearer ${chat.token}`).expect(200);
      const served = await http().get(link.body.url).expect(200);
      expect(served.headers['x-evil']).toBeUndefined();
      expect(served.headers['content-type']).toBe('image/png');
      expect(served.headers['content-disposition']).toMatch(/^inline; filename="[^"]*"; filename\*=UTF-8''[A-Za-z0-9%._~!*'()-]+$/);
    }
  });

  it('a name given only as filename* (RFC 5987) with an encoded null byte or path is refused too', async () => {
    for (const encoded of ["x.php%00.jpg", '..%2F..%2Fx.png', 'CON.png']) {
      const before = stored();
      const conn = rawConnection();
      await conn.opened;
      const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${encoded}\r\nContent-Type: image/png\r\n\r\n`);
      const body = Buffer.concat([head, encoded.endsWith('jpg') ? JPG : PNG, partTail]);
      const status = conn.status();
      conn.sock.write(requestHead({ 'Content-Length': String(body.length), Connection: 'close' }));
      conn.sock.end(body);
      expect({ encoded, status: await status }).toEqual({ encoded, status: expect.any(Number) });
      expect(conn.received()).not.toMatch(/HTTP\/1\.1 201/);
      expect(stored()).toEqual(before);
    }
    await eventually(() => temporary().length === 0);
  });
});
