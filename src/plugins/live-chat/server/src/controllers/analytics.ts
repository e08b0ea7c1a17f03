import type { Core } from '@strapi/strapi';
import { Analytics } from '../../../shared/analytics';
import { localDate, parseAnalyticsQuery, toCsv } from '../domain/analytics';
import type { Scope } from '../services/analytics';
import type { AgentUser } from '../services/agents';
import { getService } from '../utils';

const fail = (ctx: any, status: number, error: Analytics.Error) => {
  ctx.status = status;
  ctx.body = { error } satisfies Analytics.ErrorResponse;
};

/**
 * The analytics endpoints (admin API, behind the plugin's `analytics` permission): validate the
 * query, resolve the departments the user may see, call one service method.
 */
const createAnalyticsController = ({ strapi }: { strapi: Core.Strapi }) => {
  const analytics = () => getService(strapi, 'analytics');

  const userOf = async (ctx: any): Promise<AgentUser | null> => {
    const user = ctx.state?.user?.id ? await getService(strapi, 'agents').loadUser(ctx.state.user.id) : null;
    if (!user) fail(ctx, 401, { code: 'unauthorized', message: 'Sign in to the admin again' });
    return user;
  };

  const scoped = async (ctx: any, query: Record<string, unknown>, opts: { needTerm?: boolean } = {}): Promise<{ user: AgentUser; scope: Scope } | null> => {
    const parsed = parseAnalyticsQuery(query, Date.now(), opts);
    if (!parsed.ok) {
      fail(ctx, 400, parsed.error);
      return null;
    }
    const user = await userOf(ctx);
    if (!user) return null;
    const scope = await analytics().scope(user, parsed.value);
    if (!scope.ok) {
      fail(ctx, scope.status, scope.error);
      return null;
    }
    return { user, scope: scope.value };
  };

  const simple =
    <R>(run: (s: Scope) => Promise<R>) =>
    async (ctx: any) => {
      const got = await scoped(ctx, { ...ctx.query });
      if (!got) return;
      ctx.body = await run(got.scope);
    };

  return {
    /** GET /analytics/volume */
    volume: simple((s) => analytics().volume(s) satisfies Promise<Analytics.Volume.Response>),
    /** GET /analytics/service */
    service: simple((s) => analytics().service(s) satisfies Promise<Analytics.Service.Response>),
    /** GET /analytics/hours */
    hours: simple((s) => analytics().hours(s) satisfies Promise<Analytics.Hours.Response>),
    /** GET /analytics/agents */
    agents: simple((s) => analytics().agents(s) satisfies Promise<Analytics.Agents.Response>),
    /** GET /analytics/demands */
    demands: simple((s) => analytics().demands(s) satisfies Promise<Analytics.Demands.Response>),
    /** GET /analytics/satisfaction */
    satisfaction: simple((s) => analytics().satisfaction(s) satisfies Promise<Analytics.Satisfaction.Response>),

    /** GET /analytics/demands/chats?term=… */
    async demandChats(ctx: any) {
      const got = await scoped(ctx, { ...ctx.query }, { needTerm: true });
      if (!got) return;
      ctx.body = (await analytics().demandChats({ ...got.scope, term: got.scope.term! })) satisfies Analytics.DemandChats.Response;
    },

    /** GET /analytics/export/:table — the table as CSV */
    async exportCsv(ctx: any) {
      const table = String(ctx.params.table ?? '').replace(/\.csv$/, '');
      if (!(Analytics.TABLES as readonly string[]).includes(table)) {
        return fail(ctx, 404, { code: 'not_found', message: `No table "${table.slice(0, 40)}": one of ${Analytics.TABLES.join(', ')}` });
      }
      const got = await scoped(ctx, { ...ctx.query });
      if (!got) return;
      const { columns, rows } = await analytics().table(table as Analytics.Table, got.scope);
      const day = (ms: number) => localDate(ms, got.scope.timeZone);
      ctx.set('Content-Disposition', `attachment; filename="live-chat-${table}-${day(got.scope.from)}-${day(got.scope.to - 1)}.csv"`);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = toCsv(columns, rows);
    },

    /** POST /analytics/demands/send — body { departmentId, term, from?, to?, timeZone? } */
    async send(ctx: any) {
      const body = ctx.request.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) return fail(ctx, 400, { code: 'validation_failed', message: 'Send a JSON object' });
      const allowed = ['departmentId', 'term', 'from', 'to', 'timeZone'];
      const unknown = Object.keys(body).find((k) => !allowed.includes(k));
      if (unknown) return fail(ctx, 400, { code: 'validation_failed', message: `${unknown.slice(0, 40)}: Unknown field`, fields: { [unknown.slice(0, 40)]: 'Unknown field' } });
      const departmentId = body.departmentId;
      if (!Number.isInteger(departmentId) || departmentId < 1 || departmentId > 999_999_999) {
        return fail(ctx, 400, { code: 'validation_failed', message: 'departmentId: A department id', fields: { departmentId: 'A department id' } });
      }
      for (const k of ['term', 'from', 'to', 'timeZone']) {
        if (body[k] !== undefined && typeof body[k] !== 'string') return fail(ctx, 400, { code: 'validation_failed', message: `${k}: Must be a string`, fields: { [k]: 'Must be a string' } });
      }
      const query: Record<string, unknown> = { departmentIds: String(departmentId), term: body.term };
      for (const k of ['from', 'to', 'timeZone']) if (body[k] !== undefined) query[k] = body[k];
      const got = await scoped(ctx, query, { needTerm: true });
      if (!got) return;
      const res = await analytics().sendToDevelopment(got.user, got.scope, departmentId, got.scope.term!);
      if (!res.ok) return fail(ctx, res.status, res.error);
      ctx.body = res.value satisfies Analytics.SendToDevelopment.Response;
    },
  };
};

export default createAnalyticsController;
