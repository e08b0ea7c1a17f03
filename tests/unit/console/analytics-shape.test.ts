import type { Analytics } from '../../../src/plugins/live-chat/shared/analytics';
import {
  addDays,
  agentSeries,
  analyticsQuery,
  contrast,
  csvFileName,
  daysBetween,
  defaultFilters,
  demandRows,
  filtersError,
  formatRating,
  formatSeconds,
  formatShare,
  heatLevel,
  heatMap,
  HEAT_COLORS,
  localDay,
  overallService,
  percentileSeries,
  ratingShares,
  tagRows,
  textOn,
  trendLabel,
  volumeSeries,
} from '../../../src/plugins/live-chat/admin/src/analytics/shape';

const zero = { waiting: 0, active: 0, closed: 0, missed: 0, left_message: 0, answered: 0 };
const daily = (day: string, departmentId: number, departmentName: string, counts: Partial<typeof zero>): Analytics.Volume.DailyRow => {
  const row = { ...zero, ...counts };
  return { day, departmentId, departmentName, ...row, total: Object.values(row).reduce((a, b) => a + b, 0) };
};
const pct = (n: number, p50: number | null, p90: number | null): Analytics.Percentiles => ({ n, p50, p90, avg: p50 });
const trend = (previous: number, change: number, changeRatio: number | null, direction: Analytics.Trend['direction']): Analytics.Trend => ({ previous, change, changeRatio, direction });

describe('filters', () => {
  test('the default range is the last 30 days up to today, in the given zone', () => {
    // 2026-11-25 01:00 UTC is still the 24th in São Paulo (UTC−3)
    const now = Date.parse('2026-11-25T01:00:00Z');
    expect(localDay(now, 'UTC')).toBe('2026-11-25');
    expect(defaultFilters(now, 'America/Sao_Paulo')).toEqual({ from: '2026-10-26', to: '2026-11-24', departmentId: '' });
    expect(daysBetween('2026-10-26', '2026-11-24')).toHaveLength(30);
  });

  test('dates move across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(daysBetween('2026-11-30', '2026-12-02')).toEqual(['2026-11-30', '2026-12-01', '2026-12-02']);
    expect(daysBetween('2026-12-02', '2026-11-30')).toEqual([]);
  });

  test('the query string carries the range, the zone and the department', () => {
    const f = { from: '2026-11-01', to: '2026-11-30', departmentId: '2' };
    expect(analyticsQuery(f, 'America/Sao_Paulo')).toBe('from=2026-11-01&to=2026-11-30&timeZone=America%2FSao_Paulo&departmentIds=2');
    expect(analyticsQuery({ ...f, departmentId: '' }, undefined, { term: 'segund via', page: 2 })).toBe('from=2026-11-01&to=2026-11-30&term=segund+via&page=2');
  });

  test('a range must have both dates in order', () => {
    expect(filtersError({ from: '2026-11-01', to: '2026-11-01', departmentId: '' })).toBeNull();
    expect(filtersError({ from: '', to: '2026-11-01', departmentId: '' })).toBe('missingDates');
    expect(filtersError({ from: '2026-11-02', to: '2026-11-01', departmentId: '' })).toBe('reversed');
  });
});

describe('volume over time', () => {
  const rows = [
    daily('2026-11-02', 2, 'Suporte', { closed: 3, missed: 1 }),
    daily('2026-11-01', 1, 'Financeiro', { closed: 2, left_message: 1 }),
    daily('2026-11-02', 1, 'Financeiro', { answered: 1 }),
  ];

  test('stacked by department: one key per department (by name), every day of the range present', () => {
    const s = volumeSeries(rows, 'department', daysBetween('2026-10-31', '2026-11-02'));
    expect(s.keys.map((k) => [k.key, k.label])).toEqual([
      ['d1', 'Financeiro'],
      ['d2', 'Suporte'],
    ]);
    expect(new Set(s.keys.map((k) => k.color)).size).toBe(2);
    expect(s.data).toEqual([
      { day: '2026-10-31', total: 0, d1: 0, d2: 0 },
      { day: '2026-11-01', total: 3, d1: 3, d2: 0 },
      { day: '2026-11-02', total: 5, d1: 1, d2: 4 },
    ]);
    expect(s.total).toBe(8);
  });

  test('stacked by final status: only the statuses that occur', () => {
    const s = volumeSeries(rows, 'status');
    expect(s.keys.map((k) => k.key)).toEqual(['closed', 'missed', 'left_message', 'answered']);
    expect(s.data).toEqual([
      { day: '2026-11-01', total: 3, closed: 2, missed: 0, left_message: 1, answered: 0 },
      { day: '2026-11-02', total: 5, closed: 3, missed: 1, left_message: 0, answered: 1 },
    ]);
  });

  test('no chats: an empty series', () => {
    expect(volumeSeries([], 'department', [])).toEqual({ data: [], keys: [], total: 0 });
  });
});

