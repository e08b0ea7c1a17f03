import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { startStrapi, type TestApp, listFiles } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, startConnectedChat, type AnySocket } from '../../helpers/realtime';
import { MAX_FILE_BYTES_CEILING } from '../../../src/upload/rules';
import { signPath } from '../../../src/upload/private-storage';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'uploads');
const MANIFEST: Record<string, string> = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8')).files;

let app: TestApp;
let base: string;
let agent: { id: number; token: string; socket: AnySocket };
let chat: Awaited<ReturnType<typeof startConnectedChat>>;
const http = () => request(app.strapi.server.httpServer);
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_GRACE_SECONDS: '60', LIVE_CHAT_RATE_MESSAGE_POINTS: '1000' } });
  base = await listen(app.strapi);
  const a = await createAgent(app.strapi, { firstname: 'Fabi' });
  const socket = agentSocket(base, a.token);
  await next(socket, 'agent:state');
  await send(socket, 'presence:set', { presence: 'online' });
  agent = { ...a, socket };
  chat = await startConnectedChat(app.strapi, base, { departmentId: await departmentId(app.strapi, 'Suporte') });
  expect((await send(socket, 'chat:accept', { chatId: chat.chatId })).ok).toBe(true);
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

const uploadAs = (token: string | null, chatId: number, bytes: Buffer, filename: string) => {
  const req = http().post(`/api/live-chat/chats/${chatId}/files`);
  if (token) req.set('Authorization', `Bearer ${token}`);
  return req.field('clientId', `f-${crypto.randomUUID()}`).attach('file', bytes, { filename, contentType: 'application/octet-stream' });
};

const download = async (token: string, chatId: number, attachmentId: number) => {
  const link = await http().get(`/api/live-chat/chats/${chatId}/attachments/${attachmentId}`).set('Authorization', `Bearer ${token}`).expect(200);
  const res = await http()
    .get(link.body.url)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  return { link: link.body, res, bytes: res.body as Buffer };
};

const stored = () => listFiles(app.uploadsDir);

