import type { Core } from '@strapi/strapi';
import type { Namespace, Server } from 'socket.io';
import { queueInfos, type Effect } from '../domain';
import { getService } from '../utils';

/** Room names, the same on every node (the Redis adapter carries them between nodes). */
export const rooms = {
  chat: (id: number) => `chat:${id}`,
  agent: (id: number) => `agent:${id}`,
  department: (id: number) => `department:${id}`,
};

/**
 * Carries out the effects the domain decided, after they were persisted: who hears what is
 * decided here only (private notes and agent-only events never go to a visitor room).
 */
const createNotifierService = ({ strapi }: { strapi: Core.Strapi }) => {
  let io: Server | null = null;
  /** departments whose waiting visitors are due a position update, coalesced per 100 ms */
  const pending = new Map<number, NodeJS.Timeout>();
  const visitors = (): Namespace | null => io?.of('/visitor') ?? null;
  const agents = (): Namespace | null => io?.of('/agent') ?? null;
  const chats = () => getService(strapi, 'chats');

  const service = {
    setServer(server: Server | null) {
      io = server;
      if (!server) service.cancelRefreshes();
    },
    server: () => io,
    visitors,
    agents,

    /** Every waiting visitor of the department learns its new position and estimate. */
    async refreshPositions(departmentId: number, now = new Date()) {
      const v = visitors();
      if (!v) return;
      const queue = await chats().queue(departmentId);
      if (queue.length === 0) return;
      const waits = await chats().recentWaits(departmentId);
      // one sort for the whole queue, not one per waiting chat (quadratic: seconds for a long queue)
      for (const { chat, info } of queueInfos(queue, waits, now)) v.to(rooms.chat(chat.id)).emit('queue:position', info);
    },

    async dispatch(effects: Effect[]) {
      const departmentsToRefresh = new Set<number>();
      for (const e of effects) {
        try {
          await service.one(e, departmentsToRefresh);
        } catch (err) {
          strapi.log.error(`[live-chat] could not deliver ${e.type} ${e.event}: ${(err as Error).message}`);
        }
      }
      for (const id of departmentsToRefresh) service.scheduleRefresh(id);
    },

    /**
     * Positions change for everyone behind a chat that leaves or jumps the queue; a burst of such
     * changes (many accepts at once) sends one update per visitor, not one per change.
     */
    scheduleRefresh(departmentId: number, delayMs = 100) {
      if (pending.has(departmentId) || !io) return;
      const timer = setTimeout(() => {
        pending.delete(departmentId);
        service.refreshPositions(departmentId).catch((err) => strapi.log.error(`[live-chat] positions: ${(err as Error).message}`));
      }, delayMs);
      timer.unref();
      pending.set(departmentId, timer);
    },

    cancelRefreshes() {
      for (const t of pending.values()) clearTimeout(t);
      pending.clear();
    },

    async one(e: Effect, refresh: Set<number>) {
      const a = agents();
      const v = visitors();
      switch (e.type) {
        case 'notify-department': {
          if (e.event === 'queue:removed') {
            refresh.add(e.departmentId);
            a?.to(rooms.department(e.departmentId)).emit('queue:removed', { chatId: e.chatId, reason: e.reason, agentId: e.agentId });
          } else {
            const chat = await chats().get(e.chatId);
            if (!chat || chat.status !== 'waiting') return;
            // a new chat joins at the tail: nobody else moves; a requeued one jumps to the head
            if (chat.priority > 0) refresh.add(e.departmentId);
            if (!a) return;
            const position = (await chats().queueInfo(chat))?.position ?? 0;
            a.to(rooms.department(e.departmentId)).emit('queue:added', {
              chatId: chat.id,
              departmentId: chat.departmentId,
              departmentName: chat.departmentName,
              visitorName: chat.visitorName,
              visitorEmail: chat.visitorEmail,
              question: chat.question,
              queuedAt: chat.queuedAt,
              position,
            });
          }
          return;
        }
        case 'notify-visitor': {
          if (!v) return;
          const room = v.to(rooms.chat(e.chatId));
          if (e.event === 'chat:accepted') room.emit('chat:accepted', e.payload);
          else if (e.event === 'chat:closed') room.emit('chat:closed', e.payload);
          else if (e.event === 'chat:requeued') {
            const chat = await chats().get(e.chatId);
            room.emit('chat:requeued', { reason: e.payload.reason, queue: chat ? await chats().queueInfo(chat) : null });
          }
          return;
        }
        case 'notify-agent': {
          if (!a) return;
          const room = a.to(rooms.agent(e.agentId));
          if (e.event === 'chat:assigned') {
            const chat = await chats().get(e.chatId);
            if (!chat) return;
            const messages = await getService(strapi, 'messages').after(chat.id, 0, 'agent');
            room.emit('chat:assigned', { chat: chats().agentView(chat), messages });
          } else if (e.event === 'chat:requeued') room.emit('chat:requeued', e.payload);
          else if (e.event === 'chat:closed') room.emit('chat:closed', e.payload);
          return;
        }
      }
    },
  };
  return service;
};

export type NotifierService = ReturnType<typeof createNotifierService>;
export default createNotifierService;