describe('service figures', () => {
  const rows: Analytics.Service.Row[] = [
    { departmentId: null, departmentName: 'All', chats: 10, accepted: 7, missed: 2, leftMessages: 1, missedShare: 0.2, leftShare: 0.1, wait: pct(7, 65, 600), firstReply: pct(7, 20, 45.5), duration: pct(6, 900, 4000) },
    { departmentId: 1, departmentName: 'Financeiro', chats: 6, accepted: 5, missed: 1, leftMessages: 0, missedShare: 1 / 6, leftShare: 0, wait: pct(5, 90, 300), firstReply: pct(5, 20, 40), duration: pct(5, 800, 1000) },
    { departmentId: 2, departmentName: 'Suporte', chats: 4, accepted: 0, missed: 1, leftMessages: 1, missedShare: 0.25, leftShare: 0.25, wait: pct(0, null, null), firstReply: pct(0, null, null), duration: pct(0, null, null) },
  ];

  test('durations and shares read as people say them', () => {
    expect(formatSeconds(null)).toBe('—');
    expect(formatSeconds(44.6)).toBe('45 s');
    expect(formatSeconds(185)).toBe('3 min 05 s');
    expect(formatSeconds(3720)).toBe('1 h 02 min');
    expect(formatShare(0.2)).toBe('20 %');
    expect(formatShare(1 / 6)).toBe('16.7 %');
    expect(formatShare(null)).toBe('—');
  });

  test('the overall row, and per department p50/p90 in minutes without departments that have no measure', () => {
    expect(overallService(rows)?.chats).toBe(10);
    expect(overallService(rows.slice(1))).toBeNull();
    expect(percentileSeries(rows, 'wait')).toEqual([{ name: 'Financeiro', p50: 1.5, p90: 5, n: 5 }]);
  });
});

describe('week-hour heat map', () => {
  test('168 cells, missing ones at zero, the busiest one found, levels relative to it', () => {
    const map = heatMap([
      { weekday: 1, hour: 10, chats: 8 },
      { weekday: 1, hour: 11, chats: 2 },
      { weekday: 3, hour: 14, chats: 5 },
    ]);
    expect(map.rows).toHaveLength(7);
    expect(map.rows.every((r) => r.length === 24)).toBe(true);
    expect(map.total).toBe(15);
    expect(map.max).toBe(8);
    expect(map.busiest).toEqual({ weekday: 1, hour: 10, chats: 8 });
    expect(map.rows[1][10]).toMatchObject({ chats: 8, level: 4, background: HEAT_COLORS[4], color: '#FFFFFF' });
    expect(map.rows[1][11]).toMatchObject({ chats: 2, level: 1 });
    expect(map.rows[3][14]).toMatchObject({ chats: 5, level: 3 });
    expect(map.rows[0][0]).toMatchObject({ chats: 0, level: 0, background: '#FFFFFF', color: '#32324D' });
    expect(map.legend.map((l) => [l.from, l.to])).toEqual([[0, 0], [1, 2], [3, 4], [5, 6], [7, 8]]);
  });

  test('an empty week has no busiest cell and only the zero swatch', () => {
    const map = heatMap([]);
    expect(map.busiest).toBeNull();
    expect(map.legend).toHaveLength(1);
  });

  test('a small maximum keeps only the levels it can reach', () => {
    expect(heatMap([{ weekday: 0, hour: 0, chats: 1 }]).legend.map((l) => l.level)).toEqual([0, 4]);
    expect(heatLevel(1, 100)).toBe(1);
    expect(heatLevel(100, 100)).toBe(4);
    expect(heatLevel(0, 0)).toBe(0);
  });

  test('every colour of the scale carries its text at WCAG AA contrast (4.5:1)', () => {
    for (const bg of HEAT_COLORS) expect(contrast(bg, textOn(bg))).toBeGreaterThanOrEqual(4.5);
    expect(contrast('#FFFFFF', '#000000')).toBeCloseTo(21, 5);
  });
});

