import type { Core } from '@strapi/strapi';
import type { AppError, ErrorResponse, Rating, Transcript } from '../../../shared/contract';
import * as domain from '../domain';
import { getService } from '../utils';
import type { ChatRecord } from '../services/chats';

const fail = (ctx: any, status: number, error: AppError) => {
  ctx.status = status;
  ctx.body = { error } satisfies ErrorResponse;
};

const STATUS_OF: Partial<Record<AppError['code'], number>> = { invalid_state: 409, expired: 403 };

/** `Authorization: Bearer <chat token>` for the chat in the path; constant-time check. */
async function authenticate(strapi: Core.Strapi, ctx: any): Promise<ChatRecord | null> {
  const header = String(ctx.request.header.authorization ?? '');
  const match = /^Bearer\s+(\S{1,256})$/i.exec(header);
  const id = domain.parseChatId(ctx.params.id);
  if (!match || !id.ok) {
    fail(ctx, 401, { code: 'unauthorized', message: 'This chat needs its token (Authorization: Bearer <token>)' });
    return null;
  }
  const chat = await getService(strapi, 'chats').verifyToken(id.value, match[1]);
  if (!chat) fail(ctx, 401, { code: 'unauthorized', message: 'This chat link is not valid' });
  return chat;
}

/** After the closing, within the post-closing window: null if allowed (the refusal is sent). */
async function afterClose(strapi: Core.Strapi, ctx: any, chat: ChatRecord, now: Date): Promise<boolean> {
  const window = (await getService(strapi, 'settings').get()).postCloseWindowSeconds;
  const refusal = domain.afterCloseRefusal(chat, window, now);
  if (refusal) fail(ctx, STATUS_OF[refusal.code] ?? 400, refusal);
  return !refusal;
}

/** What the chat token still allows once the chat is over (rating, transcript). */
const createVisitorController = ({ strapi }: { strapi: Core.Strapi }) => ({
  async rate(ctx: any) {
    const now = new Date();
    const chat = await authenticate(strapi, ctx);
    if (!chat) return;
    const parsed = domain.parseRating(ctx.request.body ?? {});
    if (!parsed.ok) return fail(ctx, 400, parsed.error);
    if (!(await afterClose(strapi, ctx, chat, now))) return;
    const comment = parsed.value.comment ? parsed.value.comment : null;
    await getService(strapi, 'chats').rate(chat.id, parsed.value.rating, comment, now);
    ctx.body = { rating: parsed.value.rating, comment } satisfies Rating.Response;
  },

  async transcript(ctx: any) {
    const now = new Date();
    const chat = await authenticate(strapi, ctx);
    if (!chat) return;
    // the address is the chat's own; a request naming one (or anything else) is refused
    const parsed = domain.parseTranscriptRequest(ctx.request.body ?? {});
    if (!parsed.ok) return fail(ctx, 400, { ...parsed.error, message: 'The transcript is sent only to the e-mail address given when the chat started: send no fields' });
    if (!(await afterClose(strapi, ctx, chat, now))) return;
    const chats = getService(strapi, 'chats');
    if (!(await chats.claimTranscript(chat.id, now))) {
      return fail(ctx, 409, { code: 'already_sent', message: 'The transcript of this chat was already sent to its e-mail address' });
    }
    try {
      await getService(strapi, 'mail').transcript(chat);
    } catch (e) {
      strapi.log.error(`[live-chat] transcript e-mail for chat ${chat.id}: ${(e as Error).message}`);
      await chats.releaseTranscript(chat.id);
      return fail(ctx, 502, { code: 'internal_error', message: 'The e-mail could not be sent now: please try again later' });
    }
    ctx.body = { sentAt: now.toISOString() } satisfies Transcript.Response;
  },
});

export default createVisitorController;
