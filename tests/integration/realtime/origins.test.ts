/**
 * LIVE_CHAT_ORIGINS: the sites allowed to embed the widget. Browsers send their Origin on the
 * WebSocket upgrade, which CORS does not cover: Socket.IO checks it on every transport; the REST
 * API answers CORS for the same list. The server's own pages (/chat) are always allowed.
 */
import request from 'supertest';
import { startStrapi, type TestApp } from '../../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, startChat, visitorSocket } from '../../helpers/realtime';

const SHOP = 'https://shop.example';
let app: TestApp;
let base: string;

beforeAll(async () => {
  app = await startStrapi({ env: { LIVE_CHAT_ORIGINS: SHOP } });
  base = await listen(app.strapi);
  // someone online, so that chats wait in the queue instead of becoming left messages
  const agent = agentSocket(base, (await createAgent(app.strapi)).token);
  await next(agent, 'agent:state');
  expect((await send(agent, 'presence:set', { presence: 'online' })).ok).toBe(true);
});
afterAll(async () => {
  closeAllSockets();
  await app?.stop();
});

describe(`allowed origins (${process.env.TEST_DB ?? 'sqlite'})`, () => {
  const connectFrom = async (origin: string | undefined) => {
    const chat = await startChat(app.strapi, { departmentId: await departmentId(app.strapi, 'Suporte') });
    const v = visitorSocket(base, { chatId: chat.chatId, token: chat.token }, { extraHeaders: origin ? { origin } : {}, reconnection: false });
    return Promise.race([next(v, 'chat:state').then(() => 'connected'), next(v, 'connect_error').then((e: Error) => `refused: ${e.message}`)]);
  };

  it('a WebSocket from an allowed site, from the server itself, or without an Origin connects', async () => {
    expect(await connectFrom(SHOP)).toBe('connected');
    expect(await connectFrom(base)).toBe('connected');
    expect(await connectFrom(undefined)).toBe('connected');
  });

  it('a WebSocket from any other site is refused at the upgrade', async () => {
    expect(await connectFrom('https://evil.example')).toMatch(/^refused/);
    expect(await connectFrom('https://shop.example.evil.example')).toMatch(/^refused/);
  });

  it('the REST API answers CORS for the allowed site only', async () => {
    const ok = await request(app.strapi.server.httpServer).options('/api/live-chat/chats').set('Origin', SHOP).set('Access-Control-Request-Method', 'POST');
    expect(ok.headers['access-control-allow-origin']).toBe(SHOP);
    const evil = await request(app.strapi.server.httpServer).options('/api/live-chat/chats').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});
