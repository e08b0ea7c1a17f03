// @vitest-environment node
// The widget's WebSocket-only Socket.IO client against a real Socket.IO server (the same
// `socket.io` the Strapi plugin runs), packet by packet: connect with auth, events both ways,
// acks, ack timeouts, middleware refusals, server disconnects, transport loss and reconnection.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import WebSocket, { WebSocketServer } from 'ws';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { LiteSocket, io, type LiteOptions } from '../src/lib/io-lite';

let http: HttpServer;
let server: Server;
let url: string;
const sockets: LiteSocket[] = [];

beforeEach(async () => {
  http = createServer();
  server = new Server(http, { transports: ['websocket'], pingInterval: 200, pingTimeout: 200 });
  server.of('/visitor').use((socket, next) => {
    const { token } = socket.handshake.auth as { token?: string };
    if (token === 'good' || token === 'second') return next();
    next(Object.assign(new Error('Your chat has ended.'), { data: { code: 'unauthorized' } }));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/visitor`;
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await new Promise((r) => server.close(r));
});

const client = (opts: LiteOptions = {}) => {
  const s = io(url, { WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, reconnectionDelay: 20, reconnectionDelayMax: 40, ...opts });
  sockets.push(s);
  return s;
};
const once = <T extends unknown[]>(s: LiteSocket, event: string) => new Promise<T>((r) => s.on(event, (...a: unknown[]) => r(a as T)));
const serverSide = () => new Promise<Socket>((r) => server.of('/visitor').once('connection', r));

test('connects to the namespace with the auth object, and events flow both ways with acks', async () => {
  const arrived = serverSide();
  const s = client({ auth: (cb) => cb({ token: 'good', lastSeq: 3 }) });
  await once(s, 'connect');
  expect(s.connected).toBe(true);
  const peer = await arrived;
  expect(peer.handshake.auth).toEqual({ token: 'good', lastSeq: 3 });

  // client → server with an ack, payload objects intact (unicode, nesting)
  peer.on('message:send', (p, ack) => ack({ ok: true, echo: p }));
  const payload = { clientId: 'c1', body: 'Olá — "aspas" <b>\n😀' };
  await expect(s.timeout(1000).emitWithAck('message:send', payload)).resolves.toEqual({ ok: true, echo: payload });

  // server → client, several arguments
  const got = once<[string, number]>(s, 'chat:state');
  peer.emit('chat:state', 'x', 42);
  expect(await got).toEqual(['x', 42]);

  // server → client asking for an ack
  const answer = peer.timeout(1000).emitWithAck('ping:me', 1);
  s.on('ping:me', (n: number, ack: (v: unknown) => void) => ack({ n: n + 1 }));
  await expect(answer).resolves.toEqual({ n: 2 });
});

test('a middleware refusal is a connect_error with its data, and no retry', async () => {
  let tries = 0;
  const s = client({ auth: (cb) => (tries++, cb({ token: 'bad' })) });
  const [err] = await once<[Error & { data?: { code: string } }]>(s, 'connect_error');
  expect(err.message).toBe('Your chat has ended.');
  expect(err.data).toEqual({ code: 'unauthorized' });
  expect(s.connected).toBe(false);
  // a second, successful client proves the server is still there; the refused one did not retry
  const ok = client({ auth: { token: 'good' } });
  await once(ok, 'connect');
  expect(tries).toBe(1);
});

test('the server disconnecting the socket gives "io server disconnect"; connect() starts again', async () => {
  const arrived = serverSide();
  const s = client({ auth: { token: 'good' } });
  await once(s, 'connect');
  const peer = await arrived;
  const gone = once<[string]>(s, 'disconnect');
  peer.disconnect(true);
  expect(await gone).toEqual(['io server disconnect']);
  expect(s.connected).toBe(false);
  const back = once(s, 'connect');
  s.connect();
  await back;
  expect(s.connected).toBe(true);
});

test('a lost transport reconnects by itself, calling auth again; emits made meanwhile are delivered', async () => {
  let calls = 0;
  const first = serverSide();
  const s = client({ auth: (cb) => cb({ token: calls++ === 0 ? 'good' : 'second' }) });
  await once(s, 'connect');
  const peer = await first;

  const gone = once<[string]>(s, 'disconnect');
  const second = serverSide();
  peer.conn.close(); // the transport dies under the socket (a network blip, a server restart)
  expect(await gone).toEqual(['transport close']);

  s.emit('typing:set', { typing: true }); // buffered while offline
  const again = await second;
  expect(again.handshake.auth).toEqual({ token: 'second' });
  const typed = await new Promise((r) => again.on('typing:set', r));
  expect(typed).toEqual({ typing: true });
  expect(calls).toBe(2);
});

test('an unanswered ack rejects after the timeout', async () => {
  const arrived = serverSide();
  const s = client({ auth: { token: 'good' } });
  await once(s, 'connect');
  (await arrived).on('never', () => undefined);
  await expect(s.timeout(50).emitWithAck('never', {})).rejects.toThrow('operation has timed out');
  expect(s.connected).toBe(true);
});

test('a server that stops sending pings is dropped after pingInterval + pingTimeout, then retried', async () => {
  // A raw WebSocket server that speaks just enough Engine.IO to connect, then goes silent.
  const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  let opened = 0;
  silent.on('connection', (ws: WebSocket) => {
    opened++;
    ws.send('0{"sid":"s","upgrades":[],"pingInterval":50,"pingTimeout":50,"maxPayload":1000000}');
    ws.on('message', (m: Buffer) => String(m).startsWith('40/visitor,') && ws.send('40/visitor,{"sid":"n"}'));
  });
  await new Promise((r) => silent.once('listening', r));
  const port = (silent.address() as AddressInfo).port;
  const s = new LiteSocket(`http://127.0.0.1:${port}/visitor`, {
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    reconnectionDelay: 20,
    auth: { token: 'good' },
  });
  sockets.push(s);
  const connected = once(s, 'connect');
  s.connect();
  await connected;
  const [reason] = await once<[string]>(s, 'disconnect');
  expect(reason).toBe('ping timeout');
  await once(s, 'connect'); // retried by itself
  expect(opened).toBe(2);
  s.disconnect();
  await new Promise((r) => silent.close(r));
});

test('the URL decides the endpoint: https → wss, the namespace from the path', () => {
  const seen: string[] = [];
  class Spy {
    readyState = 0;
    onmessage = null;
    onclose = null;
    constructor(u: string) {
      seen.push(u);
    }
    close() {}
    send() {}
  }
  const s = new LiteSocket('https://chat.example.com:8443/visitor', { WebSocket: Spy as unknown as typeof globalThis.WebSocket }).connect();
  s.disconnect();
  expect(seen).toEqual(['wss://chat.example.com:8443/socket.io/?EIO=4&transport=websocket']);
});
