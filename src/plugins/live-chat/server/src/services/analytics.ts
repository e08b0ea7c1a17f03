import type { Core } from '@strapi/strapi';
import { Analytics } from '../../../shared/analytics';
import {
  ANALYTICS_LIMITS,
  DEFAULT_TIME_ZONE,
  offsetSegments,
  percentileFrom,
  previousPeriod,
  round,
  type AnalyticsFilter,
  type RankedValue,
} from '../domain/analytics';
import { isValidTimeZone } from '../domain/business-hours';
import { groupDemands, trendOf, type TermCount } from '../domain/terms';
import { fromDbTime, getService, isPostgres, knexOf, toDbTime } from '../utils';
import type { AgentUser } from './agents';
import { TERMS_TABLE } from './terms';

export interface Department {
  id: number;
  name: string;
  timeZone: string;
}

/** The filter once the departments are resolved against what the user may see. */
export interface Scope extends AnalyticsFilter {
  departments: Department[];
  /** SQLite: how the period's chats are read (see chatsSource); PostgreSQL plans by itself */
  chatsSource?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; status: number; error: Analytics.Error };

type Sql = { sql: string; bindings: unknown[] };

const STATUSES = Analytics.STATUSES;
const emptyByStatus = (): Analytics.ByStatus => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Analytics.ByStatus;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const placeholders = (n: number) => new Array(n).fill('?').join(', ');

/**
 * Analytics computed in the database: every figure is one aggregate query (or one per time zone
 * of the selected departments) through knex, never a scan of the rows in JavaScript. Where the
 * two databases differ the service has one query for each: percentiles (PostgreSQL's
 * percentile_cont; on SQLite the ranks it needs, by window functions, interpolated the same way),
 * local time (PostgreSQL's time zones; on SQLite the zone's UTC offsets over the range as a CASE),
 * and JSON tags (jsonb_array_elements_text / json_each).
 */
const createAnalyticsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);
  const pg = () => isPostgres(strapi);
  const dbt = (ms: number) => toDbTime(strapi, new Date(ms));

  const src = (s: Scope) => (pg() ? 'chats c' : s.chatsSource ?? 'chats c');

  /**
   * SQLite's planner reads a long period through an index and then every row by its id, several
   * times slower than reading the table through (it cannot tell a period that covers most of the
   * history from one that covers a day). The choice is made here: a period spanning more than a
   * tenth of the history is read by a plain scan; a shorter one through chats(queued_at, …).
   */
  const chatsSource = async (from: number, to: number): Promise<string> => {
    if (pg()) return 'chats c';
    const span = await knex()('chats').min({ a: 'queued_at' }).max({ b: 'queued_at' }).first();
    const a = Number(span?.a ?? 0);
    const b = Number(span?.b ?? 0);
    if (!(b > a)) return 'chats c';
    const covered = Math.max(0, Math.min(to, b) - Math.max(from - (to - from), a)); // with the previous period
    return covered / (b - a) > 0.1 ? 'chats c NOT INDEXED' : 'chats c INDEXED BY chats_queued_dep_idx';
  };

  const raw = async (q: Sql): Promise<any[]> => {
    const res = await knex().raw(q.sql, q.bindings as any[]);
    return pg() ? res.rows : res;
  };

  /** Seconds between two datetime columns. */
  const secs = (a: string, b: string) => (pg() ? `EXTRACT(EPOCH FROM (${a} - ${b}))` : `((${a}) - (${b})) / 1000.0`);

  /** Chats of the scope's departments queued in [from, to). */
  const where = (s: Scope, from = s.from, to = s.to): Sql => ({
    sql: `c.queued_at >= ? AND c.queued_at < ? AND c.department_id IN (${placeholders(s.departments.length)})`,
    bindings: [dbt(from), dbt(to), ...s.departments.map((d) => d.id)],
  });

  /** A UTC datetime column as local wall time in a zone (PostgreSQL: a timestamp; SQLite: epoch ms). */
  const local = (col: string, timeZone: string, from: number, to: number): Sql => {
    if (pg()) return { sql: `timezone(?, ${col} AT TIME ZONE 'UTC')`, bindings: [timeZone] };
    const segments = offsetSegments(timeZone, from, to);
    if (segments.length === 1) return { sql: `(${col} + ?)`, bindings: [segments[0].offsetMs] };
    const whens = segments.slice(0, -1).map(() => `WHEN ${col} < ? THEN ?`).join(' ');
    return {
      sql: `(${col} + CASE ${whens} ELSE ? END)`,
      bindings: [...segments.slice(0, -1).flatMap((s) => [s.until, s.offsetMs]), segments[segments.length - 1].offsetMs],
    };
  };

  const byTimeZone = (s: Scope) => {
    const groups = new Map<string, Department[]>();
    for (const d of s.departments) groups.set(d.timeZone, [...(groups.get(d.timeZone) ?? []), d]);
    return [...groups.entries()].map(([timeZone, departments]) => ({ timeZone, scope: { ...s, departments } }));
  };

  /**
   * p50, p90 and the mean of a value per group (`group` a column, or null for all together).
   * PostgreSQL: percentile_cont. SQLite: the two ranks around each percentile by window functions.
   */
  const percentiles = async (value: string, notNull: string, s: Scope, group: string, withAll = false): Promise<Map<number, Analytics.Percentiles>> => {
    // with `withAll`, key 0 holds all the groups together (ids start at 1), from the same scan
    const w = where(s);
    const out = new Map<number, Analytics.Percentiles>();
    if (pg()) {
      const rows = await raw({
        sql: `SELECT ${group} AS g, COUNT(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value}) AS p50,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY ${value}) AS p90, AVG(${value}) AS a
              FROM chats c WHERE ${w.sql} AND ${notNull} GROUP BY ${withAll ? `GROUPING SETS ((${group}), ())` : group}`,
        bindings: w.bindings,
      });
      for (const r of rows) {
        if (num(r.n) === 0) continue;
        out.set(r.g === null ? 0 : num(r.g), { n: num(r.n), p50: round(numOrNull(r.p50)), p90: round(numOrNull(r.p90)), avg: round(numOrNull(r.a)) });
      }
      return out;
    }
    // SQLite: the counts and means by a plain GROUP BY first; then one scan ranks the values
    // (ROW_NUMBER per group, and over all for `withAll`) and keeps only the rows at the ranks
    // around p50 and p90, bound as constants (a join back to the counts, or a UNION ALL for the
    // whole, cost SQLite one more materialisation and sort of every row)
    const counts = await raw({
      sql: `SELECT ${group} AS g, COUNT(*) AS n, AVG(${value}) AS a FROM ${src(s)} WHERE ${w.sql} AND ${notNull} GROUP BY ${group}`,
      bindings: w.bindings,
    });
    if (counts.length === 0) return out;
    const around = (n: number) => [0.5, 0.9].flatMap((p) => [Math.floor((n - 1) * p), Math.floor((n - 1) * p) + 1]);
    const total = counts.reduce((t: number, r: any) => t + num(r.n), 0);
    const conds = counts.map(() => '(g = ? AND i IN (?, ?, ?, ?))');
    const condBindings = counts.flatMap((r: any) => [num(r.g), ...around(num(r.n))]);
    if (withAll) {
      conds.push('j IN (?, ?, ?, ?)');
      condBindings.push(...around(total));
    }
    const rows = await raw({
      sql: `SELECT g, x, i, j FROM (SELECT ${group} AS g, ${value} AS x, ROW_NUMBER() OVER (PARTITION BY ${group} ORDER BY ${value}) - 1 AS i,
              ${withAll ? `ROW_NUMBER() OVER (ORDER BY ${value}) - 1` : 'NULL'} AS j
            FROM ${src(s)} WHERE ${w.sql} AND ${notNull}) WHERE ${conds.join(' OR ')}`,
      bindings: [...w.bindings, ...condBindings],
    });
    const nOf = new Map<number, number>(counts.map((r: any) => [num(r.g), num(r.n)]));
    const ranked = new Map<number, RankedValue[]>();
    const add = (key: number, v: RankedValue) => ranked.set(key, [...(ranked.get(key) ?? []), v]);
    const allRanks = new Set(around(total));
    for (const r of rows) {
      const g = num(r.g);
      const n = nOf.get(g) ?? 0;
      if (around(n).includes(num(r.i))) add(g, { i: num(r.i), n, x: Number(r.x) });
      if (withAll && allRanks.has(num(r.j))) add(0, { i: num(r.j), n: total, x: Number(r.x) });
    }
    const means = new Map<number, number>(counts.map((r: any) => [num(r.g), Number(r.a)]));
    if (withAll) means.set(0, counts.reduce((t: number, r: any) => t + Number(r.a) * num(r.n), 0) / total);
    for (const [key, list] of ranked) {
      out.set(key, { n: list[0].n, p50: round(percentileFrom(list, 0.5)), p90: round(percentileFrom(list, 0.9)), avg: round(means.get(key) ?? null) });
    }
    return out;
  };

  const EMPTY_PCT: Analytics.Percentiles = { n: 0, p50: null, p90: null, avg: null };

  const rangeOf = (s: Scope): Analytics.Range => ({
    from: new Date(s.from).toISOString(),
    to: new Date(s.to).toISOString(),
    previousFrom: new Date(previousPeriod(s).from).toISOString(),
  });

  const nameOf = (s: Scope, id: number) => s.departments.find((d) => d.id === id)?.name ?? '';

  const service = {
    /** Departments the user may see analytics of: all for a Super Admin, else those it serves. */
    async visibleDepartments(user: AgentUser): Promise<Department[]> {
      const where = user.isSuperAdmin ? {} : { agents: { id: user.id } };
      const rows = await strapi.db.query('api::department.department').findMany({
        where,
        select: ['id', 'name', 'timezone'],
        orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }],
      });
      return rows.map((r: any) => ({
        id: Number(r.id),
        name: r.name,
        // a zone the runtime does not know would break the queries: fall back to the default
        timeZone: r.timezone && isValidTimeZone(r.timezone) ? r.timezone : DEFAULT_TIME_ZONE,
      }));
    },

    async scope(user: AgentUser, filter: AnalyticsFilter): Promise<Result<Scope>> {
      const visible = await service.visibleDepartments(user);
      const chatsSourceValue = await chatsSource(filter.from, filter.to);
      if (!filter.departmentIds) return { ok: true, value: { ...filter, departments: visible, chatsSource: chatsSourceValue } };
      const departments: Department[] = [];
      for (const id of filter.departmentIds) {
        const d = visible.find((v) => v.id === id);
        if (!d) {
          const exists = await strapi.db.query('api::department.department').findOne({ where: { id }, select: ['id'] });
          return exists
            ? { ok: false, status: 403, error: { code: 'not_serving_department', message: `You may not see the analytics of department ${id}` } }
            : { ok: false, status: 404, error: { code: 'not_found', message: `No department ${id}` } };
        }
        departments.push(d);
      }
      return { ok: true, value: { ...filter, departments, chatsSource: chatsSourceValue } };
    },

    async volume(s: Scope): Promise<Analytics.Volume.Response> {
      const daily = new Map<string, Analytics.Volume.DailyRow>();
      const perDep = new Map<number, Analytics.Volume.DepartmentRow>();
      for (const d of s.departments) perDep.set(d.id, { departmentId: d.id, departmentName: d.name, timeZone: d.timeZone, ...emptyByStatus(), total: 0 });
      if (s.departments.length > 0) {
        for (const { timeZone, scope } of byTimeZone(s)) {
          const w = where(scope);
          const l = local('c.queued_at', timeZone, s.from, s.to);
          const day = pg() ? `to_char(${l.sql}, 'YYYY-MM-DD')` : `date(${l.sql} / 1000, 'unixepoch')`;
          const rows = await raw({
            sql: `SELECT ${day} AS day, c.department_id AS dep, c.status AS status, COUNT(*) AS n
                  FROM ${src(scope)} WHERE ${w.sql} GROUP BY 1, 2, 3`,
            bindings: [...l.bindings, ...w.bindings],
          });
          for (const r of rows) {
            const dep = num(r.dep);
            const key = `${r.day}|${dep}`;
            const row = daily.get(key) ?? { day: String(r.day), departmentId: dep, departmentName: nameOf(s, dep), ...emptyByStatus(), total: 0 };
            const status = r.status as Analytics.Status;
            if (status in row) row[status] += num(r.n);
            row.total += num(r.n);
            daily.set(key, row);
            const total = perDep.get(dep)!;
            if (status in total) total[status] += num(r.n);
            total.total += num(r.n);
          }
        }
      }
      return {
        range: rangeOf(s),
        daily: [...daily.values()].sort((a, b) => a.day.localeCompare(b.day) || a.departmentId - b.departmentId),
        departments: [...perDep.values()],
      };
    },

    async service(s: Scope): Promise<Analytics.Service.Response> {
      if (s.departments.length === 0) return { range: rangeOf(s), rows: [] };
      const w = where(s);
      const counts = await raw({
        sql: `SELECT c.department_id AS dep, COUNT(*) AS chats,
                SUM(CASE WHEN c.accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS accepted,
                SUM(CASE WHEN c.status = 'missed' THEN 1 ELSE 0 END) AS missed,
                SUM(CASE WHEN c.status IN ('left_message', 'answered') THEN 1 ELSE 0 END) AS lefts
              FROM ${src(s)} WHERE ${w.sql} GROUP BY c.department_id`,
        bindings: w.bindings,
      });
      const metrics = {
        wait: [secs('c.accepted_at', 'c.queued_at'), 'c.accepted_at IS NOT NULL'],
        firstReply: [secs('c.first_agent_reply_at', 'c.accepted_at'), 'c.accepted_at IS NOT NULL AND c.first_agent_reply_at IS NOT NULL'],
        duration: [secs('c.closed_at', 'c.accepted_at'), "c.status = 'closed' AND c.accepted_at IS NOT NULL AND c.closed_at IS NOT NULL"],
      } as const;
      const byDep: Record<string, Map<number, Analytics.Percentiles>> = {};
      const all: Record<string, Analytics.Percentiles> = {};
      if (pg()) {
        // PostgreSQL: the three metrics in one scan (ordered-set aggregates with FILTER), every
        // department and all together by GROUPING SETS
        const cols = Object.entries(metrics)
          .map(([name, [value, cond]]) =>
            [
              `COUNT(*) FILTER (WHERE ${cond}) AS "${name}_n"`,
              `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value}) FILTER (WHERE ${cond}) AS "${name}_p50"`,
              `percentile_cont(0.9) WITHIN GROUP (ORDER BY ${value}) FILTER (WHERE ${cond}) AS "${name}_p90"`,
              `AVG(${value}) FILTER (WHERE ${cond}) AS "${name}_a"`,
            ].join(', ')
          )
          .join(', ');
        const rows = await raw({
          sql: `SELECT c.department_id AS g, ${cols} FROM chats c WHERE ${w.sql} AND c.accepted_at IS NOT NULL
                GROUP BY GROUPING SETS ((c.department_id), ())`,
          bindings: w.bindings,
        });
        for (const name of Object.keys(metrics)) byDep[name] = new Map();
        for (const r of rows) {
          for (const name of Object.keys(metrics)) {
            const n = num(r[`${name}_n`]);
            if (n === 0) continue;
            byDep[name].set(r.g === null ? 0 : num(r.g), { n, p50: round(numOrNull(r[`${name}_p50`])), p90: round(numOrNull(r[`${name}_p90`])), avg: round(numOrNull(r[`${name}_a`])) });
          }
        }
      } else {
        for (const [name, [value, notNull]] of Object.entries(metrics)) byDep[name] = await percentiles(value, notNull, s, 'c.department_id', true);
      }
      for (const name of Object.keys(metrics)) all[name] = byDep[name].get(0) ?? EMPTY_PCT;
      const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);
      const row = (departmentId: number | null, name: string, c: { chats: number; accepted: number; missed: number; lefts: number }, pct: (m: string) => Analytics.Percentiles): Analytics.Service.Row => ({
        departmentId,
        departmentName: name,
        chats: c.chats,
        accepted: c.accepted,
        missed: c.missed,
        leftMessages: c.lefts,
        missedShare: share(c.missed, c.chats),
        leftShare: share(c.lefts, c.chats),
        wait: pct('wait'),
        firstReply: pct('firstReply'),
        duration: pct('duration'),
      });
      const countsOf = (dep: number | null) => {
        const rows = counts.filter((r) => dep === null || num(r.dep) === dep);
        const sum = (k: string) => rows.reduce((t, r) => t + num(r[k]), 0);
        return { chats: sum('chats'), accepted: sum('accepted'), missed: sum('missed'), lefts: sum('lefts') };
      };
      return {
        range: rangeOf(s),
        rows: [
          row(null, 'All', countsOf(null), (m) => all[m]),
          ...s.departments.map((d) => row(d.id, d.name, countsOf(d.id), (m) => byDep[m].get(d.id) ?? EMPTY_PCT)),
        ],
      };
    },

    async hours(s: Scope): Promise<Analytics.Hours.Response> {
      const cells = new Map<string, number>();
      if (s.departments.length > 0) {
        for (const { timeZone, scope } of byTimeZone(s)) {
          const w = where(scope);
          const l = local('c.queued_at', timeZone, s.from, s.to);
          const [wd, hr] = pg()
            ? [`CAST(EXTRACT(DOW FROM ${l.sql}) AS INTEGER)`, `CAST(EXTRACT(HOUR FROM ${l.sql}) AS INTEGER)`]
            : [`CAST(strftime('%w', ${l.sql} / 1000, 'unixepoch') AS INTEGER)`, `CAST(strftime('%H', ${l.sql} / 1000, 'unixepoch') AS INTEGER)`];
          const rows = await raw({
            sql: `SELECT ${wd} AS wd, ${hr} AS hr, COUNT(*) AS n FROM ${src(scope)} WHERE ${w.sql} GROUP BY 1, 2`,
            bindings: [...l.bindings, ...l.bindings, ...w.bindings],
          });
          for (const r of rows) cells.set(`${num(r.wd)}|${num(r.hr)}`, (cells.get(`${num(r.wd)}|${num(r.hr)}`) ?? 0) + num(r.n));
        }
      }
      return {
        range: rangeOf(s),
        cells: [...cells.entries()]
          .map(([k, chats]) => {
            const [weekday, hour] = k.split('|').map(Number);
            return { weekday, hour, chats };
          })
          .sort((a, b) => a.weekday - b.weekday || a.hour - b.hour),
      };
    },

    async agents(s: Scope): Promise<Analytics.Agents.Response> {
      if (s.departments.length === 0) return { range: rangeOf(s), rows: [] };
      const w = where(s);
      const [rows, reply] = await Promise.all([
        raw({
          sql: `SELECT c.agent_id AS agent, MAX(c.agent_name) AS name, COUNT(*) AS chats,
                  SUM(CASE WHEN c.status = 'closed' THEN 1 ELSE 0 END) AS closed,
                  COUNT(c.rating) AS rated, AVG(c.rating) AS ravg
                FROM ${src(s)} WHERE ${w.sql} AND c.agent_id IS NOT NULL
                GROUP BY c.agent_id ORDER BY COUNT(*) DESC, c.agent_id ASC`,
          bindings: w.bindings,
        }),
        percentiles(secs('c.first_agent_reply_at', 'c.accepted_at'), 'c.agent_id IS NOT NULL AND c.accepted_at IS NOT NULL AND c.first_agent_reply_at IS NOT NULL', s, 'c.agent_id'),
      ]);
      return {
        range: rangeOf(s),
        rows: rows.map((r) => ({
          agentId: num(r.agent),
          agentName: r.name ?? '',
          chats: num(r.chats),
          closed: num(r.closed),
          firstReply: reply.get(num(r.agent)) ?? EMPTY_PCT,
          rated: num(r.rated),
          ratingAvg: round(numOrNull(r.ravg), 2),
        })),
      };
    },

    async satisfaction(s: Scope): Promise<Analytics.Satisfaction.Response> {
      if (s.departments.length === 0) return { range: rangeOf(s), departments: [], agents: [] };
      const w = where(s);
      const dist = [1, 2, 3, 4, 5].map((n) => `SUM(CASE WHEN c.rating = ${n} THEN 1 ELSE 0 END) AS r${n}`).join(', ');
      const q = (group: string, extra = '') =>
        raw({
          sql: `SELECT ${group} AS g, ${group === 'c.agent_id' ? 'MAX(c.agent_name)' : 'MAX(c.department_name)'} AS name,
                  COUNT(*) AS rated, AVG(c.rating) AS a, ${dist}
                FROM ${src(s)} WHERE ${w.sql} AND c.rating IS NOT NULL ${extra} GROUP BY ${group} ORDER BY ${group}`,
          bindings: w.bindings,
        });
      const toRow = (r: any): Analytics.Satisfaction.Row => ({
        rated: num(r.rated),
        avg: round(numOrNull(r.a), 2),
        distribution: [num(r.r1), num(r.r2), num(r.r3), num(r.r4), num(r.r5)],
      });
      const [deps, agents] = await Promise.all([q('c.department_id'), q('c.agent_id', 'AND c.agent_id IS NOT NULL')]);
      return {
        range: rangeOf(s),
        departments: deps.map((r) => ({ departmentId: num(r.g), departmentName: nameOf(s, num(r.g)), ...toRow(r) })),
        agents: agents.map((r) => ({ agentId: num(r.g), agentName: r.name ?? '', ...toRow(r) })),
      };
    },

    /** Tags agents chose when closing, per department, with the previous period's counts. */
    async tags(s: Scope): Promise<Map<number, Analytics.Demands.Tag[]>> {
      const out = new Map<number, Analytics.Demands.Tag[]>();
      if (s.departments.length === 0) return out;
      const prev = previousPeriod(s);
      const w = where(s, prev.from, s.to);
      const source = pg()
        ? `chats c CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.tags::jsonb) = 'array' THEN c.tags::jsonb ELSE '[]'::jsonb END) AS j(value)`
        : `${src(s)}, json_each(CASE WHEN json_valid(c.tags) THEN (CASE WHEN json_type(c.tags) = 'array' THEN c.tags ELSE '[]' END) ELSE '[]' END) AS j`;
      const rows = await raw({
        sql: `SELECT c.department_id AS dep, lower(j.value) AS tag,
                SUM(CASE WHEN c.queued_at >= ? THEN 1 ELSE 0 END) AS cur,
                SUM(CASE WHEN c.queued_at < ? THEN 1 ELSE 0 END) AS prev
              FROM ${source} WHERE ${w.sql} AND c.tags IS NOT NULL GROUP BY 1, 2`,
        bindings: [dbt(s.from), dbt(s.from), ...w.bindings],
      });
      for (const r of rows) {
        if (num(r.cur) === 0) continue;
        const list = out.get(num(r.dep)) ?? [];
        list.push({ tag: String(r.tag), count: num(r.cur), trend: trendOf(num(r.cur), num(r.prev)) });
        out.set(num(r.dep), list);
      }
      for (const [dep, list] of out) {
        out.set(dep, list.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)).slice(0, s.limit));
      }
      return out;
    },

    /** The most frequent terms per department (a few times `limit`, for grouping), both periods. */
    async termCounts(s: Scope, onlyTerm: string | null = null): Promise<Map<number, TermCount[]>> {
      const out = new Map<number, TermCount[]>();
      if (s.departments.length === 0) return out;
      const prev = previousPeriod(s);
      const deps = s.departments.map((d) => d.id);
      const termCond = onlyTerm ? 'AND term = ?' : '';
      const rows = await raw({
        sql: `WITH agg AS (
                SELECT department_id AS dep, term,
                  SUM(CASE WHEN at >= ? THEN 1 ELSE 0 END) AS cur,
                  SUM(CASE WHEN at < ? THEN 1 ELSE 0 END) AS prev
                FROM ${TERMS_TABLE}
                WHERE at >= ? AND at < ? AND department_id IN (${placeholders(deps.length)}) ${termCond}
                GROUP BY department_id, term),
              ranked AS (SELECT dep, term, cur, prev, ROW_NUMBER() OVER (PARTITION BY dep ORDER BY cur DESC, term ASC) AS rn FROM agg WHERE cur > 0)
              SELECT dep, term, cur, prev FROM ranked WHERE rn <= ?`,
        bindings: [dbt(s.from), dbt(s.from), dbt(prev.from), dbt(s.to), ...deps, ...(onlyTerm ? [onlyTerm] : []), s.limit * 4 + 10],
      });
      if (rows.length === 0) return out;
      for (const r of rows) {
        const dep = num(r.dep);
        const list = out.get(dep) ?? [];
        // the label is looked up for the groups kept only (labelOf)
        // a phrase's key is two stems: the kind needs no column (and the aggregate stays on the index)
        list.push({ term: String(r.term), kind: String(r.term).includes(' ') ? 'phrase' : 'word', label: String(r.term), current: num(r.cur), previous: num(r.prev) });
        out.set(dep, list);
      }
      return out;
    },

    /** The most common way visitors wrote a term in the period (one indexed query). */
    async labelOf(s: Scope, dep: number, term: string): Promise<string> {
      const [row] = await raw({
        sql: `SELECT label, COUNT(*) AS n FROM ${TERMS_TABLE} WHERE term = ? AND department_id = ? AND at >= ? AND at < ?
              GROUP BY label ORDER BY COUNT(*) DESC, label ASC LIMIT 1`,
        bindings: [term, dep, dbt(s.from), dbt(s.to)],
      });
      return row ? String(row.label) : term;
    },

    /** Up to `per` recent chats (with their question) of each (department, term). */
    async examples(s: Scope, pairs: { dep: number; term: string }[], per: number = ANALYTICS_LIMITS.examples): Promise<Map<string, Analytics.Demands.Example[]>> {
      const out = new Map<string, Analytics.Demands.Example[]>();
      if (pairs.length === 0) return out;
      // one query per group walking the (term, department_id, at) index backwards: a few rows
      // read each, where one window over every row of the top terms would read most of the table
      await Promise.all(
        pairs.map(async ({ dep, term }) => {
          const rows = await raw({
            sql: `SELECT c.id, c.question, c.status, c.queued_at FROM ${TERMS_TABLE} t JOIN chats c ON c.id = t.chat_id
                  WHERE t.term = ? AND t.department_id = ? AND t.at >= ? AND t.at < ? AND c.question IS NOT NULL AND c.question <> ''
                  ORDER BY t.at DESC, t.chat_id DESC LIMIT ?`,
            bindings: [term, dep, dbt(s.from), dbt(s.to), per],
          });
          out.set(
            `${dep}|${term}`,
            rows.map((r) => ({ chatId: num(r.id), question: String(r.question), status: r.status, queuedAt: fromDbTime(r.queued_at)! }))
          );
        })
      );
      return out;
    },

    async demands(s: Scope): Promise<Analytics.Demands.Response> {
      // independent queries side by side: PostgreSQL runs them on several pooled connections
      // (SQLite's one connection takes them in turn)
      const w = where(s);
      const [tags, terms, counts] = await Promise.all([
        service.tags(s),
        service.termCounts(s),
        s.departments.length > 0
          ? raw({ sql: `SELECT c.department_id AS dep, COUNT(*) AS n FROM ${src(s)} WHERE ${w.sql} GROUP BY c.department_id`, bindings: w.bindings })
          : Promise.resolve([]),
      ]);
      const chats = new Map<number, number>(counts.map((r: any) => [num(r.dep), num(r.n)]));
      const grouped = new Map(s.departments.map((d) => [d.id, groupDemands(terms.get(d.id) ?? [], s.limit)]));
      await Promise.all([...grouped.entries()].flatMap(([dep, groups]) => groups.map(async (g) => void (g.title = await service.labelOf(s, dep, g.term)))));
      const examples = await service.examples(
        s,
        [...grouped.entries()].flatMap(([dep, groups]) => groups.map((g) => ({ dep, term: g.term })))
      );
      return {
        range: rangeOf(s),
        departments: s.departments.map((d) => ({
          departmentId: d.id,
          departmentName: d.name,
          chats: chats.get(d.id) ?? 0,
          tags: tags.get(d.id) ?? [],
          groups: (grouped.get(d.id) ?? []).map((g) => ({ ...g, examples: examples.get(`${d.id}|${g.term}`) ?? [] })),
        })),
      };
    },

    /** The chats of one group (its key term), newest first, paginated. */
    async demandChats(s: Scope & { term: string }): Promise<Analytics.DemandChats.Response> {
      const deps = s.departments.map((d) => d.id);
      const base = `FROM ${TERMS_TABLE} t JOIN chats c ON c.id = t.chat_id
        WHERE t.term = ? AND t.at >= ? AND t.at < ? AND t.department_id IN (${placeholders(deps.length)})`;
      const bindings = [s.term, dbt(s.from), dbt(s.to), ...deps];
      const [count] = deps.length ? await raw({ sql: `SELECT COUNT(*) AS n ${base}`, bindings }) : [{ n: 0 }];
      const rows = deps.length
        ? await raw({
            sql: `SELECT c.id, c.question, c.status, c.queued_at ${base} ORDER BY t.at DESC, c.id DESC LIMIT ? OFFSET ?`,
            bindings: [...bindings, s.pageSize, (s.page - 1) * s.pageSize],
          })
        : [];
      const total = num(count.n);
      return {
        range: rangeOf(s),
        term: s.term,
        data: rows.map((r) => ({ chatId: num(r.id), question: r.question ?? '', status: r.status, queuedAt: fromDbTime(r.queued_at)! })),
        pagination: { page: s.page, pageSize: s.pageSize, total, pageCount: Math.ceil(total / s.pageSize) },
      };
    },

    /** One group of one department (by its key term), as "send to development" posts it. */
    async demandGroup(s: Scope, departmentId: number, term: string, examples = 10) {
      const one = { ...s, departments: s.departments.filter((d) => d.id === departmentId), limit: ANALYTICS_LIMITS.maxGroups };
      const counts = (await service.termCounts(one)).get(departmentId) ?? [];
      let group = groupDemands(counts, ANALYTICS_LIMITS.maxGroups).find((g) => g.term === term) ?? null;
      if (!group) {
        // a term outside the top groups (or only a variant there): the term alone
        const row = ((await service.termCounts(one, term)).get(departmentId) ?? []).find((c) => c.term === term);
        if (!row) return null;
        group = { term, kind: row.kind, title: row.label, count: row.current, trend: trendOf(row.current, row.previous), variants: [] };
      }
      const ex = (await service.examples(one, [{ dep: departmentId, term }], examples)).get(`${departmentId}|${term}`) ?? [];
      return { ...group, title: await service.labelOf(one, departmentId, term), examples: ex, range: rangeOf(s) };
    },

    /** The rows of one exportable table, with its columns in order. */
    async table(name: Analytics.Table, s: Scope): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
      const statusCols = [...STATUSES];
      const pctCols = (p: string) => [`${p}N`, `${p}P50`, `${p}P90`, `${p}Avg`];
      const pct = (p: string, v: Analytics.Percentiles) => ({ [`${p}N`]: v.n, [`${p}P50`]: v.p50, [`${p}P90`]: v.p90, [`${p}Avg`]: v.avg });
      switch (name) {
        case 'volume-daily':
          return { columns: ['day', 'departmentId', 'departmentName', ...statusCols, 'total'], rows: (await service.volume(s)).daily as any };
        case 'volume-departments':
          return { columns: ['departmentId', 'departmentName', 'timeZone', ...statusCols, 'total'], rows: (await service.volume(s)).departments as any };
        case 'service':
          return {
            columns: ['departmentId', 'departmentName', 'chats', 'accepted', 'missed', 'leftMessages', 'missedShare', 'leftShare', ...pctCols('wait'), ...pctCols('firstReply'), ...pctCols('duration')],
            rows: (await service.service(s)).rows.map(({ wait, firstReply, duration, ...r }) => ({ ...r, ...pct('wait', wait), ...pct('firstReply', firstReply), ...pct('duration', duration) })),
          };
        case 'hours':
          return { columns: ['weekday', 'hour', 'chats'], rows: (await service.hours(s)).cells as any };
        case 'agents':
          return {
            columns: ['agentId', 'agentName', 'chats', 'closed', ...pctCols('firstReply'), 'rated', 'ratingAvg'],
            rows: (await service.agents(s)).rows.map(({ firstReply, ...r }) => ({ ...r, ...pct('firstReply', firstReply) })),
          };
        case 'tags': {
          const tags = await service.tags(s);
          return {
            columns: ['departmentId', 'departmentName', 'tag', 'count', 'previous', 'change'],
            rows: s.departments.flatMap((d) => (tags.get(d.id) ?? []).map((t) => ({ departmentId: d.id, departmentName: d.name, tag: t.tag, count: t.count, previous: t.trend.previous, change: t.trend.change }))),
          };
        }
        case 'demands': {
          const res = await service.demands(s);
          return {
            columns: ['departmentId', 'departmentName', 'term', 'title', 'count', 'previous', 'change', 'direction', 'variants', 'exampleChatIds', 'exampleQuestions'],
            rows: res.departments.flatMap((d) =>
              d.groups.map((g) => ({
                departmentId: d.departmentId,
                departmentName: d.departmentName,
                term: g.term,
                title: g.title,
                count: g.count,
                previous: g.trend.previous,
                change: g.trend.change,
                direction: g.trend.direction,
                variants: g.variants.join(' | '),
                exampleChatIds: g.examples.map((e) => e.chatId).join(' '),
                exampleQuestions: g.examples.map((e) => e.question).join(' | '),
              }))
            ),
          };
        }
        case 'satisfaction-departments':
        case 'satisfaction-agents': {
          const res = await service.satisfaction(s);
          const dist = (r: Analytics.Satisfaction.Row) => Object.fromEntries(r.distribution.map((n, i) => [`rating${i + 1}`, n]));
          const ratingCols = ['rated', 'avg', 'rating1', 'rating2', 'rating3', 'rating4', 'rating5'];
          return name === 'satisfaction-departments'
            ? { columns: ['departmentId', 'departmentName', ...ratingCols], rows: res.departments.map(({ distribution, ...r }) => ({ ...r, ...dist({ ...r, distribution }) })) }
            : { columns: ['agentId', 'agentName', ...ratingCols], rows: res.agents.map(({ distribution, ...r }) => ({ ...r, ...dist({ ...r, distribution }) })) };
        }
      }
    },

    /** Posts a group to the configured development webhook. */
    async sendToDevelopment(user: AgentUser, s: Scope, departmentId: number, term: string): Promise<Result<Analytics.SendToDevelopment.Response>> {
      const url = String(strapi.plugin('live-chat').config('developmentWebhookUrl') ?? '');
      if (!url) return { ok: false, status: 409, error: { code: 'webhook_not_configured', message: 'No development webhook is configured (LIVE_CHAT_DEVELOPMENT_WEBHOOK_URL)' } };
      const group = await service.demandGroup(s, departmentId, term);
      if (!group) return { ok: false, status: 404, error: { code: 'not_found', message: `No chat of this department mentions "${term}" in the period` } };
      const payload: Analytics.SendToDevelopment.Payload = {
        source: 'live-chat',
        kind: 'recurring-demand',
        department: s.departments.find((d) => d.id === departmentId)?.name ?? '',
        title: group.title,
        term: group.term,
        count: group.count,
        trend: group.trend,
        range: group.range,
        variants: group.variants,
        examples: group.examples,
        sentBy: user.name,
        sentAt: new Date().toISOString(),
      };
      const timeoutMs = Number(strapi.plugin('live-chat').config('developmentWebhookTimeoutMs') ?? 5000) || 5000;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'live-chat-analytics' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) {
          strapi.log.warn(`[live-chat] send to development: the webhook answered ${res.status} for "${term}" (department ${departmentId})`);
          return { ok: false, status: 502, error: { code: 'webhook_failed', message: `The development webhook answered ${res.status}` } };
        }
        strapi.log.info(`[live-chat] send to development: "${group.title}" (${group.count} chats, department ${departmentId}) sent by admin user ${user.id}`);
        return { ok: true, value: { ok: true, webhookStatus: res.status, payload } };
      } catch (err) {
        strapi.log.warn(`[live-chat] send to development failed: ${(err as Error).message}`);
        return { ok: false, status: 502, error: { code: 'webhook_failed', message: `The development webhook could not be reached: ${(err as Error).name === 'TimeoutError' ? 'timed out' : 'connection failed'}` } };
      }
    },
  };
  return service;
};

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
export default createAnalyticsService;
