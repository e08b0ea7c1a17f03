import type { Core } from '@strapi/strapi';
import { LIMITS, type DepartmentInfo, type ErrorResponse, type StartChat, type WidgetConfig } from '../../../shared/contract';
import * as domain from '../domain';
import { getService } from '../utils';

const fail = (ctx: any, status: number, body: ErrorResponse) => {
  ctx.status = status;
  ctx.body = body;
};

/** The visitor's REST side: configuration for the start form, and starting a chat. */
const createWidgetController = ({ strapi }: { strapi: Core.Strapi }) => ({
  async config(ctx: any) {
    const now = new Date();
    const settings = await getService(strapi, 'settings').get();
    const online = await getService(strapi, 'agents').onlineDepartments(now);
    const rows = await strapi.db.query('api::department.department').findMany({
      where: { active: true },
      orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }],
    });
    const departments: DepartmentInfo[] = rows.map((d: any) => {
      const timezone = domain.departmentTimeZone(d.timezone);
      const open = domain.isOpen(d.businessHours ?? null, timezone, now);
      return {
        id: d.id,
        name: d.name,
        description: d.description ?? null,
        online: online.has(d.id),
        open,
        timezone,
        businessHours: d.businessHours ?? null,
        canAnswer: open && online.has(d.id),
      };
    });
    ctx.body = {
      departments,
      settings: {
        gracePeriodSeconds: settings.gracePeriodSeconds,
        waitingLimitSeconds: settings.waitingLimitSeconds,
        maxMessageLength: LIMITS.messageBody,
        privacyNotice: settings.privacyNotice,
        idleSeconds: settings.idleSeconds,
        postCloseWindowSeconds: settings.postCloseWindowSeconds,
        upload: await getService(strapi, 'files').rules().then((r) => ({ maxBytes: r.maxBytes, extensions: [...r.extensions] })),
      },
    } satisfies WidgetConfig.Response;
  },

  async start(ctx: any) {
    const parsed = domain.parseStartChat(ctx.request.body);
    if (!parsed.ok) return fail(ctx, 400, { error: parsed.error });
    const wait = await getService(strapi, 'rate-limit').consume('startPerIp', ctx.request.ip);
    if (wait !== null) {
      ctx.set('Retry-After', String(wait));
      return fail(ctx, 429, { error: { code: 'rate_limited', message: `Too many chats started from your address: try again in ${wait} s`, retryAfter: wait } });
    }
    const chats = getService(strapi, 'chats');
    // nobody can answer (no agent online, or outside the department's hours): a left message
    // (an unknown or inactive department is refused by start, without spending leave points)
    const leaveMessage = (await chats.canAnswer(parsed.value.departmentId)) === false;
    if (leaveMessage) {
      const rl = getService(strapi, 'rate-limit');
      const leaveWait = (await rl.consume('leavePerIp', ctx.request.ip)) ?? (await rl.consume('leavePerEmail', parsed.value.email.toLowerCase()));
      if (leaveWait !== null) {
        ctx.set('Retry-After', String(leaveWait));
        return fail(ctx, 429, { error: { code: 'rate_limited', message: `Too many messages left: try again in ${leaveWait} s`, retryAfter: leaveWait } });
      }
    }
    const res = await chats.start(parsed.value as StartChat.Request, { userAgent: ctx.request.header['user-agent'], leaveMessage });
    if (!res.ok) return fail(ctx, 400, { error: res.error });
    if (leaveMessage) getService(strapi, 'mail').leftMessageInBackground(res.chat);
    ctx.status = 201;
    ctx.body = { chatId: res.chat.id, token: res.token, status: res.chat.status, queue: res.queue } satisfies StartChat.Response;
  },
});

export default createWidgetController;
