import type { Analytics } from '../../../shared/analytics';
import { isValidTimeZone } from './business-hours';
import { TERM_LIMITS } from './terms';

/**
 * The analytics' plain parts: validating a query, day boundaries and UTC offsets of a time zone,
 * percentiles from ranked rows (SQLite has no percentile function), CSV. No database, no clock.
 */
export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';
export const ANALYTICS_LIMITS = {
  maxRangeDays: 1100,
  maxDepartments: 50,
  maxGroups: 50,
  defaultGroups: 10,
  maxPageSize: 100,
  defaultDays: 30,
  examples: 3,
} as const;

const DAY_MS = 86_400_000;

export interface AnalyticsFilter {
  /** inclusive, epoch ms */
  from: number;
  /** exclusive, epoch ms */
  to: number;
  timeZone: string;
  /** null: every department the user may see */
  departmentIds: number[] | null;
  limit: number;
  page: number;
  pageSize: number;
  term: string | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: Analytics.Error };

const invalid = (field: string, message: string): { ok: false; error: Analytics.Error } => ({
  ok: false,
  error: { code: 'validation_failed', message: `${field}: ${message}`, fields: { [field]: message } },
});

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms, local − UTC) at an instant. */
export function offsetAt(timeZone: string, at: number): number {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/** The UTC instant of local midnight starting `date` (YYYY-MM-DD) in the zone. */
export function zonedMidnight(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall - offsetAt(timeZone, wall);
  // a second pass settles a guess that fell on the other side of an offset change
  guess = wall - offsetAt(timeZone, guess);
  return guess;
}

export interface OffsetSegment {
  /** exclusive end of the segment (epoch ms); the last one ends at the range's end */
  until: number;
  offsetMs: number;
}

/**
 * The zone's UTC offsets over [from, to): one segment per constant offset. SQLite has no time
 * zones, so its queries turn a UTC time into local time with `CASE WHEN t < until THEN offset`.
 * Offsets change at most a few times a year: a weekly scan, then bisection to the second.
 */
export function offsetSegments(timeZone: string, from: number, to: number): OffsetSegment[] {
  const out: OffsetSegment[] = [];
  let current = offsetAt(timeZone, from);
  let t = from;
  const WEEK = 7 * DAY_MS;
  while (t < to) {
    const next = Math.min(t + WEEK, to);
    const o = offsetAt(timeZone, next - 1);
    if (o !== current) {
      let lo = t;
      let hi = next - 1;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (offsetAt(timeZone, mid) === current) lo = mid;
        else hi = mid;
      }
      out.push({ until: hi, offsetMs: current });
      current = o;
      t = hi;
      continue;
    }
    t = next;
  }
  out.push({ until: to, offsetMs: current });
  return out;
}