describe(`files in the conversation (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  for (const [sender, other] of [['visitor', 'agent'], ['agent', 'visitor']] as const) {
    it.each(Object.entries(MANIFEST))(`${sender} sends %s: %s`, async (name, verdict) => {
      const bytes = fs.readFileSync(path.join(FIXTURES, name));
      const before = stored();
      const token = sender === 'visitor' ? chat.token : agent.token;
      const otherSocket = other === 'agent' ? agent.socket : chat.v;
      const live = verdict === 'refuse' ? null : next(otherSocket, 'message:created', (m) => m.kind === 'file' && m.body === name);
      const res = await uploadAs(token, chat.chatId, bytes, name);
      if (verdict === 'refuse') {
        expect([400, 413, 415]).toContain(res.status);
        expect(res.body.error.message).toMatch(/allowed|empty|name|not a real/i);
        expect(stored()).toEqual(before);
        expect(listFiles(app.uploadTmpDir)).toEqual([]);
        return;
      }
      expect(res.status).toBe(201);
      const message = await live!;
      expect(message).toMatchObject({ sender, kind: 'file', body: name, attachment: { name, size: bytes.length } });
      // the other side opens it at once: the same bytes
      const otherToken = other === 'visitor' ? chat.token : agent.token;
      const { res: served, bytes: got, link } = await download(otherToken, chat.chatId, message.attachment.id);
      expect(served.status).toBe(200);
      expect(sha(got)).toBe(sha(bytes));
      expect(link.sha256).toBe(sha(bytes));
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      const inline = ['sample.gif', 'sample.jpg', 'sample.jpeg', 'sample.png'].includes(name);
      expect(served.headers['content-disposition']).toMatch(inline ? /^inline/ : /^attachment/);
    });
  }

  it('10 MiB exactly is accepted; 10 MiB + 1 byte is refused with 413 and nothing stays', async () => {
    const png = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
    const ok = await uploadAs(chat.token, chat.chatId, Buffer.concat([png, Buffer.alloc(MAX_FILE_BYTES_CEILING - png.length)]), 'big.png');
    expect(ok.status).toBe(201);
    const before = stored();
    const tooBig = await uploadAs(chat.token, chat.chatId, Buffer.concat([png, Buffer.alloc(MAX_FILE_BYTES_CEILING + 1 - png.length)]), 'too-big.png');
    expect(tooBig.status).toBe(413);
    expect(stored()).toEqual(before);
  });

  it("another chat's token, no token and an expired signed URL are refused", async () => {
    const other = await startConnectedChat(app.strapi, base, { departmentId: await departmentId(app.strapi, 'Suporte') });
    const png = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
    const res = await uploadAs(chat.token, chat.chatId, png, 'mine.png');
    const attachmentId = res.body.message.attachment.id;
    // the other chat's token opens neither this chat's upload nor its files
    expect((await uploadAs(other.token, chat.chatId, png, 'x.png')).status).toBe(401);
    await http().get(`/api/live-chat/chats/${chat.chatId}/attachments/${attachmentId}`).set('Authorization', `Bearer ${other.token}`).expect(401);
    // ... nor through its own chat id: the attachment is not that chat's
    await http().get(`/api/live-chat/chats/${other.chatId}/attachments/${attachmentId}`).set('Authorization', `Bearer ${other.token}`).expect(404);
    expect((await uploadAs(null, chat.chatId, png, 'x.png')).status).toBe(401);
    await http().get(`/api/live-chat/chats/${chat.chatId}/attachments/${attachmentId}`).expect(401);
    // a signed URL that expired, and one whose signature was tampered with
    const { link } = await download(chat.token, chat.chatId, attachmentId);
    const pathname = link.url.replace(/\?.*$/, '');
    const expired = signPath(pathname, -5);
    const refused = await http().get(expired.url).expect(403);
    expect(refused.body.error.details.code).toBe('link_expired');
    await http().get(link.url.replace(/sig=[^&]+/, 'sig=' + 'A'.repeat(43))).expect(403);
    await http().get(pathname).expect(403);
  });

  it('settings may narrow the upload rules, never widen them; the widget is told', async () => {
    const files = app.strapi.plugin('live-chat').service('files');
    try {
      await files.setRules({ maxBytes: 1024, extensions: ['png', 'pdf', 'exe'] });
      const config = await http().get('/api/live-chat/widget-config').expect(200);
      expect(config.body.settings.upload).toEqual({ maxBytes: 1024, extensions: ['png', 'pdf'] });
      const pdf = fs.readFileSync(path.join(FIXTURES, 'sample.pdf'));
      const tooBig = await uploadAs(chat.token, chat.chatId, pdf, 'sample.pdf');
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.error.message).toMatch(/1 KB/);
      const zip = await uploadAs(chat.token, chat.chatId, fs.readFileSync(path.join(FIXTURES, 'sample.zip')), 'sample.zip');
      expect(zip.status).toBe(415);
      expect(zip.body.error.message).toMatch(/Allowed types: png, pdf\./);
      await files.setRules({ maxBytes: 50 * 1024 * 1024 });
      expect((await http().get('/api/live-chat/widget-config')).body.settings.upload.maxBytes).toBe(MAX_FILE_BYTES_CEILING);
    } finally {
      await files.setRules({});
    }
  });

  it("after the closing the visitor's token still opens the chat's files, until the post-closing window ends", async () => {
    const settings = app.strapi.plugin('live-chat').service('settings');
    const png = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
    const sent = await uploadAs(chat.token, chat.chatId, png, 'last.png');
    expect(sent.status).toBe(201);
    const closed = next(chat.v, 'chat:closed');
    expect((await send(agent.socket, 'chat:close', { chatId: chat.chatId, reason: 'resolved' })).ok).toBe(true);
    await closed;
    const url = `/api/live-chat/chats/${chat.chatId}/attachments/${sent.body.message.attachment.id}`;
    await http().get(url).set('Authorization', `Bearer ${chat.token}`).expect(200);
    // no new files in a closed chat
    expect((await uploadAs(chat.token, chat.chatId, png, 'late.png')).status).toBe(409);
    await settings.set({ postCloseWindowSeconds: 1 });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await http().get(url).set('Authorization', `Bearer ${chat.token}`).expect(401);
      // staff still reach it
      await http().get(url).set('Authorization', `Bearer ${agent.token}`).expect(200);
    } finally {
      await settings.set({ postCloseWindowSeconds: 86400 });
    }
  });
});
