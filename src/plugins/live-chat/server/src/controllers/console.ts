import type { Core } from '@strapi/strapi';
import type {
  CannedResponses,
  ChatTranscript,
  ConsoleSettings,
  DepartmentUpdate,
  Directory,
  EarlierChats,
  ErrorResponse,
  HistorySearch,
  Presence,
  ReplyLeftMessage,
} from '../../../shared/contract';
import { CEILING_RULES } from '../../../../../upload/rules';
import * as domain from '../domain';
import { fromDbTime, getService, knexOf } from '../utils';
import type { AgentUser } from '../services/agents';

const fail = (ctx: any, status: number, body: ErrorResponse) => {
  ctx.status = status;
  ctx.body = body;
};

/**
 * The console's REST side (admin API: Strapi's admin auth, then the plugin's RBAC actions as
 * route policies). Thin: validate, call one service, answer with the contract's shape.
 */
const createConsoleController = ({ strapi }: { strapi: Core.Strapi }) => {
  /** The signed-in admin user as an agent (the policy already checked the permission). */
  const agentOf = async (ctx: any): Promise<AgentUser | null> => {
    const agent = ctx.state?.user?.id ? await getService(strapi, 'agents').loadUser(ctx.state.user.id) : null;
    if (!agent) fail(ctx, 401, { error: { code: 'unauthorized', message: 'Sign in to the admin again' } });
    return agent;
  };
  const chatIdOf = (ctx: any): number | null => {
    const parsed = domain.parseChatId(ctx.params.id);
    if (parsed.ok) return parsed.value;
    fail(ctx, 400, { error: { code: 'validation_failed', message: 'Invalid chat id', fields: { id: 'Must be a positive whole number' } } });
    return null;
  };

  const search = async (ctx: any, query: Record<string, unknown>) => {
    const parsed = domain.parseHistoryQuery(query);
    if (!parsed.ok) return fail(ctx, 400, { error: parsed.error });
    const agent = await agentOf(ctx);
    if (!agent) return;
    const res = await getService(strapi, 'history').search(agent, parsed.value);
    if (!res.ok) return fail(ctx, res.status, { error: res.error });
    ctx.body = res.value satisfies HistorySearch.Response;
  };

  return {
    /** GET /history */
    async history(ctx: any) {
      return search(ctx, { ...ctx.query });
    },

    /** GET /left-messages — the inbox: left messages (default) or answered ones */
    async leftMessages(ctx: any) {
      const status = ctx.query.status ?? 'left_message';
      if (status !== 'left_message' && status !== 'answered') {
        return fail(ctx, 400, { error: { code: 'validation_failed', message: 'Invalid status', fields: { status: 'Must be one of: left_message, answered' } } });
      }
      return search(ctx, { ...ctx.query, status });
    },

    /** GET /history/:id */
    async transcript(ctx: any) {
      const chatId = chatIdOf(ctx);
      if (chatId === null) return;
      const agent = await agentOf(ctx);
      if (!agent) return;
      const res = await getService(strapi, 'history').transcript(agent, chatId);
      if (!res.ok) return fail(ctx, res.status, { error: res.error });
      ctx.body = res.value satisfies ChatTranscript.Response;
    },

    /** GET /chats/:id/earlier */
    async earlier(ctx: any) {
      const chatId = chatIdOf(ctx);
      if (chatId === null) return;
      const agent = await agentOf(ctx);
      if (!agent) return;
      const res = await getService(strapi, 'history').earlier(agent, chatId);
      if (!res.ok) return fail(ctx, res.status, { error: res.error });
      ctx.body = { results: res.value } satisfies EarlierChats.Response;
    },

    /** POST /chats/:id/reply */
    async reply(ctx: any) {
      const chatId = chatIdOf(ctx);
      if (chatId === null) return;
      const parsed = domain.parseReply(ctx.request.body);
      if (!parsed.ok) return fail(ctx, 400, { error: parsed.error });
      const agent = await agentOf(ctx);
      if (!agent) return;
      const res = await getService(strapi, 'replies').replyToLeftMessage(agent, chatId, parsed.value.body);
      if (!res.ok) return fail(ctx, res.status, { error: res.error });
      ctx.status = 201;
      ctx.body = { chat: res.chat, message: res.message } satisfies ReplyLeftMessage.Response;
    },

    /** GET /canned-responses */
    async canned(ctx: any) {
      const agent = await agentOf(ctx);
      if (!agent) return;
      ctx.body = { results: await getService(strapi, 'canned').forAgent(agent) } satisfies CannedResponses.Response;
    },

    /** GET /directory — departments and agents a chat can be transferred to */
    async directory(ctx: any) {
      const agent = await agentOf(ctx);
      if (!agent) return;
      const deps = await strapi.db.query('api::department.department').findMany({
        where: { active: true },
        select: ['id', 'name'],
        populate: { agents: { select: ['id'] } },
        orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }],
      });
      const agents = getService(strapi, 'agents');
      const grace = (await getService(strapi, 'settings').get()).gracePeriodSeconds;
      const rows = await knexOf(strapi)('live_chat_agent_presences').select('user_id', 'name', 'presence', 'last_seen_at');
      const cutoff = Date.now() - grace * 1000;
      const list: Directory.Response['agents'] = [];
      for (const r of rows) {
        const user = await agents.loadUser(Number(r.user_id));
        if (!user) continue;
        const seen = r.last_seen_at ? Date.parse(fromDbTime(r.last_seen_at)!) : 0;
        const presence: Presence = seen >= cutoff ? r.presence : 'offline';
        list.push({ id: user.id, name: user.name, presence, departmentIds: (await agents.departmentsOf(user)).map((d) => d.id) });
      }
      ctx.body = { departments: deps.map((d: any) => ({ id: d.id, name: d.name })), agents: list } satisfies Directory.Response;
    },

    /** GET /settings */
    async readSettings(ctx: any) {
      ctx.body = (await getService(strapi, 'console-settings').read()) satisfies ConsoleSettings.Response;
    },

    /** PUT /settings */
    async writeSettings(ctx: any) {
      const parsed = domain.parseSettingsPatch(ctx.request.body);
      if (!parsed.ok) return fail(ctx, 400, { error: parsed.error });
      const wider = domain.uploadNarrowingError(parsed.value.upload, CEILING_RULES);
      if (wider) return fail(ctx, 400, { error: { code: 'validation_failed', message: 'Settings may only narrow the upload rules', fields: wider } });
      ctx.body = (await getService(strapi, 'console-settings').write(parsed.value)) satisfies ConsoleSettings.Response;
    },

    /** PUT /departments/:id */
    async updateDepartment(ctx: any) {
      const id = chatIdOf(ctx);
      if (id === null) return;
      const parsed = domain.parseDepartmentPatch(ctx.request.body);
      if (!parsed.ok) return fail(ctx, 400, { error: parsed.error });
      const service = getService(strapi, 'console-settings');
      const unknown = await service.unknownUsers(parsed.value.agentIds ?? []);
      if (unknown.length) {
        return fail(ctx, 400, { error: { code: 'validation_failed', message: 'Unknown agents', fields: { agentIds: `No active admin user with id ${unknown.join(', ')}` } } });
      }
      const department = await service.updateDepartment(id, parsed.value as DepartmentUpdate.Request, ctx.state?.user);
      if (!department) return fail(ctx, 404, { error: { code: 'not_found', message: 'No such department' } });
      ctx.body = { department } satisfies DepartmentUpdate.Response;
    },
  };
};

export default createConsoleController;