/** YYYY-MM-DD of an instant in a zone. */
export function localDate(at: number, timeZone: string): string {
  return new Date(at + offsetAt(timeZone, at)).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// The query string
// ---------------------------------------------------------------------------------------------

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseBound(raw: unknown, field: 'from' | 'to', timeZone: string): Parsed<number> {
  if (typeof raw !== 'string' || raw.length > 40) return invalid(field, 'Give a date (YYYY-MM-DD) or an ISO 8601 instant');
  if (DATE.test(raw)) {
    const start = zonedMidnight(raw, timeZone);
    if (Number.isNaN(start) || localDate(start, timeZone) !== raw) return invalid(field, 'No such date');
    // `to` as a date includes that whole day
    return { ok: true, value: field === 'to' ? zonedMidnight(localDate(start + DAY_MS + 3 * 3_600_000, timeZone), timeZone) : start };
  }
  if (INSTANT.test(raw)) {
    const t = Date.parse(raw);
    if (!Number.isNaN(t)) return { ok: true, value: t };
  }
  return invalid(field, 'Give a date (YYYY-MM-DD) or an ISO 8601 instant');
}

function single(v: unknown): unknown {
  return Array.isArray(v) ? Symbol.for('many') : v;
}

function intParam(raw: unknown, field: string, min: number, max: number, fallback: number): Parsed<number> {
  if (raw === undefined || raw === '') return { ok: true, value: fallback };
  if (typeof raw !== 'string' && typeof raw !== 'number') return invalid(field, 'Give one whole number');
  const s = String(raw);
  if (!/^\d{1,6}$/.test(s)) return invalid(field, `A whole number from ${min} to ${max}`);
  const n = Number(s);
  if (n < min || n > max) return invalid(field, `A whole number from ${min} to ${max}`);
  return { ok: true, value: n };
}

/**
 * Validates the analytics query string: from, to (default: the last 30 days up to now),
 * timeZone (IANA, for date-only bounds), departmentIds ("1,2"), limit (groups per department),
 * page/pageSize (drill-down), term (a group's key). Unknown parameters are refused, so a typo
 * is not silently ignored.
 */
export function parseAnalyticsQuery(query: Record<string, unknown>, now: number, opts: { needTerm?: boolean } = {}): Parsed<AnalyticsFilter> {
  const allowed = new Set(['from', 'to', 'timeZone', 'departmentIds', 'limit', 'page', 'pageSize', 'term']);
  for (const key of Object.keys(query)) if (!allowed.has(key)) return invalid(key, 'Unknown parameter');
  for (const key of Object.keys(query)) if (typeof single(query[key]) === 'symbol') return invalid(key, 'Give this parameter once');

  const tzRaw = query.timeZone ?? DEFAULT_TIME_ZONE;
  if (typeof tzRaw !== 'string' || tzRaw.length > 64 || !/^[A-Za-z_+\-/0-9]+$/.test(tzRaw) || !isValidTimeZone(tzRaw)) {
    return invalid('timeZone', 'An IANA time zone such as America/Sao_Paulo');
  }
  const timeZone = tzRaw;

  let to = now;
  if (query.to !== undefined) {
    const p = parseBound(query.to, 'to', timeZone);
    if (!p.ok) return p;
    to = p.value;
  }
  let from = to - ANALYTICS_LIMITS.defaultDays * DAY_MS;
  if (query.from !== undefined) {
    const p = parseBound(query.from, 'from', timeZone);
    if (!p.ok) return p;
    from = p.value;
  }
  if (from >= to) return invalid('from', 'Must be before `to`');
  if (to - from > ANALYTICS_LIMITS.maxRangeDays * DAY_MS) return invalid('to', `The range may span ${ANALYTICS_LIMITS.maxRangeDays} days at most`);

  let departmentIds: number[] | null = null;
  if (query.departmentIds !== undefined && query.departmentIds !== '') {
    const raw = query.departmentIds;
    if (typeof raw !== 'string' || raw.length > 400 || !/^\d{1,9}(,\d{1,9})*$/.test(raw)) {
      return invalid('departmentIds', 'Department ids separated by commas, e.g. 1,2');
    }
    departmentIds = [...new Set(raw.split(',').map(Number))];
    if (departmentIds.length > ANALYTICS_LIMITS.maxDepartments) return invalid('departmentIds', `At most ${ANALYTICS_LIMITS.maxDepartments} departments`);
    if (departmentIds.some((id) => id < 1)) return invalid('departmentIds', 'Ids are positive');
  }

  const limit = intParam(query.limit, 'limit', 1, ANALYTICS_LIMITS.maxGroups, ANALYTICS_LIMITS.defaultGroups);
  if (!limit.ok) return limit;
  const page = intParam(query.page, 'page', 1, 100_000, 1);
  if (!page.ok) return page;
  const pageSize = intParam(query.pageSize, 'pageSize', 1, ANALYTICS_LIMITS.maxPageSize, 25);
  if (!pageSize.ok) return pageSize;

  let term: string | null = null;
  if (query.term !== undefined) {
    const t = query.term;
    if (typeof t !== 'string' || t.length === 0 || t.length > TERM_LIMITS.term || !/^[a-z0-9\- ]+$/.test(t)) {
      return invalid('term', 'A group key as returned by /analytics/demands (lower-case stems)');
    }
    term = t;
  }
  if (opts.needTerm && !term) return invalid('term', 'Required');

  return { ok: true, value: { from, to, timeZone, departmentIds, limit: limit.value, page: page.value, pageSize: pageSize.value, term } };
}

/** The period of the same length just before: what trends compare with. */
export const previousPeriod = (f: { from: number; to: number }) => ({ from: f.from - (f.to - f.from), to: f.from });

// ---------------------------------------------------------------------------------------------
// Percentiles
// ---------------------------------------------------------------------------------------------

/** Rows a ranked query returns: the value at 0-based rank `i` of `n` sorted values. */
export interface RankedValue {
  i: number;
  n: number;
  x: number;
}

/** The ranks a continuous percentile needs (PostgreSQL's percentile_cont): floor and ceil of p·(n−1). */
export function percentileRanks(n: number, p: number): [number, number] {
  const pos = (n - 1) * p;
  const lo = Math.floor(pos);
  return [lo, Math.min(lo + 1, n - 1)];
}

/** percentile_cont from the ranked rows of one group; null when the group is empty. */
export function percentileFrom(rows: readonly RankedValue[], p: number): number | null {
  if (rows.length === 0) return null;
  const n = rows[0].n;
  const [lo, hi] = percentileRanks(n, p);
  const at = (i: number) => rows.find((r) => r.i === i)?.x;
  const a = at(lo);
  const b = at(hi);
  if (a === undefined || b === undefined) return null;
  const pos = (n - 1) * p;
  return a + (b - a) * (pos - lo);
}

/** Plain percentile_cont over values (tests compute expected figures with it). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileFrom(sorted.map((x, i) => ({ i, n: sorted.length, x })), p);
}

export const round = (x: number | null, digits = 1) => (x === null || Number.isNaN(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/**
 * RFC 4180 CSV with a header row. A cell a spreadsheet would run as a formula (= + - @ at its
 * start, or a tab or carriage return) gets a leading apostrophe: questions are visitors' text.
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
