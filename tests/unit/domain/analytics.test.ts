import {
  localDate,
  offsetAt,
  offsetSegments,
  parseAnalyticsQuery,
  percentile,
  percentileFrom,
  percentileRanks,
  previousPeriod,
  toCsv,
  zonedMidnight,
} from '../../../src/plugins/live-chat/server/src/domain/analytics';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');
const H = 3_600_000;

describe('percentiles as percentile_cont', () => {
  it.each<[number[], number, number]>([
    [[30, 60, 90, 120, 150, 180, 240, 600], 0.5, 135],
    [[30, 60, 90, 120, 150, 180, 240, 600], 0.9, 348],
    [[5], 0.9, 5],
    [[1, 2], 0.5, 1.5],
    [[3, 1, 2], 0.5, 2],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9, 91],
  ])('%j p%d', (values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 9);
  });

  it('needs only the two ranks around p·(n−1), which the SQLite query selects', () => {
    expect(percentileRanks(8, 0.9)).toEqual([6, 7]);
    expect(percentileRanks(9, 0.5)).toEqual([4, 5]);
    expect(percentileRanks(1, 0.5)).toEqual([0, 0]);
    expect(percentileFrom([{ i: 6, n: 8, x: 240 }, { i: 7, n: 8, x: 600 }], 0.9)).toBeCloseTo(348, 9);
    expect(percentileFrom([], 0.5)).toBeNull();
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('time zones', () => {
  it('offsets, local midnights and local dates', () => {
    expect(offsetAt('America/Sao_Paulo', NOW)).toBe(-3 * H);
    expect(offsetAt('Asia/Tokyo', NOW)).toBe(9 * H);
    expect(new Date(zonedMidnight('2026-11-01', 'America/Sao_Paulo')).toISOString()).toBe('2026-11-01T03:00:00.000Z');
    expect(new Date(zonedMidnight('2026-03-08', 'America/New_York')).toISOString()).toBe('2026-03-08T05:00:00.000Z'); // EST
    expect(new Date(zonedMidnight('2026-03-09', 'America/New_York')).toISOString()).toBe('2026-03-09T04:00:00.000Z'); // EDT
    expect(localDate(Date.parse('2026-11-11T02:30:00Z'), 'America/Sao_Paulo')).toBe('2026-11-10');
  });

  it('splits a range at each change of offset (New York, 2026: 8 March and 1 November)', () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const to = Date.parse('2027-01-01T00:00:00Z');
    expect(offsetSegments('America/New_York', from, to)).toEqual([
      { until: Date.parse('2026-03-08T07:00:00Z'), offsetMs: -5 * H },
      { until: Date.parse('2026-11-01T06:00:00Z'), offsetMs: -4 * H },
      { until: to, offsetMs: -5 * H },
    ]);
    expect(offsetSegments('America/Sao_Paulo', from, to)).toEqual([{ until: to, offsetMs: -3 * H }]);
  });
});

describe('parseAnalyticsQuery', () => {
  it('defaults to the 30 days up to now, in São Paulo', () => {
    const p = parseAnalyticsQuery({}, NOW);
    expect(p).toEqual({ ok: true, value: { from: NOW - 30 * 24 * H, to: NOW, timeZone: 'America/Sao_Paulo', departmentIds: null, limit: 10, page: 1, pageSize: 25, term: null } });
  });

  it('takes whole local days (to included) or instants (to excluded)', () => {
    const days = parseAnalyticsQuery({ from: '2026-11-01', to: '2026-11-30', departmentIds: '2,4,2', limit: '5' }, NOW);
    expect(days.ok && [new Date(days.value.from).toISOString(), new Date(days.value.to).toISOString(), days.value.departmentIds, days.value.limit]).toEqual([
      '2026-11-01T03:00:00.000Z', '2026-12-01T03:00:00.000Z', [2, 4], 5,
    ]);
    const instants = parseAnalyticsQuery({ from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00+02:00' }, NOW);
    expect(instants.ok && [instants.value.from, instants.value.to]).toEqual([Date.parse('2026-11-01T00:00:00Z'), Date.parse('2026-11-01T22:00:00Z')]);
    const tokyo = parseAnalyticsQuery({ from: '2026-11-01', to: '2026-11-01', timeZone: 'Asia/Tokyo' }, NOW);
    expect(tokyo.ok && [tokyo.value.from, tokyo.value.to]).toEqual([Date.parse('2026-10-31T15:00:00Z'), Date.parse('2026-11-01T15:00:00Z')]);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ from: '2026-11-31' }, 'from'],
    [{ to: 20261101 }, 'to'],
    [{ from: ['2026-11-01', '2026-11-02'] }, 'from'],
    [{ timeZone: 'Not/AZone' }, 'timeZone'],
    [{ timeZone: 'x'.repeat(65) }, 'timeZone'],
    [{ departmentIds: Array.from({ length: 51 }, (_, i) => i + 1).join(',') }, 'departmentIds'],
    [{ departmentIds: '0' }, 'departmentIds'],
    [{ pageSize: '101' }, 'pageSize'],
    [{ term: 'a'.repeat(121) }, 'term'],
    [{ term: '<b>' }, 'term'],
    [{ unknown: '1' }, 'unknown'],
  ])('refuses %j', (query, field) => {
    const p = parseAnalyticsQuery(query, NOW);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error.code).toBe('validation_failed');
      expect(Object.keys(p.error.fields ?? {})).toEqual([field]);
    }
  });

  it('the previous period has the same length and ends where the period starts', () => {
    expect(previousPeriod({ from: 100, to: 160 })).toEqual({ from: 40, to: 100 });
  });
});

describe('toCsv', () => {
  it('quotes, escapes and defuses formulas', () => {
    const csv = toCsv(['a', 'b', 'c'], [
      { a: 'plain', b: 'with, comma', c: 'say "hi"' },
      { a: '=HYPERLINK("http://x")', b: '-1', c: null },
      { a: 3, b: -1, c: 'line\nbreak' },
    ]);
    expect(csv).toBe('a,b,c\r\nplain,"with, comma","say ""hi"""\r\n"\'=HYPERLINK(""http://x"")",\'-1,\r\n3,-1,"line\nbreak"\r\n');
  });
});
