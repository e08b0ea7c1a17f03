import type { Core } from '@strapi/strapi';
import type { AppError, HistoryItem, MessageDto } from '../../../shared/contract';
import * as domain from '../domain';
import { getService, knexOf, newDocumentId, toDbTime } from '../utils';
import type { AgentUser } from './agents';

type Failure = { ok: false; error: AppError; status: number };

/**
 * Answering a left message by e-mail. The chat is claimed first (left_message → answered, one
 * conditional update: of two agents replying at once, one sends); then the e-mail goes out
 * through Strapi's email plugin with Reply-To the department's address; only then is the reply
 * stored in the chat's history. A failed e-mail gives the claim back.
 */
const createRepliesService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);
  const chats = () => getService(strapi, 'chats');

  const service = {
    async replyToLeftMessage(agent: AgentUser, chatId: number, body: string, now = new Date()): Promise<{ ok: true; chat: HistoryItem; message: MessageDto } | Failure> {
      const chat = await chats().get(chatId);
      if (!chat) return { ok: false, status: 404, error: { code: 'not_found', message: 'No such chat' } };
      const denied = await chats().agentMay(agent, chat, false);
      if (denied) return { ok: false, status: 403, error: denied };
      if (chat.status === 'answered') return { ok: false, status: 409, error: { code: 'invalid_state', message: 'This message was already answered' } };
      if (chat.status !== 'left_message') {
        return { ok: false, status: 409, error: { code: 'invalid_state', message: `Only left messages are answered by e-mail; this chat is ${chat.status}` } };
      }
      const decision = domain.answer(chat, now);
      if (!decision.ok) return { ok: false, status: 409, error: decision.error };
      const previous = { agentId: chat.agentId, agentName: chat.agentName, firstAgentReplyAt: chat.firstAgentReplyAt };
      const claimed = await knex().transaction((trx) =>
        chats().applyIn(trx, chat, { ...decision.patch, agentId: agent.id, agentName: agent.name }, now)
      );
      if (!claimed) return { ok: false, status: 409, error: { code: 'invalid_state', message: 'Another agent answered this message meanwhile' } };

      const dep = await strapi.db.query('api::department.department').findOne({ where: { id: chat.departmentId }, select: ['notificationEmail'] });
      const replyTo = typeof dep?.notificationEmail === 'string' && dep.notificationEmail.trim() ? dep.notificationEmail.trim() : undefined;
      try {
        const content = domain.replyMail(chat, body, agent.name);
        await strapi.plugin('email').service('email').send({ to: chat.visitorEmail, ...(replyTo ? { replyTo } : {}), ...content });
      } catch (e) {
        strapi.log.error(`[live-chat] reply e-mail for chat ${chat.id}: ${(e as Error).message}`);
        const answered = { ...chat, status: 'answered' as const };
        await knex().transaction((trx) => chats().applyIn(trx, answered, { status: 'left_message', ...previous }, now));
        return {
          ok: false,
          status: 502,
          error: { code: 'internal_error', message: 'The e-mail could not be sent: the message is still unanswered, try again later' },
        };
      }

      // stored after the e-mail left: the history never shows a reply the visitor did not get
      const message = await knex().transaction(async (trx) => {
        await trx('chats').where({ id: chat.id }).increment('last_seq', 1);
        const { last_seq } = await trx('chats').where({ id: chat.id }).first('last_seq');
        const seq = Number(last_seq);
        const at = toDbTime(strapi, now);
        const [inserted] = await trx('messages')
          .insert({
            document_id: newDocumentId(),
            chat_id: chat.id,
            seq,
            client_id: null,
            chat_client_key: null,
            sender: 'agent',
            sender_name: agent.name,
            agent_id: agent.id,
            kind: 'text',
            visibility: 'public',
            body,
            created_at: at,
            updated_at: at,
            published_at: at,
          })
          .returning('id');
        const id = Number(typeof inserted === 'object' ? inserted.id : inserted);
        await trx('messages_chat_lnk').insert({ message_id: id, chat_id: chat.id, message_ord: seq });
        const dto: MessageDto = {
          id,
          chatId: chat.id,
          seq,
          clientId: null,
          sender: 'agent',
          senderName: agent.name,
          kind: 'text',
          visibility: 'public',
          body,
          createdAt: now.toISOString(),
        };
        return dto;
      });
      return { ok: true, chat: (await getService(strapi, 'history').item(chat.id))!, message };
    },
  };
  return service;
};

export type RepliesService = ReturnType<typeof createRepliesService>;
export default createRepliesService;
