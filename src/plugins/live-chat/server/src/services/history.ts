import type { Core } from '@strapi/strapi';
import type { AppError, ChatTranscript, HistoryItem, HistorySearch, MessageDto } from '../../../shared/contract';
import * as domain from '../domain';
import { getService, knexOf, toDbTime } from '../utils';
import { toSummary } from './chats';
import type { AgentUser } from './agents';

const toItem = (r: any): HistoryItem => ({
  ...toSummary(r),
  rating: r.rating === null || r.rating === undefined ? null : Number(r.rating),
  messageCount: Number(r.message_count ?? 0),
});

const COLUMNS = [
  'c.id',
  'c.status',
  'c.department_id',
  'c.department_name',
  'c.visitor_name',
  'c.visitor_email',
  'c.question',
  'c.agent_id',
  'c.agent_name',
  'c.queued_at',
  'c.accepted_at',
  'c.closed_at',
  'c.closed_by',
  'c.close_reason',
  'c.tags',
  'c.rating',
];

/**
 * The history as agents read it: search, one transcript, earlier chats of a visitor. An agent
 * sees the chats of the departments it serves; a Super Admin sees every chat.
 */
const createHistoryService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);

  /** null = no restriction (Super Admin) */
  const scope = async (agent: AgentUser): Promise<number[] | null> =>
    agent.isSuperAdmin ? null : (await getService(strapi, 'agents').departmentsOf(agent)).map((d) => d.id);

  const messageCount = () =>
    knex().raw(`(SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.kind <> 'event' AND m.visibility = 'public') AS message_count`);

  const service = {
    async search(
      agent: AgentUser,
      query: HistorySearch.Query
    ): Promise<{ ok: true; value: HistorySearch.Response } | { ok: false; error: AppError; status: number }> {
      const deps = await scope(agent);
      if (query.departmentId !== undefined && deps && !deps.includes(query.departmentId)) {
        return { ok: false, status: 403, error: { code: 'not_serving_department', message: 'You do not serve this department' } };
      }
      const base = knex()('chats as c');
      if (deps) base.whereIn('c.department_id', deps);
      if (query.departmentId !== undefined) base.where('c.department_id', query.departmentId);
      if (query.status) base.where('c.status', query.status);
      if (query.agentId !== undefined) base.where('c.agent_id', query.agentId);
      if (query.email) base.whereRaw('lower(c.visitor_email) = ?', [query.email.toLowerCase()]);
      if (query.from) base.where('c.queued_at', '>=', toDbTime(strapi, new Date(query.from)));
      if (query.to) base.where('c.queued_at', '<', toDbTime(strapi, new Date(query.to)));
      if (query.q) {
        const like = domain.likePattern(query.q);
        base.where((w) =>
          w
            .whereRaw(`lower(c.question) LIKE ? ESCAPE '\\'`, [like])
            .orWhereRaw(`lower(c.visitor_name) LIKE ? ESCAPE '\\'`, [like])
            .orWhereRaw(`lower(c.visitor_email) LIKE ? ESCAPE '\\'`, [like])
            .orWhereRaw(`EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND lower(m.body) LIKE ? ESCAPE '\\')`, [like])
        );
      }
      const page = query.page ?? 1;
      const pageSize = query.pageSize ?? 20;
      const [countRow, rows] = await Promise.all([
        base.clone().count({ n: '*' }).first(),
        base
          .clone()
          .select([...COLUMNS, messageCount()])
          .orderBy([
            { column: 'c.queued_at', order: 'desc' },
            { column: 'c.id', order: 'desc' },
          ])
          .limit(pageSize)
          .offset((page - 1) * pageSize),
      ]);
      const total = Number((countRow as any)?.n ?? 0);
      return {
        ok: true,
        value: { results: rows.map(toItem), pagination: { page, pageSize, total, pageCount: Math.ceil(total / pageSize) } },
      };
    },

    async item(chatId: number): Promise<HistoryItem | null> {
      const row = await knex()('chats as c').where('c.id', chatId).first([...COLUMNS, messageCount()]);
      return row ? toItem(row) : null;
    },

    /** One chat with every message (notes included) and a signed URL for each file. */
    async transcript(agent: AgentUser, chatId: number): Promise<{ ok: true; value: ChatTranscript.Response } | { ok: false; error: AppError; status: number }> {
      const row = await knex()('chats as c')
        .where('c.id', chatId)
        .first([...COLUMNS, 'c.page_url', 'c.user_agent', 'c.locale', 'c.rating_comment', messageCount()]);
      if (!row) return { ok: false, status: 404, error: { code: 'not_found', message: 'No such chat' } };
      const deps = await scope(agent);
      if (deps && !deps.includes(Number(row.department_id))) {
        return { ok: false, status: 403, error: { code: 'not_serving_department', message: 'You do not serve this chat’s department' } };
      }
      const files = getService(strapi, 'files');
      const messages: MessageDto[] = await Promise.all(
        (await getService(strapi, 'messages').after(chatId, 0, 'agent', 10000)).map(async (m) => {
          if (!m.attachment) return m;
          const signed = await files.signedUrl(chatId, m.attachment.id);
          return { ...m, attachment: { ...m.attachment, ...(signed ? { url: signed.url } : {}) } };
        })
      );
      return {
        ok: true,
        value: {
          chat: {
            ...toItem(row),
            pageUrl: row.page_url ?? null,
            userAgent: row.user_agent ?? null,
            locale: row.locale ?? null,
            ratingComment: row.rating_comment ?? null,
          },
          messages,
        },
      };
    },

    /** Other chats of the same visitor e-mail, in the agent's departments, newest first. */
    async earlier(agent: AgentUser, chatId: number): Promise<{ ok: true; value: HistoryItem[] } | { ok: false; error: AppError; status: number }> {
      const chat = await getService(strapi, 'chats').get(chatId);
      if (!chat) return { ok: false, status: 404, error: { code: 'not_found', message: 'No such chat' } };
      const deps = await scope(agent);
      if (deps && !deps.includes(chat.departmentId)) {
        return { ok: false, status: 403, error: { code: 'not_serving_department', message: 'You do not serve this chat’s department' } };
      }
      const q = knex()('chats as c')
        .whereRaw('lower(c.visitor_email) = ?', [chat.visitorEmail.toLowerCase()])
        .whereNot('c.id', chatId)
        .select([...COLUMNS, messageCount()])
        .orderBy([
          { column: 'c.queued_at', order: 'desc' },
          { column: 'c.id', order: 'desc' },
        ])
        .limit(20);
      if (deps) q.whereIn('c.department_id', deps);
      return { ok: true, value: (await q).map(toItem) };
    },
  };
  return service;
};

export type HistoryService = ReturnType<typeof createHistoryService>;
export default createHistoryService;
