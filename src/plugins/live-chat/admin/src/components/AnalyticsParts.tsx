import * as React from 'react';
import { Box, Button, Flex, Loader, Typography, VisuallyHidden } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { useIntl } from 'react-intl';
import type { HeatMap } from '../analytics/shape';
import { useT } from '../utils/useT';

/** One section of the Analytics page: a titled card with its actions (CSV downloads) on the right. */
export function Section({ id, title, actions, children }: { id: string; title: string; actions?: React.ReactNode; children: React.ReactNode }) {
  return (
    <Box tag="section" aria-labelledby={`${id}-title`} data-testid={`section-${id}`} padding={5} marginTop={4} background="neutral0" hasRadius shadow="tableShadow">
      <Flex justifyContent="space-between" alignItems="flex-start" gap={2} wrap="wrap" paddingBottom={3}>
        <Typography variant="delta" tag="h2" id={`${id}-title`}>
          {title}
        </Typography>
        {actions && (
          <Flex gap={2} wrap="wrap">
            {actions}
          </Flex>
        )}
      </Flex>
      {children}
    </Box>
  );
}

/** The state of one request: loading, its error (with Retry), empty, or the content. */
export function Loadable<T>({ state, empty, onRetry, children }: { state: { data: T | null; error: string | null; loading: boolean }; empty?: (data: T) => boolean; onRetry: () => void; children: (data: T) => React.ReactNode }) {
  const { tr } = useT();
  if (state.error)
    return (
      <Flex gap={3} role="alert" data-testid="section-error">
        <Typography textColor="danger600">{state.error}</Typography>
        <Button variant="tertiary" size="S" onClick={onRetry}>
          {tr('analytics.retry', 'Retry')}
        </Button>
      </Flex>
    );
  if (state.loading || !state.data) return <Loader small>{tr('analytics.loading', 'Loading…')}</Loader>;
  if (empty?.(state.data))
    return (
      <Typography textColor="neutral600" tag="p" data-testid="section-empty">
        {tr('analytics.empty', 'No chats in this period.')}
      </Typography>
    );
  return <>{children(state.data)}</>;
}

/** A CSV download button: "CSV · Tags". */
export function CsvButton({ label, busy, onClick }: { label: string; busy: boolean; onClick: () => void }) {
  const { tr } = useT();
  return (
    <Button variant="tertiary" size="S" startIcon={<Download />} loading={busy} onClick={onClick}>
      {tr('analytics.csv', 'CSV: {table}', { table: label })}
    </Button>
  );
}

/** Weekday names of the admin's locale, Sunday first. */
export function useWeekdays(style: 'long' | 'short') {
  const { locale } = useIntl();
  return React.useMemo(() => {
    const fmt = new Intl.DateTimeFormat(locale, { weekday: style, timeZone: 'UTC' });
    // 2023-01-01 was a Sunday
    return Array.from({ length: 7 }, (_, i) => fmt.format(new Date(Date.UTC(2023, 0, 1 + i))));
  }, [locale, style]);
}

const hourLabel = (h: number) => `${String(h).padStart(2, '0')}h`;

/**
 * The week's heat map as a table: days as rows, hours as columns, each cell's count written in it
 * on a colour for its level (text colour chosen for contrast), with a legend.
 */
export function HeatMapTable({ map }: { map: HeatMap }) {
  const { tr } = useT();
  const days = useWeekdays('long');
  const short = useWeekdays('short');
  const cell: React.CSSProperties = { width: 34, minWidth: 30, height: 28, textAlign: 'center', fontSize: 12, border: '1px solid #eaeaef', padding: 0 };
  return (
    <Box>
      <div style={{ overflowX: 'auto' }}>
        <table data-testid="heat-map" style={{ borderCollapse: 'collapse', tableLayout: 'fixed' }}>
          <caption style={{ textAlign: 'left', paddingBottom: 8, fontSize: 13, color: '#4a4a6a' }}>
            {map.busiest
              ? tr('analytics.hours.caption', 'Chats started per weekday and hour (the department\'s local time). Busiest: {day} {hour}, {count} chats.', {
                  day: days[map.busiest.weekday],
                  hour: `${String(map.busiest.hour).padStart(2, '0')}:00`,
                  count: map.busiest.chats,
                })
              : tr('analytics.hours.captionEmpty', 'Chats started per weekday and hour (the department\'s local time).')}
          </caption>
          <thead>
            <tr>
              <th scope="col" style={{ ...cell, width: 48, border: 'none' }}>
                <VisuallyHidden>{tr('analytics.hours.day', 'Day')}</VisuallyHidden>
              </th>
              {Array.from({ length: 24 }, (_, h) => (
                <th key={h} scope="col" style={{ ...cell, border: 'none', fontWeight: 500, color: '#4a4a6a' }}>
                  {hourLabel(h)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {map.rows.map((row, weekday) => (
              <tr key={weekday}>
                <th scope="row" style={{ ...cell, width: 48, border: 'none', textAlign: 'left', fontWeight: 500, color: '#4a4a6a' }}>
                  <abbr title={days[weekday]} style={{ textDecoration: 'none' }}>{short[weekday]}</abbr>
                </th>
                {row.map((c) => (
                  <td
                    key={c.hour}
                    data-testid="heat-cell"
                    data-weekday={c.weekday}
                    data-hour={c.hour}
                    data-count={c.chats}
                    data-busiest={map.busiest && map.busiest.weekday === c.weekday && map.busiest.hour === c.hour ? 'true' : undefined}
                    title={tr('analytics.hours.cell', '{day} {hour}: {count} chats', { day: days[c.weekday], hour: `${String(c.hour).padStart(2, '0')}:00`, count: c.chats })}
                    style={{ ...cell, background: c.background, color: c.color, fontWeight: c.level === 4 ? 700 : 400 }}
                  >
                    {c.chats > 0 ? c.chats : ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Flex gap={2} paddingTop={3} alignItems="center" aria-label={tr('analytics.hours.legend', 'Legend')} role="group">
        <Typography variant="pi" textColor="neutral600">{tr('analytics.hours.legend', 'Legend')}:</Typography>
        {map.legend.map((l) => (
          <span key={l.level} style={{ background: l.background, color: l.color, border: '1px solid #dcdce4', borderRadius: 4, padding: '2px 8px', fontSize: 12 }}>
            {l.level === 0 ? '0' : l.from === l.to ? l.from : `${l.from}–${l.to}`}
          </span>
        ))}
      </Flex>
    </Box>
  );
}

/** The five rating shares as a small stacked bar (1 red … 5 green), the counts as its text equivalent. */
export function RatingBar({ distribution, rated }: { distribution: number[]; rated: number }) {
  const colors = ['#D55E00', '#E69F00', '#999999', '#56B4E9', '#009E73'];
  const text = distribution.map((n, i) => `${i + 1}★ ${n}`).join(', ');
  return (
    <div role="img" aria-label={text} title={text} style={{ display: 'flex', width: 140, height: 12, borderRadius: 4, overflow: 'hidden', background: '#eaeaef' }}>
      {rated > 0 && distribution.map((n, i) => <div key={i} style={{ width: `${(n / rated) * 100}%`, background: colors[i] }} />)}
    </div>
  );
}
