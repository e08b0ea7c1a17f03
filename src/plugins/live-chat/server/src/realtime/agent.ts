import type { Core } from '@strapi/strapi';
import type { Namespace, Socket } from 'socket.io';
import type { AgentClientToServer, AgentServerToClient, Presence } from '../../../shared/contract';
import * as domain from '../domain';
import { getService, PLUGIN_ID } from '../utils';
import { rooms } from '../services/notifier';
import type { AgentUser } from '../services/agents';
import { command, dropForRetry, err, handshakeError } from './errors';

type AgentSocket = Socket<AgentClientToServer, AgentServerToClient, object, { agent: AgentUser }>;

export const CONSOLE_ACTION = `plugin::${PLUGIN_ID}.console`;

/**
 * The same checks as Strapi's admin auth strategy: a valid access token of an active session of
 * an active admin user; then the plugin's console permission.
 */
export async function authenticateAgent(strapi: Core.Strapi, token: unknown): Promise<AgentUser | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return null;
  const manager = (strapi as any).sessionManager;
  if (!manager) return null;
  const result = manager('admin').validateAccessToken(token);
  if (!result?.isValid) return null;
  if (!(await manager('admin').isSessionActive(result.payload.sessionId))) return null;
  const user = await strapi.db.query('admin::user').findOne({ where: { id: Number(result.payload.userId) }, populate: ['roles'] });
  if (!user || user.isActive !== true || user.blocked) return null;
  const ability = await (strapi as any).admin.services.permission.engine.generateUserAbility(user);
  if (!ability.can(CONSOLE_ACTION)) return null;
  return getService(strapi, 'agents').loadUser(user.id);
}

/** What `agent:state` carries: the console's whole picture (its chats, its queues). */
export async function agentState(strapi: Core.Strapi, agent: AgentUser, departments?: { id: number; name: string }[], presence?: Presence) {
  const chats = getService(strapi, 'chats');
  const deps = departments ?? (await getService(strapi, 'agents').departmentsOf(agent));
  const active = await chats.activeChatsOf(agent.id);
  return {
    agentId: agent.id,
    name: agent.name,
    presence: presence ?? (await getService(strapi, 'agents').chosenPresence(agent.id)),
    departments: deps,
    chats: active.map((c) => chats.agentView(c)),
    queue: await chats.queueItems(deps.map((d) => d.id)),
  };
}

