/**
 * The Analytics page's data shaping: API payloads (shared/analytics.ts) → chart series, heat-map
 * cells with their colours, table rows and trend labels. Pure functions: no React, no chart
 * library, no fetch; unit-tested in tests/unit/console/analytics-shape.test.ts.
 */
import { Analytics } from '../../../shared/analytics';

// --- filters and the query string -------------------------------------------------------------

export interface AnalyticsFilters {
  /** YYYY-MM-DD, included */
  from: string;
  /** YYYY-MM-DD, included */
  to: string;
  /** '' = every department the user may see */
  departmentId: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A date as YYYY-MM-DD in the given IANA zone (the browser's when omitted). */
export function localDay(ms: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** YYYY-MM-DD plus `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The default filter: the last 30 days up to today (both included), every department. */
export function defaultFilters(now: number, timeZone?: string): AnalyticsFilters {
  const to = localDay(now, timeZone);
  return { from: addDays(to, -29), to, departmentId: '' };
}

/** Why the filters cannot be sent (a message key), or null. */
export function filtersError(f: AnalyticsFilters): 'missingDates' | 'reversed' | null {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!day.test(f.from) || !day.test(f.to)) return 'missingDates';
  if (f.from > f.to) return 'reversed';
  return null;
}

/** The query string every analytics GET takes (date-only bounds, `to` included). */
export function analyticsQuery(f: AnalyticsFilters, timeZone?: string, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams({ from: f.from, to: f.to });
  if (timeZone) params.set('timeZone', timeZone);
  if (f.departmentId) params.set('departmentIds', f.departmentId);
  for (const [k, v] of Object.entries(extra)) params.set(k, String(v));
  return params.toString();
}

/** Every day from `from` to `to`, both included (at most 1,100). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length <= 1100; d = addDays(d, 1)) out.push(d);
  return out;
}

// --- volume over time -------------------------------------------------------------------------

export type VolumeStack = 'department' | 'status';

export interface SeriesKey {
  /** the data key in each point */
  key: string;
  /** a department's name, or a status (the page translates it) */
  label: string;
  color: string;
}

export interface VolumeSeries {
  /** one point per day: { day, total, [key]: count } */
  data: Array<{ day: string; total: number } & Record<string, number | string>>;
  keys: SeriesKey[];
  total: number;
}

/** Distinct, colour-blind-friendly colours (Okabe–Ito, then Strapi's primary). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#4945FF', '#999999', '#000000'];
export const STATUS_COLORS: Record<Analytics.Status, string> = {
  closed: '#009E73',
  answered: '#56B4E9',
  left_message: '#E69F00',
  missed: '#D55E00',
  waiting: '#999999',
  active: '#0072B2',
};

/**
 * Chats per day stacked by department or by final status, with every day of the range present
 * (zero when nothing happened): what a stacked bar chart draws.
 */
export function volumeSeries(daily: Analytics.Volume.DailyRow[], stack: VolumeStack, days?: string[]): VolumeSeries {
  const keys: SeriesKey[] = [];
  if (stack === 'department') {
    const seen = new Map<number, string>();
    for (const r of daily) if (!seen.has(r.departmentId)) seen.set(r.departmentId, r.departmentName);
    [...seen.entries()]
      .sort((a, b) => a[1].localeCompare(b[1]))
      .forEach(([id, name], i) => keys.push({ key: `d${id}`, label: name, color: PALETTE[i % PALETTE.length] }));
  } else {
    for (const s of Analytics.STATUSES) if (daily.some((r) => r[s] > 0)) keys.push({ key: s, label: s, color: STATUS_COLORS[s] });
  }
  const allDays = days ?? [...new Set(daily.map((r) => r.day))].sort();
  const byDay = new Map(allDays.map((day) => [day, { day, total: 0, ...Object.fromEntries(keys.map((k) => [k.key, 0])) } as VolumeSeries['data'][number]]));
  let total = 0;
  for (const r of daily) {
    let point = byDay.get(r.day);
    if (!point) {
      point = { day: r.day, total: 0, ...Object.fromEntries(keys.map((k) => [k.key, 0])) } as VolumeSeries['data'][number];
      byDay.set(r.day, point);
    }
    if (stack === 'department') (point as Record<string, number | string>)[`d${r.departmentId}`] = Number(point[`d${r.departmentId}`] ?? 0) + r.total;
    else for (const s of Analytics.STATUSES) if (r[s]) (point as Record<string, number | string>)[s] = Number(point[s] ?? 0) + r[s];
    point.total += r.total;
    total += r.total;
  }
  return { data: [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)), keys, total };
}

// --- service: waits, first reply, duration, shares --------------------------------------------

/** "—", "45 s", "3 min 05 s", "1 h 02 min" */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

/** 0.125 → "12.5 %" (one decimal at most); null → "—". */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return `${+(share * 100).toFixed(1)} %`;
}

export type ServiceMetric = 'wait' | 'firstReply' | 'duration';
export const SERVICE_METRICS: ServiceMetric[] = ['wait', 'firstReply', 'duration'];

/** The row of all the selected departments together (departmentId null), if any. */
export function overallService(rows: Analytics.Service.Row[]): Analytics.Service.Row | null {
  return rows.find((r) => r.departmentId === null) ?? null;
}

/**
 * p50 and p90 of one metric per department, in minutes (one decimal), for a grouped bar chart;
 * departments without a measure are left out.
 */
export function percentileSeries(rows: Analytics.Service.Row[], metric: ServiceMetric): Array<{ name: string; p50: number; p90: number; n: number }> {
  const min = (s: number | null) => (s === null ? 0 : Math.round((s / 60) * 10) / 10);
  return rows
    .filter((r) => r.departmentId !== null && r[metric].n > 0)
    .map((r) => ({ name: r.departmentName, p50: min(r[metric].p50), p90: min(r[metric].p90), n: r[metric].n }));
}

// --- the week-hour heat map -------------------------------------------------------------------

export interface HeatCell {
  weekday: number;
  hour: number;
  chats: number;
  /** 0 (none) … 4 (the busiest fifth) */
  level: number;
  background: string;
  color: string;
}

export interface HeatMap {
  /** 7 rows (Sunday first) of 24 cells */
  rows: HeatCell[][];
  max: number;
  total: number;
  busiest: { weekday: number; hour: number; chats: number } | null;
  /** the legend: one swatch per level with the counts it covers */
  legend: Array<{ level: number; background: string; color: string; from: number; to: number }>;
}

/** The scale's colours: white for none, then four steps of the admin's primary blue. */
export const HEAT_COLORS = ['#FFFFFF', '#D9D8FF', '#A5A1FF', '#5A55F5', '#271FE0'];

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #RRGGBB colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Dark text (the admin's neutral800) or white, whichever reads better on the background. */
export function textOn(background: string): string {
  const dark = '#32324D';
  return contrast(background, dark) >= contrast(background, '#FFFFFF') ? dark : '#FFFFFF';
}

/** The level of a count on a scale of 0–4 relative to the busiest cell. */
export function heatLevel(chats: number, max: number): number {
  if (chats <= 0 || max <= 0) return 0;
  return Math.min(4, Math.max(1, Math.ceil((chats / max) * 4)));
}

/** Every weekday × hour (168 cells, missing ones at zero) with a colour for its count. */
export function heatMap(cells: Analytics.Hours.Cell[]): HeatMap {
  const counts = new Map<string, number>();
  for (const c of cells) counts.set(`${c.weekday}:${c.hour}`, (counts.get(`${c.weekday}:${c.hour}`) ?? 0) + c.chats);
  let max = 0;
  let total = 0;
  let busiest: HeatMap['busiest'] = null;
  for (let weekday = 0; weekday < 7; weekday++)
    for (let hour = 0; hour < 24; hour++) {
      const chats = counts.get(`${weekday}:${hour}`) ?? 0;
      total += chats;
      if (chats > max) {
        max = chats;
        busiest = { weekday, hour, chats };
      }
    }
  const rows = Array.from({ length: 7 }, (_, weekday) =>
    Array.from({ length: 24 }, (_, hour) => {
      const chats = counts.get(`${weekday}:${hour}`) ?? 0;
      const level = heatLevel(chats, max);
      return { weekday, hour, chats, level, background: HEAT_COLORS[level], color: textOn(HEAT_COLORS[level]) };
    })
  );
  const legend = HEAT_COLORS.map((background, level) => ({
    level,
    background,
    color: textOn(background),
    from: level === 0 ? 0 : Math.floor(((level - 1) * max) / 4) + 1,
    to: level === 0 ? 0 : Math.floor((level * max) / 4),
  })).filter((l) => l.level === 0 || l.to >= l.from);
  return { rows, max, total, busiest, legend };
}

// --- trends -----------------------------------------------------------------------------------

export interface TrendLabel {
  direction: Analytics.Trend['direction'];
  /** ▲ ▼ = ★ */
  symbol: string;
  /** "+4", "−2", "0" */
  change: string;
  /** "+200 %", "−50 %", or null (nothing before: new) */
  ratio: string | null;
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0');

/** A trend against the previous period as short text parts (the page adds the words). */
export function trendLabel(t: Analytics.Trend): TrendLabel {
  const symbol = { up: '▲', down: '▼', flat: '=', new: '★' }[t.direction];
  const ratio = t.changeRatio === null ? null : `${signed(Math.round(t.changeRatio * 100))} %`;
  return { direction: t.direction, symbol, change: signed(t.change), ratio };
}

// --- tables -----------------------------------------------------------------------------------

export interface DemandRow extends Analytics.Demands.Group {
  departmentId: number;
  departmentName: string;
  /** stable React key and DOM id part */
  id: string;
}

/** Every department's recurring subjects in one list, the most asked first. */
export function demandRows(deps: Analytics.Demands.DepartmentDemands[]): DemandRow[] {
  return deps
    .flatMap((d) => d.groups.map((g) => ({ ...g, departmentId: d.departmentId, departmentName: d.departmentName, id: `${d.departmentId}-${g.term}` })))
    .sort((a, b) => b.count - a.count || a.departmentName.localeCompare(b.departmentName) || a.title.localeCompare(b.title));
}

export interface TagRow extends Analytics.Demands.Tag {
  departmentId: number;
  departmentName: string;
  rank: number;
}

/** Closing tags of every department ranked by count (ties share a rank). */
export function tagRows(deps: Analytics.Demands.DepartmentDemands[]): TagRow[] {
  const rows = deps
    .flatMap((d) => d.tags.map((t) => ({ ...t, departmentId: d.departmentId, departmentName: d.departmentName, rank: 0 })))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag) || a.departmentName.localeCompare(b.departmentName));
  rows.forEach((r, i) => (r.rank = i > 0 && rows[i - 1].count === r.count ? rows[i - 1].rank : i + 1));
  return rows;
}

/** Agents by chats handled, the busiest first, for a bar chart and its table. */
export function agentSeries(rows: Analytics.Agents.Row[]): Array<Analytics.Agents.Row & { label: string }> {
  return [...rows].sort((a, b) => b.chats - a.chats || a.agentName.localeCompare(b.agentName)).map((r) => ({ ...r, label: r.agentName || `#${r.agentId}` }));
}

/** "4.3" (one decimal) or "—". */
export const formatRating = (avg: number | null | undefined) => (avg === null || avg === undefined ? '—' : avg.toFixed(1));

/** The distribution 1–5 as shares of the rated chats, for a small stacked bar. */
export function ratingShares(row: Analytics.Satisfaction.Row): number[] {
  return row.distribution.map((n) => (row.rated > 0 ? n / row.rated : 0));
}

/** The file name a CSV download gets: the server's Content-Disposition, or a fallback. */
export function csvFileName(disposition: string | null | undefined, table: string, f: AnalyticsFilters): string {
  const m = /filename="?([^";]+)"?/i.exec(disposition ?? '');
  const name = m?.[1]?.replace(/[\\/]/g, '_');
  return name || `live-chat-${table}-${f.from}-${f.to}.csv`;
}
