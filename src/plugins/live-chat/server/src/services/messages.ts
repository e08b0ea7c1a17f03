import type { Core } from '@strapi/strapi';
import type { AppError, MessageDto, MessageKind, Sender, Visibility } from '../../../shared/contract';
import { fromDbTime, isUniqueViolation, knexOf, newDocumentId, toDbTime } from '../utils';

export interface NewMessage {
  chatId: number;
  sender: Sender;
  senderName: string | null;
  agentId?: number | null;
  clientId: string | null;
  body: string;
  kind?: MessageKind;
  visibility?: Visibility;
}

const toDto = (r: any): MessageDto => ({
  id: Number(r.id),
  chatId: Number(r.chat_id),
  seq: Number(r.seq),
  clientId: r.client_id ?? null,
  sender: r.sender,
  senderName: r.sender_name ?? null,
  kind: r.kind,
  visibility: r.visibility,
  body: r.body ?? '',
  createdAt: fromDbTime(r.created_at)!,
});

/** Statuses in which a chat still takes messages. */
const OPEN = ['waiting', 'active'];

/**
 * The message hot path, through knex rather than the Document Service (several times slower):
 * one transaction takes the chat's next sequence number (an UPDATE ... RETURNING on the chat row,
 * which also serialises writers of the same chat), inserts the message and its link row. The
 * unique (chat_id, client_id) index makes a retried send a no-op that returns the stored message.
 */
const createMessagesService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);

  const service = {
    async append(m: NewMessage, now = new Date()): Promise<{ ok: true; message: MessageDto; duplicate: boolean; chatAgentId: number | null } | { ok: false; error: AppError }> {
      if (m.clientId) {
        const existing = await service.byClientId(m.chatId, m.clientId);
        if (existing) return { ok: true, message: existing, duplicate: true, chatAgentId: await service.chatAgent(m.chatId) };
      }
      const at = toDbTime(strapi, now);
      const isAgentReply = m.sender === 'agent' && (m.visibility ?? 'public') === 'public';
      try {
        const row = await knex().transaction(async (trx) => {
          const bump: Record<string, unknown> = { last_seq: trx.raw('last_seq + 1'), last_activity_at: at };
          if (isAgentReply) bump.first_agent_reply_at = trx.raw('COALESCE(first_agent_reply_at, ?)', [at]);
          const updated = await trx('chats').where({ id: m.chatId }).whereIn('status', OPEN).update(bump, ['last_seq', 'agent_id']);
          if (!updated.length) return null;
          const { last_seq, agent_id } = updated[0] as { last_seq: number; agent_id: number | null };
          const seq = Number(last_seq);
          const data = {
            document_id: newDocumentId(),
            chat_id: m.chatId,
            seq,
            client_id: m.clientId,
            chat_client_key: m.clientId ? `${m.chatId}:${m.clientId}` : null,
            sender: m.sender,
            sender_name: m.senderName,
            agent_id: m.agentId ?? null,
            kind: m.kind ?? 'text',
            visibility: m.visibility ?? 'public',
            body: m.body,
            created_at: at,
            updated_at: at,
            published_at: at,
          };
          const [inserted] = await trx('messages').insert(data, ['id']);
          const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
          await trx('messages_chat_lnk').insert({ message_id: id, chat_id: m.chatId, message_ord: seq });
          return { ...data, id, chatAgentId: agent_id === null || agent_id === undefined ? null : Number(agent_id) };
        });
        if (!row) {
          const chat = await knex()('chats').where({ id: m.chatId }).first('status');
          return {
            ok: false,
            error: chat ? { code: 'chat_closed', message: 'This chat is over: messages can no longer be sent' } : { code: 'not_found', message: 'No such chat' },
          };
        }
        return { ok: true, message: toDto(row), duplicate: false, chatAgentId: row.chatAgentId };
      } catch (err) {
        // the same client id sent twice at the same moment: the loser returns the winner's message
        if (m.clientId && isUniqueViolation(err)) {
          const existing = await service.byClientId(m.chatId, m.clientId);
          if (existing) return { ok: true, message: existing, duplicate: true, chatAgentId: await service.chatAgent(m.chatId) };
        }
        throw err;
      }
    },

    async chatAgent(chatId: number): Promise<number | null> {
      const row = await knex()('chats').where({ id: chatId }).first('agent_id');
      return row?.agent_id ? Number(row.agent_id) : null;
    },

    async byClientId(chatId: number, clientId: string): Promise<MessageDto | null> {
      const row = await knex()('messages').where({ chat_id: chatId, client_id: clientId }).first();
      return row ? toDto(row) : null;
    },

    /** Messages after a sequence number, in order; visitors never get agents-only notes. */
    async after(chatId: number, afterSeq: number, audience: 'visitor' | 'agent', limit = 1000): Promise<MessageDto[]> {
      const q = knex()('messages').where({ chat_id: chatId }).andWhere('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit);
      if (audience === 'visitor') q.andWhere({ visibility: 'public' });
      return (await q.select()).map(toDto);
    },
  };
  return service;
};

export type MessagesService = ReturnType<typeof createMessagesService>;
export default createMessagesService;