export function setupAgentNamespace(strapi: Core.Strapi, nsp: Namespace) {
  const chats = () => getService(strapi, 'chats');
  const messages = () => getService(strapi, 'messages');
  const agents = () => getService(strapi, 'agents');
  const notifier = () => getService(strapi, 'notifier');

  nsp.use(async (socket, next) => {
    try {
      const agent = await authenticateAgent(strapi, socket.handshake.auth?.token);
      if (!agent) return next(handshakeError('unauthorized', 'Sign in to the admin again: your session is not valid for the console'));
      socket.data = { agent };
      next();
    } catch (e) {
      strapi.log.error(`[live-chat] agent handshake: ${(e as Error).message}`);
      dropForRetry(socket);
      next(handshakeError('internal_error', 'Something went wrong on our side: please try again'));
    }
  });

  /** Loads the chat and checks that this agent may act on it (own = must be its agent). */
  const chatFor = async (agent: AgentUser, chatId: number, own: boolean) => {
    const chat = await chats().get(chatId);
    if (!chat) return { ok: false as const, error: err('not_found', 'No such chat') };
    const denied = await chats().agentMay(agent, chat, own);
    if (denied) return { ok: false as const, error: denied };
    return { ok: true as const, chat };
  };

  nsp.on('connection', async (s) => {
    const socket = s as AgentSocket;
    const { agent } = socket.data;
    const log = strapi.log;
    socket.join(rooms.agent(agent.id));

    socket.on(
      'presence:set',
      command(log, async (payload) => {
        const parsed = domain.parsePresence(payload);
        if (!parsed.ok) return parsed;
        await agents().setPresence(agent, parsed.value.presence);
        return { ok: true, presence: parsed.value.presence };
      })
    );

    socket.on(
      'chat:accept',
      command(log, async (payload) => {
        const parsed = domain.parseChatRef(payload);
        if (!parsed.ok) return parsed;
        const res = await chats().accept(agent, parsed.value.chatId);
        if (!res.ok) return res;
        return { ok: true, chat: chats().agentView(res.chat), messages: await messages().after(res.chat.id, 0, 'agent') };
      })
    );

    socket.on(
      'message:send',
      command(log, async (payload) => {
        const parsed = domain.parseAgentMessage(payload);
        if (!parsed.ok) return parsed;
        const { chatId, clientId, body } = parsed.value;
        const visibility = parsed.value.visibility ?? 'public';
        // a public reply: the append itself checks that the chat is active and this agent's (the
        // hot path reads nothing first); a note: any open chat of the agent's departments
        if (visibility === 'agents') {
          const found = await chatFor(agent, chatId, false);
          if (!found.ok) return found;
        }
        const res = await messages().append(
          { chatId, sender: 'agent', senderName: agent.name, agentId: agent.id, clientId, body, visibility },
          visibility === 'public' ? { agentId: agent.id } : {}
        );
        if (!res.ok && res.error.code === 'forbidden') {
          // say why precisely: another department's chat, or another agent's
          const found = await chatFor(agent, chatId, true);
          if (!found.ok) return found;
        }
        if (!res.ok) return res;
        if (!res.duplicate) {
          if (visibility === 'public') notifier().visitors()?.to(rooms.chat(chatId)).emit('message:created', res.message);
          socket.to(rooms.agent(agent.id)).emit('message:created', res.message);
          if (res.chatAgentId && res.chatAgentId !== agent.id) nsp.to(rooms.agent(res.chatAgentId)).emit('message:created', res.message);
        }
        return { ok: true, message: res.message };
      })
    );

    socket.on('typing:set', async (payload) => {
      const parsed = domain.parseAgentTyping(payload);
      if (!parsed.ok) return;
      const chat = await chats().get(parsed.value.chatId);
      if (chat && chat.agentId === agent.id && chat.status === 'active') {
        notifier().visitors()?.to(rooms.chat(chat.id)).emit('typing', { from: 'agent', name: agent.name, typing: parsed.value.typing });
      }
    });

    socket.on(
      'chat:close',
      command(log, async (payload) => {
        const parsed = domain.parseClose(payload);
        if (!parsed.ok) return parsed;
        const res = await chats().closeByAgent(agent, parsed.value.chatId, parsed.value.reason || undefined, parsed.value.tags);
        return res.ok ? { ok: true } : res;
      })
    );

    socket.on(
      'chat:transfer',
      command(log, async (payload) => {
        const parsed = domain.parseTransfer(payload);
        if (!parsed.ok) return parsed;
        const { chatId, ...to } = parsed.value;
        const res = await chats().transfer(agent, chatId, to);
        return res.ok ? { ok: true } : res;
      })
    );

    socket.on(
      'messages:sync',
      command(log, async (payload) => {
        const parsed = domain.parseAgentSync(payload);
        if (!parsed.ok) return parsed;
        const found = await chatFor(agent, parsed.value.chatId, false);
        if (!found.ok) return found;
        return { ok: true, messages: await messages().after(found.chat.id, parsed.value.afterSeq, 'agent') };
      })
    );

    try {
      const departments = await agents().departmentsOf(agent);
      for (const d of departments) socket.join(rooms.department(d.id));
      const presence = await agents().chosenPresence(agent.id);
      await agents().setPresence(agent, presence);
      socket.emit('agent:state', await agentState(strapi, agent, departments, presence));
    } catch (e) {
      log.error(`[live-chat] agent connection: ${(e as Error).message}`);
      dropForRetry(socket);
    }
  });
}