describe('trends', () => {
  test('up, down, flat and new', () => {
    expect(trendLabel(trend(2, 4, 2, 'up'))).toEqual({ direction: 'up', symbol: '▲', change: '+4', ratio: '+200 %' });
    expect(trendLabel(trend(4, -2, -0.5, 'down'))).toEqual({ direction: 'down', symbol: '▼', change: '−2', ratio: '−50 %' });
    expect(trendLabel(trend(3, 0, 0, 'flat'))).toEqual({ direction: 'flat', symbol: '=', change: '0', ratio: '0 %' });
    expect(trendLabel(trend(0, 5, null, 'new'))).toEqual({ direction: 'new', symbol: '★', change: '+5', ratio: null });
  });
});

describe('tables', () => {
  const deps: Analytics.Demands.DepartmentDemands[] = [
    {
      departmentId: 1,
      departmentName: 'Financeiro',
      chats: 11,
      tags: [
        { tag: 'boleto', count: 5, trend: trend(1, 4, 4, 'up') },
        { tag: 'reembolso', count: 2, trend: trend(0, 2, null, 'new') },
      ],
      groups: [{ term: 'bolet', kind: 'word', title: 'boleto', count: 6, trend: trend(2, 4, 2, 'up'), variants: [], examples: [] }],
    },
    {
      departmentId: 2,
      departmentName: 'Suporte',
      chats: 9,
      tags: [{ tag: 'acesso', count: 5, trend: trend(5, 0, 0, 'flat') }],
      groups: [
        { term: 'senh', kind: 'word', title: 'senha', count: 4, trend: trend(4, 0, 0, 'flat'), variants: ['senhas'], examples: [] },
        { term: 'acess painel', kind: 'phrase', title: 'acessar o painel', count: 7, trend: trend(0, 7, null, 'new'), variants: [], examples: [] },
      ],
    },
  ];

  test('recurring subjects of every department, the most asked first, each with its department', () => {
    expect(demandRows(deps).map((r) => [r.title, r.count, r.departmentName, r.id])).toEqual([
      ['acessar o painel', 7, 'Suporte', '2-acess painel'],
      ['boleto', 6, 'Financeiro', '1-bolet'],
      ['senha', 4, 'Suporte', '2-senh'],
    ]);
  });

  test('tags ranked across departments; ties share a rank', () => {
    expect(tagRows(deps).map((r) => [r.rank, r.tag, r.departmentName])).toEqual([
      [1, 'acesso', 'Suporte'],
      [1, 'boleto', 'Financeiro'],
      [3, 'reembolso', 'Financeiro'],
    ]);
  });

  test('agents by chats, the busiest first; a nameless agent shows its id', () => {
    const row = (agentId: number, agentName: string, chats: number): Analytics.Agents.Row => ({ agentId, agentName, chats, closed: chats, firstReply: pct(chats, 10, 20), rated: 0, ratingAvg: null });
    expect(agentSeries([row(1, 'Ana', 3), row(2, '', 5), row(3, 'Bruno', 3)]).map((r) => r.label)).toEqual(['#2', 'Ana', 'Bruno']);
  });

  test('ratings: the mean with one decimal, the distribution as shares', () => {
    expect(formatRating(4.25)).toBe('4.3');
    expect(formatRating(null)).toBe('—');
    expect(ratingShares({ rated: 4, avg: 4, distribution: [0, 0, 1, 2, 1] })).toEqual([0, 0, 0.25, 0.5, 0.25]);
    expect(ratingShares({ rated: 0, avg: null, distribution: [0, 0, 0, 0, 0] })).toEqual([0, 0, 0, 0, 0]);
  });

  test("a CSV download is named as the server says, without path characters", () => {
    const f = { from: '2026-11-01', to: '2026-11-30', departmentId: '' };
    expect(csvFileName('attachment; filename="live-chat-demands-2026-11-01-2026-11-30.csv"', 'demands', f)).toBe('live-chat-demands-2026-11-01-2026-11-30.csv');
    expect(csvFileName(null, 'tags', f)).toBe('live-chat-tags-2026-11-01-2026-11-30.csv');
    expect(csvFileName('attachment; filename="../x.csv"', 'tags', f)).toBe('.._x.csv');
  });
});
