import type { Core } from '@strapi/strapi';
import type { ErrorResponse } from '../../../shared/contract';
import * as domain from '../domain';
import { getService } from '../utils';
import { rooms } from '../services/notifier';
import { authenticateAgent } from '../realtime/agent';

const fail = (ctx: any, status: number, body: ErrorResponse) => {
  ctx.status = status;
  ctx.body = body;
};

const bearer = (ctx: any): string | null => {
  const m = /^Bearer\s+(\S+)$/i.exec(ctx.request.header.authorization ?? '');
  return m ? m[1] : null;
};

/**
 * Who is asking about this chat: its visitor (the chat token, also for a while after the chat
 * ended) or an agent who serves its department (an admin access token). Null when neither.
 */
async function whoFor(strapi: Core.Strapi, ctx: any, chatId: number) {
  const token = bearer(ctx);
  if (!token) return null;
  const chats = getService(strapi, 'chats');
  const chat = await chats.verifyToken(chatId, token);
  if (chat) {
    if (chat.closedAt && domain.isFinal(chat.status)) {
      const window = (await getService(strapi, 'settings').get()).postCloseWindowSeconds;
      if (Date.now() - Date.parse(chat.closedAt) > window * 1000) return null;
    }
    return { kind: 'visitor' as const, chat };
  }
  const agent = await authenticateAgent(strapi, token);
  if (!agent) return null;
  const found = await chats.get(chatId);
  if (!found) return null;
  if (await chats.agentMay(agent, found, false)) return null;
  return { kind: 'agent' as const, chat: found, agent };
}

const createFilesController = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** POST /api/live-chat/chats/:id/files — multipart field `file`, optional field `clientId` */
  async upload(ctx: any) {
    const chatId = domain.parseChatId(ctx.params.id);
    if (!chatId.ok) return fail(ctx, 400, { error: chatId.error });
    const who = await whoFor(strapi, ctx, chatId.value);
    if (!who) return fail(ctx, 401, { error: { code: 'unauthorized', message: 'This chat link is not valid' } });
    const files = ctx.request.files ?? {};
    const file = Array.isArray(files.file) ? null : files.file;
    if (!file || Object.keys(files).length !== 1) {
      return fail(ctx, 400, { error: { code: 'validation_failed', message: 'Send exactly one file, in the field "file"' } });
    }
    const clientId = typeof ctx.request.body?.clientId === 'string' ? ctx.request.body.clientId : null;
    if (clientId !== null && !/^[A-Za-z0-9_:.-]{1,64}$/.test(clientId)) {
      return fail(ctx, 400, { error: { code: 'validation_failed', message: 'Invalid clientId', fields: { clientId: 'Up to 64 letters, digits, _ - : .' } } });
    }
    const rl = getService(strapi, 'rate-limit');
    const wait = await rl.consume('messagesPerChat', String(chatId.value));
    if (wait !== null) {
      ctx.set('Retry-After', String(wait));
      return fail(ctx, 429, { error: { code: 'rate_limited', message: `Too many messages: wait ${wait} s and try again`, retryAfter: wait } });
    }

    const by =
      who.kind === 'visitor'
        ? { sender: 'visitor' as const, name: who.chat.visitorName }
        : { sender: 'agent' as const, name: who.agent.name, agentId: who.agent.id };
    const res = await getService(strapi, 'files').attach(chatId.value, file, by, clientId);
    if (!res.ok) return fail(ctx, res.status, { error: res.error });

    if (!res.duplicate) {
      const notifier = getService(strapi, 'notifier');
      notifier.visitors()?.to(rooms.chat(chatId.value)).emit('message:created', res.message);
      const agentId = who.kind === 'agent' ? who.agent.id : res.chatAgentId;
      if (agentId) notifier.agents()?.to(rooms.agent(agentId)).emit('message:created', res.message);
    }
    ctx.status = 201;
    ctx.body = { message: res.message };
  },

  /** GET /api/live-chat/chats/:id/attachments/:attachmentId — a short-lived signed URL */
  async url(ctx: any) {
    const chatId = domain.parseChatId(ctx.params.id);
    const attachmentId = domain.parseChatId(ctx.params.attachmentId);
    if (!chatId.ok || !attachmentId.ok) return fail(ctx, 400, { error: { code: 'validation_failed', message: 'Invalid id' } });
    const who = await whoFor(strapi, ctx, chatId.value);
    if (!who) return fail(ctx, 401, { error: { code: 'unauthorized', message: 'This chat link is not valid' } });
    const signed = await getService(strapi, 'files').signedUrl(chatId.value, attachmentId.value);
    if (!signed) return fail(ctx, 404, { error: { code: 'not_found', message: 'No such file in this chat' } });
    ctx.body = signed;
  },
});

export default createFilesController;
