import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import type {
  AgentChatView,
  AppError,
  ChatStatus,
  ChatSummary,
  ClosedBy,
  QueueInfo,
  QueueItem,
  StartChat,
  VisitorChatView,
} from '../../../shared/contract';
import * as domain from '../domain';
import type { ChatRow, Decision, Effect } from '../domain';
import { fromDbTime, getService, knexOf, parseJsonArray, toDbTime } from '../utils';
import type { AgentUser } from './agents';
import { rooms } from './notifier';

/** A chat as read from its row: the domain's ChatRow, the summary every view shares, and what
 * the visitor's and agent's views need. */
export interface ChatRecord extends ChatRow, ChatSummary {
  pageUrl: string | null;
  userAgent: string | null;
  locale: string | null;
  lastSeq: number;
  tokenHash: string;
}

export type Outcome<T = object> = ({ ok: true } & T) | { ok: false; error: AppError };

const COLUMNS: Record<keyof ChatRow, string> = {
  id: 'id',
  status: 'status',
  departmentId: 'department_id',
  agentId: 'agent_id',
  agentName: 'agent_name',
  queuedAt: 'queued_at',
  acceptedAt: 'accepted_at',
  closedAt: 'closed_at',
  closedBy: 'closed_by',
  closeReason: 'close_reason',
  tags: 'tags',
  priority: 'priority',
  firstAgentReplyAt: 'first_agent_reply_at',
};
const TIME_FIELDS = new Set<keyof ChatRow>(['queuedAt', 'acceptedAt', 'closedAt', 'firstAgentReplyAt']);

export const hashToken = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/** A chats row as the fields every view shares (the history maps its rows with it too). */
export const toSummary = (r: any): ChatSummary => ({
  id: Number(r.id),
  status: r.status,
  departmentId: Number(r.department_id),
  departmentName: r.department_name ?? '',
  visitorName: r.visitor_name,
  visitorEmail: r.visitor_email,
  question: r.question,
  agentId: r.agent_id === null || r.agent_id === undefined ? null : Number(r.agent_id),
  agentName: r.agent_name ?? null,
  queuedAt: fromDbTime(r.queued_at)!,
  acceptedAt: fromDbTime(r.accepted_at),
  closedAt: fromDbTime(r.closed_at),
  closedBy: r.closed_by ?? null,
  closeReason: r.close_reason ?? null,
  tags: parseJsonArray(r.tags),
});

const toRecord = (r: any): ChatRecord => ({
  ...toSummary(r),
  priority: Number(r.priority ?? 0),
  firstAgentReplyAt: fromDbTime(r.first_agent_reply_at),
  pageUrl: r.page_url ?? null,
  userAgent: r.user_agent ?? null,
  locale: r.locale ?? null,
  lastSeq: Number(r.last_seq ?? 0),
  tokenHash: r.token_hash,
});

const createChatsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);
  const notify = (effects: Effect[]) => getService(strapi, 'notifier').dispatch(effects);

  /** The patch as columns; times in the database's format. */
  const patchColumns = (patch: Partial<ChatRow>, now: Date) => {
    const out: Record<string, unknown> = { updated_at: toDbTime(strapi, now) };
    for (const [k, v] of Object.entries(patch) as [keyof ChatRow, unknown][]) {
      if (k === 'id') continue;
      if (TIME_FIELDS.has(k)) out[COLUMNS[k]] = v ? toDbTime(strapi, new Date(v as string)) : null;
      else if (k === 'tags') out.tags = JSON.stringify(v ?? []);
      else out[COLUMNS[k]] = v;
    }
    return out;
  };

  /** Keeps Strapi's relation link tables in step with the plain columns. */
  const syncLinks = async (trx: any, chatId: number, patch: Partial<ChatRow>) => {
    if ('departmentId' in patch && patch.departmentId) {
      await trx('chats_department_lnk').where({ chat_id: chatId }).del();
      await trx('chats_department_lnk').insert({ chat_id: chatId, department_id: patch.departmentId, chat_ord: 1 });
      const dep = await trx('departments').where({ id: patch.departmentId }).first('name');
      await trx('chats').where({ id: chatId }).update({ department_name: dep?.name ?? null });
    }
    if ('agentId' in patch) {
      await trx('chats_agent_lnk').where({ chat_id: chatId }).del();
      if (patch.agentId) await trx('chats_agent_lnk').insert({ chat_id: chatId, user_id: patch.agentId });
    }
  };

  const service = {
    async get(chatId: number, trx?: any): Promise<ChatRecord | null> {
      const row = await (trx ?? knex())('chats').where({ id: chatId }).first();
      return row ? toRecord(row) : null;
    },

    /** The chat whose token this is, or null; constant-time comparison of the hashes. */
    async verifyToken(chatId: number, token: string): Promise<ChatRecord | null> {
      const chat = await service.get(chatId);
      if (!chat || !chat.tokenHash) return null;
      const a = Buffer.from(chat.tokenHash, 'hex');
      const b = Buffer.from(hashToken(token), 'hex');
      return a.length === b.length && crypto.timingSafeEqual(a, b) ? chat : null;
    },

    visitorView(c: ChatRecord): VisitorChatView {
      return {
        id: c.id,
        status: c.status,
        departmentId: c.departmentId,
        departmentName: c.departmentName,
        visitorName: c.visitorName,
        question: c.question,
        agentName: c.agentName,
        queuedAt: c.queuedAt,
        acceptedAt: c.acceptedAt,
        closedAt: c.closedAt,
        closedBy: c.closedBy,
        closeReason: c.closeReason,
        lastSeq: c.lastSeq,
      };
    },

    agentView(c: ChatRecord): AgentChatView {
      return {
        ...service.visitorView(c),
        visitorEmail: c.visitorEmail,
        agentId: c.agentId,
        pageUrl: c.pageUrl,
        userAgent: c.userAgent,
        locale: c.locale,
        tags: c.tags,
      };
    },

    /**
     * Starts a chat from the widget's form. The token is returned once and stored as a hash.
     * With `leaveMessage` (nobody can answer) the chat is created straight as a left message:
     * never queued, closedAt set; the department's e-mail is the caller's to send.
     */
    async start(input: StartChat.Request, meta: { userAgent?: string | null; leaveMessage?: boolean }, now = new Date()) {
      const dep = await strapi.db.query('api::department.department').findOne({ where: { id: input.departmentId } });
      if (!dep || !dep.active) {
        return {
          ok: false as const,
          error: { code: 'department_inactive', message: 'This department is not available', fields: { departmentId: 'Choose one of the available departments' } } as AppError,
        };
      }
      const token = crypto.randomBytes(32).toString('base64url');
      const leave = !!meta.leaveMessage;
      const created = await strapi.db.query('api::chat.chat').create({
        data: {
          status: leave ? 'left_message' : 'waiting',
          closedAt: leave ? now : null,
          visitorName: input.name,
          visitorEmail: input.email,
          question: input.question,
          department: dep.id,
          departmentId: dep.id,
          departmentName: dep.name,
          queuedAt: now,
          visitorSeenAt: now,
          lastActivityAt: now,
          pageUrl: input.pageUrl ?? null,
          locale: input.locale ?? null,
          userAgent: meta.userAgent ? String(meta.userAgent).slice(0, 512) : null,
          tokenHash: hashToken(token),
          lastSeq: 0,
          priority: 0,
          tags: [],
        },
      });
      const chat = (await service.get(created.id))!;
      if (leave) return { ok: true as const, chat, token, queue: null };
      await notify([{ type: 'notify-department', event: 'queue:added', departmentId: dep.id, chatId: chat.id }]);
      return { ok: true as const, chat, token, queue: await service.queueInfo(chat, now) };
    },

    /** Waiting chats of a department, in queue order. */
    async queue(departmentId: number): Promise<ChatRecord[]> {
      const rows = await knex()('chats').where({ department_id: departmentId, status: 'waiting' }).select();
      return domain.orderQueue(rows.map(toRecord));
    },

    async queueItems(departmentIds: number[]): Promise<QueueItem[]> {
      const items: QueueItem[] = [];
      for (const id of departmentIds) {
        (await service.queue(id)).forEach((c, i) =>
          items.push({
            chatId: c.id,
            departmentId: c.departmentId,
            departmentName: c.departmentName,
            visitorName: c.visitorName,
            visitorEmail: c.visitorEmail,
            question: c.question,
            queuedAt: c.queuedAt,
            position: i + 1,
          })
        );
      }
      return items;
    },

    /** Waits (seconds) of the department's last accepted chats: the basis of the estimate. */
    async recentWaits(departmentId: number, limit = 20): Promise<number[]> {
      const rows = await knex()('chats')
        .where({ department_id: departmentId })
        .whereNotNull('accepted_at')
        .orderBy('accepted_at', 'desc')
        .limit(limit)
        .select('queued_at', 'accepted_at');
      return rows.map((r: any) => (Date.parse(fromDbTime(r.accepted_at)!) - Date.parse(fromDbTime(r.queued_at)!)) / 1000);
    },

    /**
     * What the waiting visitor is told, from two counts (no queue load): its position is the
     * number of waiting chats of its department ordered before it, itself included.
     */
    async queueInfo(chat: ChatRecord, now = new Date()): Promise<QueueInfo | null> {
      if (chat.status !== 'waiting') return null;
      const queuedAt = toDbTime(strapi, new Date(chat.queuedAt));
      const waiting = () => knex()('chats').where({ department_id: chat.departmentId, status: 'waiting' });
      const [ahead, total, waits] = await Promise.all([
        waiting()
          .andWhere((q) =>
            q
              .where('priority', '>', chat.priority)
              .orWhere((q2) =>
                q2.where('priority', chat.priority).andWhere((q3) =>
                  q3.where('queued_at', '<', queuedAt).orWhere((q4) => q4.where('queued_at', queuedAt).andWhere('id', '<=', chat.id))
                )
              )
          )
          .count({ n: '*' })
          .first(),
        waiting().count({ n: '*' }).first(),
        service.recentWaits(chat.departmentId),
      ]);
      const position = Number(ahead?.n ?? 0);
      if (position < 1) return null;
      return {
        position,
        queueLength: Number(total?.n ?? 0),
        waitingSeconds: domain.waitingSeconds(chat.queuedAt, now),
        estimatedWaitSeconds: domain.estimateWaitSeconds(waits, position),
      };
    },

    /**
     * Applies a domain decision as one conditional update (`where id and status` are still what
     * the decision was made on), then announces its effects. Of concurrent commands on the same
     * chat exactly one changes it; the others get an error. Inside a knex transaction only `trx`
     * may be used: SQLite has a single connection.
     */
    async applyIn(trx: any, chat: ChatRecord, patch: Partial<ChatRow>, now: Date, extraWhere: Record<string, unknown> = {}) {
      const n = await trx('chats').where({ id: chat.id, status: chat.status, ...extraWhere }).update(patchColumns(patch, now));
      if (n === 1) await syncLinks(trx, chat.id, patch);
      return n === 1;
    },

    async apply(chat: ChatRecord, decision: Decision, now: Date, extraWhere: Record<string, unknown> = {}): Promise<Outcome<{ chat: ChatRecord }>> {
      if (!decision.ok) return { ok: false, error: decision.error };
      const done = await knex().transaction((trx) => service.applyIn(trx, chat, decision.patch, now, extraWhere));
      if (!done) return { ok: false, error: { code: 'invalid_state', message: 'The chat changed meanwhile: reload it and try again' } };
      await notify(decision.effects);
      return { ok: true, chat: (await service.get(chat.id))! };
    },

    async accept(agent: AgentUser, chatId: number, now = new Date()): Promise<Outcome<{ chat: ChatRecord }>> {
      const settingsService = getService(strapi, 'settings');
      const cap = settingsService.cap(await settingsService.get());
      const agents = getService(strapi, 'agents');
      // presence and departments are read first: inside the transaction only trx may be used
      const snapshot = await agents.snapshot(agent, now);
      const chat = await service.get(chatId);
      if (!chat) return { ok: false, error: { code: 'not_found', message: 'No such chat' } };
      const allowed = domain.canAccept({ agent: snapshot, chat, cap });
      if (!allowed.ok) return allowed;
      const decision = domain.accept(chat, agent, now);
      if (!decision.ok) return decision;
      const error = await knex().transaction(async (trx): Promise<AppError | null> => {
        if (cap !== null) {
          // the cap is re-checked under the agent's lock, so concurrent accepts cannot pass it
          await agents.lockAgent(trx, agent.id);
          const active = await trx('chats').where({ agent_id: agent.id, status: 'active' }).count({ n: '*' }).first();
          if (Number(active?.n ?? 0) >= cap) return { code: 'agent_cap_reached', message: `You already have ${cap} active chats, the limit` };
        }
        const won = await service.applyIn(trx, chat, decision.patch, now);
        // accepting is activity: the idle timer starts here, not at the (maybe long) wait's start
        if (won) await trx('chats').where({ id: chat.id }).update({ last_activity_at: toDbTime(strapi, now) });
        return won ? null : { code: 'already_taken', message: 'Another agent took this chat first' };
      });
      if (error) return { ok: false, error };
      await notify(decision.effects);
      return { ok: true, chat: (await service.get(chatId))! };
    },

    /** Closing, ending and transfers all go through here: load, decide, apply. */
    async command(chatId: number, decide: (chat: ChatRecord) => Decision | AppError, now = new Date(), extraWhere = {}) {
      const chat = await service.get(chatId);
      if (!chat) return { ok: false as const, error: { code: 'not_found', message: 'No such chat' } as AppError };
      const decision = decide(chat);
      if ('code' in decision) return { ok: false as const, error: decision };
      return service.apply(chat, decision, now, extraWhere);
    },

    /** Agents may act only on chats of the departments they serve; public acts only on their own. */
    async agentMay(agent: AgentUser, chat: ChatRecord, own: boolean): Promise<AppError | null> {
      const deps = await getService(strapi, 'agents').departmentsOf(agent);
      if (!deps.some((d) => d.id === chat.departmentId)) return { code: 'not_serving_department', message: 'You do not serve this department' };
      if (own && chat.agentId !== agent.id) return { code: 'forbidden', message: 'This chat is with another agent' };
      return null;
    },

    async closeByAgent(agent: AgentUser, chatId: number, reason: string | undefined, tags: string[] | undefined, now = new Date()) {
      const chat = await service.get(chatId);
      if (!chat) return { ok: false as const, error: { code: 'not_found', message: 'No such chat' } as AppError };
      const denied = await service.agentMay(agent, chat, true);
      if (denied) return { ok: false as const, error: denied };
      return service.apply(chat, domain.close(chat, 'agent', reason, tags, now), now, { agent_id: agent.id });
    },

    async transfer(agent: AgentUser, chatId: number, to: { departmentId?: number; agentId?: number }, now = new Date()) {
      const chat = await service.get(chatId);
      if (!chat) return { ok: false as const, error: { code: 'not_found', message: 'No such chat' } as AppError };
      const denied = await service.agentMay(agent, chat, true);
      if (denied) return { ok: false as const, error: denied };
      if (to.departmentId !== undefined) {
        const dep = await strapi.db.query('api::department.department').findOne({ where: { id: to.departmentId } });
        if (!dep) return { ok: false as const, error: { code: 'not_found', message: 'No such department' } as AppError };
        return service.apply(chat, domain.transferToDepartment(chat, { id: dep.id, active: !!dep.active }, now), now, { agent_id: agent.id });
      }
      const agents = getService(strapi, 'agents');
      const target = await agents.loadUser(to.agentId!);
      if (!target) return { ok: false as const, error: { code: 'not_found', message: 'No such agent' } as AppError };
      const settingsService = getService(strapi, 'settings');
      const cap = settingsService.cap(await settingsService.get());
      const problem = domain.checkAgent(await agents.snapshot(target, now), chat.departmentId, cap);
      if (problem) return { ok: false as const, error: problem };
      const decision = domain.transferToAgent(chat, target, now);
      if (!decision.ok) return decision;
      const error = await knex().transaction(async (trx): Promise<AppError | null> => {
        if (cap !== null) {
          await agents.lockAgent(trx, target.id);
          const active = await trx('chats').where({ agent_id: target.id, status: 'active' }).count({ n: '*' }).first();
          if (Number(active?.n ?? 0) >= cap) return { code: 'agent_cap_reached', message: 'That agent has reached the limit of active chats' };
        }
        const done = await service.applyIn(trx, chat, decision.patch, now, { agent_id: agent.id });
        return done ? null : { code: 'invalid_state', message: 'The chat changed meanwhile: reload it and try again' };
      });
      if (error) return { ok: false as const, error };
      await notify(decision.effects);
      return { ok: true as const, chat: (await service.get(chat.id))! };
    },

    async endByVisitor(chat: ChatRecord, now = new Date()) {
      return service.apply(chat, domain.endByVisitor(chat, now), now);
    },

    /** The grace period ran out for these chats' visitors. */
    async visitorsGone(now = new Date()) {
      const grace = (await getService(strapi, 'settings').get()).gracePeriodSeconds;
      const cutoff = new Date(now.getTime() - grace * 1000);
      const rows = await knex()('chats')
        .whereIn('status', ['waiting', 'active'])
        .andWhere((q) => q.whereNull('visitor_seen_at').orWhere('visitor_seen_at', '<', toDbTime(strapi, cutoff)))
        // in the order the visitors left (PostgreSQL has no row order of its own)
        .orderBy([{ column: 'visitor_seen_at', order: 'asc' }, { column: 'id', order: 'asc' }])
        .select('id');
      let ended = 0;
      for (const { id } of rows) {
        const res = await service.command(Number(id), (c) => domain.visitorGone(c, now), now);
        if (res.ok) ended++;
      }
      return ended;
    },

    /** Active chats of agents nobody has seen within the grace period go back to their queues. */
    async requeueGhostAgentChats(now = new Date()) {
      let moved = 0;
      for (const agentId of await getService(strapi, 'agents').ghostsWithChats(now)) {
        const rows = await knex()('chats').where({ agent_id: agentId, status: 'active' }).select('id');
        for (const { id } of rows) {
          const res = await service.command(Number(id), (c) => domain.requeue(c, 'agent_left', now), now, { agent_id: agentId });
          if (res.ok) moved++;
        }
      }
      return moved;
    },

    /** Heartbeat: these chats' visitors are connected to this node. */
    /**
     * Heartbeat: these chats' visitors are connected to this node. A row is rewritten only when
     * its mark is older than a third of the grace period, in batches with a yield between them:
     * on SQLite each write runs on the event loop, and a thousand at once would stall every socket.
     */
    async touchVisitors(chatIds: number[], now = new Date(), opts: { force?: boolean } = {}) {
      if (chatIds.length === 0) return;
      const grace = (await getService(strapi, 'settings').get()).gracePeriodSeconds;
      const staleBefore = toDbTime(strapi, new Date(now.getTime() - (grace * 1000) / 3));
      for (let i = 0; i < chatIds.length; i += 100) {
        const q = knex()('chats').whereIn('id', chatIds.slice(i, i + 100));
        if (!opts.force) q.andWhere((w) => w.whereNull('visitor_seen_at').orWhere('visitor_seen_at', '<', staleBefore));
        await q.update({ visitor_seen_at: toDbTime(strapi, now) });
        if (i + 100 < chatIds.length) await new Promise((r) => setImmediate(r));
      }
    },

    async activeChatsOf(agentId: number): Promise<ChatRecord[]> {
      const rows = await knex()('chats').where({ agent_id: agentId, status: 'active' }).orderBy('accepted_at', 'asc').select();
      return rows.map(toRecord);
    },

    /** Someone can answer the department now: an agent serving it is online and it is open.
     * null when the department does not exist or is not active (nobody will answer either). */
    async canAnswer(departmentId: number, now = new Date(), online?: Set<number>, opts: { maxAgeMs?: number } = {}): Promise<boolean | null> {
      const dep = await strapi.db.query('api::department.department').findOne({ where: { id: departmentId }, select: ['id', 'active', 'timezone', 'businessHours'] });
      if (!dep || !dep.active) return null;
      const deps = online ?? (await getService(strapi, 'agents').onlineDepartments(now, opts));
      return deps.has(dep.id) && domain.isOpen(dep.businessHours ?? null, domain.departmentTimeZone(dep.timezone), now);
    },

    /** The visitor takes the offer: a waiting chat becomes a left message; the department is
     * e-mailed (in the background) once the change is stored. */
    async leaveMessage(chatId: number, now = new Date()): Promise<Outcome<{ chat: ChatRecord }>> {
      const res = await service.command(chatId, (c) => domain.leaveMessage(c, now), now);
      if (res.ok) getService(strapi, 'mail').leftMessageInBackground(res.chat);
      return res;
    },

    /** Waiting chats past the waiting limit are offered, once each (offered_leave_at), to leave a
     * message. Conditional update: of several nodes sweeping at once one sends it. */
    async offerLeaveToLongWaits(now = new Date()) {
      const limit = (await getService(strapi, 'settings').get()).waitingLimitSeconds;
      if (limit <= 0) return 0;
      const cutoff = toDbTime(strapi, new Date(now.getTime() - limit * 1000));
      const rows = await knex()('chats').where({ status: 'waiting' }).whereNull('offered_leave_at').andWhere('queued_at', '<', cutoff).select('id');
      let offered = 0;
      for (const { id } of rows) {
        const n = await knex()('chats').where({ id, status: 'waiting' }).whereNull('offered_leave_at').update({ offered_leave_at: toDbTime(strapi, now) });
        if (n !== 1) continue;
        offered++;
        getService(strapi, 'notifier').visitors()?.to(rooms.chat(Number(id))).emit('chat:offer-leave-message', { reason: 'waited_too_long' });
      }
      return offered;
    },

    /** Was this waiting chat already offered to leave a message (past the limit)? */
    async wasOfferedLeave(chatId: number): Promise<boolean> {
      const row = await knex()('chats').where({ id: chatId }).first('offered_leave_at');
      return !!row?.offered_leave_at;
    },

    /** Active chats silent on both sides for idleSeconds are closed by the system (reason idle).
     * The close is conditional on last_activity_at being unchanged: a message meanwhile wins. */
    async closeIdle(now = new Date()) {
      const idle = (await getService(strapi, 'settings').get()).idleSeconds;
      if (idle <= 0) return 0;
      const cutoff = toDbTime(strapi, new Date(now.getTime() - idle * 1000));
      const rows = await knex()('chats')
        .where({ status: 'active' })
        .andWhere((q) => q.where('last_activity_at', '<', cutoff).orWhere((q2) => q2.whereNull('last_activity_at').andWhere('accepted_at', '<', cutoff)))
        .select('id', 'last_activity_at');
      let closed = 0;
      for (const row of rows) {
        const res = await service.command(Number(row.id), (c) => domain.close(c, 'system', 'idle', undefined, now), now, { last_activity_at: row.last_activity_at ?? null });
        if (res.ok) closed++;
      }
      return closed;
    },

    /** Stores the visitor's rating; a new one within the window replaces the previous one. */
    async rate(chatId: number, rating: number, comment: string | null, now = new Date()) {
      await knex()('chats').where({ id: chatId }).update({ rating, rating_comment: comment, updated_at: toDbTime(strapi, now) });
    },

    /** Claims the chat's one transcript: true for the one request that may send it. */
    async claimTranscript(chatId: number, now = new Date()): Promise<boolean> {
      const n = await knex()('chats').where({ id: chatId }).whereNull('transcript_sent_at').update({ transcript_sent_at: toDbTime(strapi, now) });
      return n === 1;
    },

    /** The e-mail could not be sent: the visitor may ask again. */
    async releaseTranscript(chatId: number) {
      await knex()('chats').where({ id: chatId }).update({ transcript_sent_at: null });
    },

    isFinalFor(status: ChatStatus) {
      return domain.isFinal(status);
    },
  };
  return service;
};

export type ChatsService = ReturnType<typeof createChatsService>;
export type { ClosedBy };
export default createChatsService;
