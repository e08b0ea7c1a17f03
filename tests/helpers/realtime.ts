import type { AddressInfo } from 'net';
import crypto from 'crypto';
import request from 'supertest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Core } from '@strapi/strapi';
import type { Ack, StartChat } from '../../src/plugins/live-chat/shared/contract';

export type AnySocket = Socket<any, any>;

/** Listens on a port (0 = any free one) and returns the base URL. */
export async function listen(strapi: Core.Strapi, port = 0): Promise<string> {
  const server = strapi.server.httpServer;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let agentCounter = 0;

/**
 * An admin user who is an agent: a Super Admin (serves every department) or an "Agent" role user
 * serving the given departments. Returns a valid admin access token, minted as the admin login
 * does (a session, then an access token).
 */
export async function createAgent(
  strapi: Core.Strapi,
  opts: { superAdmin?: boolean; departments?: number[]; firstname?: string } = {}
): Promise<{ id: number; name: string; token: string }> {
  agentCounter += 1;
  const firstname = opts.firstname ?? `Agent${agentCounter}`;
  const roleCode = opts.superAdmin === false ? 'live-chat-agent' : 'strapi-super-admin';
  const role = await strapi.db.query('admin::role').findOne({ where: { code: roleCode } });
  if (!role) throw new Error(`role ${roleCode} missing`);
  const user = await strapi.db.query('admin::user').create({
    data: {
      firstname,
      lastname: 'Test',
      email: `agent${agentCounter}-${crypto.randomBytes(3).toString('hex')}@example.com`,
      isActive: true,
      blocked: false,
      roles: [role.id],
    },
  });
  for (const depId of opts.departments ?? []) {
    const dep = await strapi.db.query('api::department.department').findOne({ where: { id: depId }, populate: ['agents'] });
    await strapi.db.query('api::department.department').update({
      where: { id: depId },
      data: { agents: [...(dep.agents ?? []).map((a: { id: number }) => a.id), user.id] },
    });
  }
  const manager = (strapi as any).sessionManager('admin');
  const { token: refresh } = await manager.generateRefreshToken(String(user.id), crypto.randomUUID(), { type: 'session' });
  const access = await manager.generateAccessToken(refresh);
  if ('error' in access) throw new Error(`could not mint an access token: ${access.error}`);
  return { id: user.id, name: `${firstname} Test`, token: access.token };
}

export async function departmentId(strapi: Core.Strapi, name: string): Promise<number> {
  const dep = await strapi.db.query('api::department.department').findOne({ where: { name } });
  return dep.id;
}

export async function startChat(
  strapi: Core.Strapi,
  body: Partial<StartChat.Request> & { departmentId: number },
  headers: Record<string, string> = {}
): Promise<StartChat.Response> {
  const res = await request(strapi.server.httpServer)
    .post('/api/live-chat/chats')
    .set(headers)
    .send({ name: 'Maria Silva', email: 'maria@example.com', question: 'Preciso de ajuda com o boleto', ...body });
  if (res.status !== 201) throw new Error(`start chat failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const sockets: AnySocket[] = [];

/**
 * Starts a chat and connects its visitor at once, as the widget does: a chat whose visitor no
 * node sees for the grace period ends (tests use a grace of a few seconds).
 */
export async function startConnectedChat(strapi: Core.Strapi, base: string, body: Partial<StartChat.Request> & { departmentId: number }) {
  const started = await startChat(strapi, body);
  const v = visitorSocket(base, { chatId: started.chatId, token: started.token });
  const state = await next(v, 'chat:state');
  return { ...started, v, state };
}

export function visitorSocket(base: string, auth: { chatId: number; token: string; lastSeq?: number } | (() => object), opts: object = {}): AnySocket {
  const s = connect(`${base}/visitor`, {
    auth: typeof auth === 'function' ? (cb: (a: object) => void) => cb(auth()) : auth,
    transports: ['websocket'],
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    forceNew: true,
    ...opts,
  });
  sockets.push(s);
  return s;
}

export function agentSocket(base: string, token: string, opts: object = {}): AnySocket {
  const s = connect(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200, forceNew: true, ...opts });
  sockets.push(s);
  return s;
}

export function closeAllSockets() {
  while (sockets.length) sockets.pop()!.close();
}

/** The next `event` on the socket (optionally the first one matching `filter`). */
export function next<T = any>(socket: AnySocket, event: string, filter: (p: T) => boolean = () => true, timeoutMs = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const handler = (payload: T) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}

/** Sends a command and resolves with its acknowledgement. */
export function send<T extends object = any>(socket: AnySocket, event: string, payload: unknown): Promise<Ack<T> & Record<string, any>> {
  return socket.timeout(10000).emitWithAck(event, payload) as any;
}

export const connected = (socket: AnySocket) =>
  new Promise<void>((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (e) => reject(e));
  });

/** Collects every `event` payload the socket receives from now on. */
export function collect<T = any>(socket: AnySocket, event: string): T[] {
  const out: T[] = [];
  socket.on(event, (p: T) => out.push(p));
  return out;
}
