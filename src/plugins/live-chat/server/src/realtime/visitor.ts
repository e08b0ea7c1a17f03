import type { Core } from '@strapi/strapi';
import type { Namespace, Socket } from 'socket.io';
import type { VisitorClientToServer, VisitorServerToClient } from '../../../shared/contract';
import * as domain from '../domain';
import { getService } from '../utils';
import { rooms } from '../services/notifier';
import { command, dropForRetry, err, handshakeError, rateLimited } from './errors';

type VisitorSocket = Socket<VisitorClientToServer, VisitorServerToClient, object, { chatId: number; lastSeq: number; ip: string; visitorName: string }>;

/**
 * The client's address as Koa's `ctx.ip` gives it (server.proxy): behind `hops` trusted proxies,
 * the X-Forwarded-For entry the farthest of them added; entries left of it are the client's own
 * claims and never a rate-limit key.
 */
export const clientAddress = (socket: Socket, trustProxy: boolean, hops = 1) => {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string' && forwarded.trim()) {
    const ips = forwarded.split(',').map((s) => s.trim()).filter(Boolean);
    return (hops > 0 ? ips.slice(-hops) : ips)[0] ?? socket.handshake.address;
  }
  return socket.handshake.address;
};

/** The visitor namespace: a chat token opens its own chat's room and nothing else. */
export function setupVisitorNamespace(strapi: Core.Strapi, nsp: Namespace) {
  const chats = () => getService(strapi, 'chats');
  const messages = () => getService(strapi, 'messages');
  const notifier = () => getService(strapi, 'notifier');
  const trustProxy = !!strapi.config.get('server.proxy.koa');
  const proxyHops = Number(strapi.config.get('server.proxy.maxIpsCount') ?? 0);

  nsp.use(async (socket, next) => {
    try {
      const auth = domain.parseVisitorAuth(socket.handshake.auth);
      if (!auth.ok) return next(handshakeError('unauthorized', 'A chat id and its token are required'));
      const chat = await chats().verifyToken(auth.value.chatId, auth.value.token);
      if (!chat) return next(handshakeError('unauthorized', 'This chat link is not valid'));
      if (chat.closedAt && domain.isFinal(chat.status)) {
        const window = (await getService(strapi, 'settings').get()).postCloseWindowSeconds;
        if (Date.now() - Date.parse(chat.closedAt) > window * 1000) return next(handshakeError('chat_closed', 'This chat ended too long ago'));
      }
      socket.data = { chatId: chat.id, lastSeq: auth.value.lastSeq ?? 0, ip: clientAddress(socket, trustProxy, proxyHops), visitorName: chat.visitorName };
      next();
    } catch (e) {
      strapi.log.error(`[live-chat] visitor handshake: ${(e as Error).message}`);
      // not a refusal: the client retries by itself (faults suite: PostgreSQL restart)
      dropForRetry(socket);
      next(handshakeError('internal_error', 'Something went wrong on our side: please try again'));
    }
  });

  nsp.on('connection', async (s) => {
    const socket = s as VisitorSocket;
    const { chatId } = socket.data;
    const log = strapi.log;
    socket.join(rooms.chat(chatId));

    // register the handlers first: a command sent right after connecting must not be lost
    socket.on(
      'message:send',
      command(log, async (payload) => {
        const parsed = domain.parseVisitorMessage(payload);
        if (!parsed.ok) return parsed;
        const rl = getService(strapi, 'rate-limit');
        const wait = (await rl.consume('messagesPerChat', String(chatId))) ?? (await rl.consume('messagesPerIp', socket.data.ip));
        if (wait !== null) return { ok: false, error: rateLimited(`Too many messages: wait ${wait} s and try again`, wait) };
        const res = await messages().append({
          chatId,
          sender: 'visitor',
          senderName: socket.data.visitorName,
          clientId: parsed.value.clientId,
          body: parsed.value.body,
        });
        if (!res.ok) return res;
        if (!res.duplicate) {
          socket.to(rooms.chat(chatId)).emit('message:created', res.message);
          if (res.chatAgentId) notifier().agents()?.to(rooms.agent(res.chatAgentId)).emit('message:created', res.message);
        }
        return { ok: true, message: res.message };
      })
    );

    socket.on('typing:set', async (payload) => {
      const parsed = domain.parseVisitorTyping(payload);
      if (!parsed.ok) return;
      const chat = await chats().get(chatId);
      if (chat?.agentId && chat.status === 'active') {
        notifier().agents()?.to(rooms.agent(chat.agentId)).emit('typing', { chatId, from: 'visitor', name: chat.visitorName, typing: parsed.value.typing });
      }
    });

    socket.on(
      'chat:end',
      command(log, async () => {
        const chat = await chats().get(chatId);
        if (!chat) return { ok: false, error: err('not_found', 'No such chat') };
        const res = await chats().endByVisitor(chat);
        return res.ok ? { ok: true } : res;
      })
    );

    socket.on(
      'chat:leave-message',
      command(log, async (payload) => {
        const parsed = domain.parseLeaveMessage(payload ?? {});
        if (!parsed.ok) return parsed;
        const chat = await chats().get(chatId);
        if (!chat) return { ok: false, error: err('not_found', 'No such chat') };
        if (chat.status !== 'waiting') {
          return { ok: false, error: domain.isFinal(chat.status) || chat.status === 'left_message' ? err('chat_closed', 'This chat is already over') : err('invalid_state', 'An agent is already answering this chat') };
        }
        const rl = getService(strapi, 'rate-limit');
        const wait = (await rl.consume('leavePerIp', socket.data.ip)) ?? (await rl.consume('leavePerEmail', chat.visitorEmail.toLowerCase()));
        if (wait !== null) return { ok: false, error: rateLimited(`Too many messages left: wait ${wait} s and try again`, wait) };
        if (parsed.value.body) {
          // stored first, while the chat still takes messages: everything written is kept
          const appended = await messages().append({ chatId, sender: 'visitor', senderName: socket.data.visitorName, clientId: null, body: parsed.value.body });
          if (!appended.ok) return appended;
          socket.to(rooms.chat(chatId)).emit('message:created', appended.message);
        }
        const res = await chats().leaveMessage(chatId);
        if (!res.ok) return res;
        return { ok: true, chat: chats().visitorView(res.chat) };
      })
    );

    socket.on(
      'messages:sync',
      command(log, async (payload) => {
        const parsed = domain.parseVisitorSync(payload);
        if (!parsed.ok) return parsed;
        return { ok: true, messages: await messages().after(chatId, parsed.value.afterSeq, 'visitor') };
      })
    );

    socket.on('disconnect', () => {
      // the grace runs from the drop: the heartbeat rewrites the mark only every third of the
      // grace, so without this a visitor could lose its chat a third of the grace early
      chats()
        .touchVisitors([chatId], new Date(), { force: true })
        .catch(() => undefined);
      chats()
        .get(chatId)
        .then((chat) => {
          if (chat?.agentId) notifier().agents()?.to(rooms.agent(chat.agentId)).emit('visitor:presence', { chatId, connected: false });
        })
        .catch(() => undefined);
    });

    try {
      const now = new Date();
      await chats().touchVisitors([chatId], now);
      const chat = (await chats().get(chatId))!;
      const [missed, queue] = await Promise.all([messages().after(chatId, socket.data.lastSeq, 'visitor'), chats().queueInfo(chat, now)]);
      socket.emit('chat:state', { chat: chats().visitorView(chat), messages: missed, queue });
      if (chat.status === 'waiting') {
        // nobody can answer now, or the wait already passed the limit: offer to leave a message
        // an answer up to a second old will do here (a storm of reconnections asks it each time)
        if (!(await chats().canAnswer(chat.departmentId, now, undefined, { maxAgeMs: 1000 }))) socket.emit('chat:offer-leave-message', { reason: 'nobody_online' });
        else if (await chats().wasOfferedLeave(chatId)) socket.emit('chat:offer-leave-message', { reason: 'waited_too_long' });
      }
      if (chat.agentId) notifier().agents()?.to(rooms.agent(chat.agentId)).emit('visitor:presence', { chatId, connected: true });
    } catch (e) {
      log.error(`[live-chat] visitor connection: ${(e as Error).message}`);
      dropForRetry(socket);
    }
  });
}
