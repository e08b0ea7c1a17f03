import type { Core } from '@strapi/strapi';
import type { Server } from 'socket.io';
import { getService } from '../utils';
import { agentState } from './agent';

/** Broadcasts are re-sent from this long before the link was seen down (detection lags a little). */
export const RESYNC_MARGIN_MS = 5000;

/**
 * After this node's Redis link came back: broadcasts published by the other nodes while it was
 * down never reached this node's sockets (Redis pub/sub keeps nothing), and the clients cannot
 * tell — they were never disconnected, and a visitor cannot tell a lost message from a private
 * note's gap in the seqs. So every socket this node holds gets its state again, with the
 * messages written since the link went down: a visitor `chat:state` (the same as on a
 * reconnection), an agent `agent:state` and the `message:created` of its chats. Clients
 * de-duplicate by seq (docs/protocol.md), so what did arrive is not shown twice.
 */
export async function resyncLocalSockets(strapi: Core.Strapi, io: Server, since: Date) {
  const chats = getService(strapi, 'chats');
  const messages = getService(strapi, 'messages');
  let visitors = 0;
  let agents = 0;
  const byChat = new Map<number, { emit: (...a: any[]) => unknown }[]>();
  for (const s of io.of('/visitor').sockets.values()) {
    const chatId = s.data?.chatId;
    if (chatId) byChat.set(chatId, [...(byChat.get(chatId) ?? []), s]);
  }
  for (const [chatId, sockets] of byChat) {
    const chat = await chats.get(chatId);
    if (!chat) continue;
    const [missed, queue] = await Promise.all([messages.since(chatId, since, 'visitor'), chats.queueInfo(chat)]);
    for (const s of sockets) s.emit('chat:state', { chat: chats.visitorView(chat), messages: missed, queue });
    visitors += sockets.length;
    await new Promise((r) => setImmediate(r));
  }
  const byAgent = new Map<number, any[]>();
  for (const s of io.of('/agent').sockets.values()) {
    const agent = s.data?.agent;
    if (agent) byAgent.set(agent.id, [...(byAgent.get(agent.id) ?? []), s]);
  }
  for (const sockets of byAgent.values()) {
    const agent = sockets[0].data.agent;
    const state = await agentState(strapi, agent);
    const missed = (await Promise.all(state.chats.map((c) => messages.since(c.id, since, 'agent')))).flat();
    for (const s of sockets) {
      s.emit('agent:state', state);
      for (const m of missed) s.emit('message:created', m);
    }
    agents += sockets.length;
    await new Promise((r) => setImmediate(r));
  }
  return { visitors, agents };
}
