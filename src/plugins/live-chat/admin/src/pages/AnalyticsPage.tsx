import * as React from 'react';
import { Badge, Box, Button, Field, Flex, Grid, SingleSelect, SingleSelectOption, Table, Tbody, Td, TextInput, Th, Thead, Tr, Typography, VisuallyHidden } from '@strapi/design-system';
import { Layouts, Page, useFetchClient } from '@strapi/strapi/admin';
import { Link } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Analytics } from '../../../shared/analytics';
import {
  agentSeries,
  analyticsQuery,
  csvFileName,
  daysBetween,
  defaultFilters,
  demandRows,
  filtersError,
  formatRating,
  formatSeconds,
  formatShare,
  heatMap,
  overallService,
  SERVICE_METRICS,
  tagRows,
  trendLabel,
  volumeSeries,
  type AnalyticsFilters,
  type DemandRow,
  type VolumeStack,
} from '../analytics/shape';
import { CsvButton, HeatMapTable, Loadable, RatingBar, Section } from '../components/AnalyticsParts';
import { PluginNav } from '../components/PluginNav';
import { errorMessage } from '../utils/backend';
import { useT } from '../utils/useT';

const API = '/live-chat/analytics';
/** recurring subjects listed before "Show all" */
const SHOWN_DEMANDS = 10;
const AXIS = { fill: '#4a4a6a', fontSize: 12 };

/** The browser's IANA zone: date-only bounds are whole days there. */
const browserZone = (): string | undefined => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
};

interface Resource<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** GET one analytics endpoint whenever its URL changes; an older answer never overwrites a newer one. */
function useResource<T>(url: string): Resource<T> {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [attempt, setAttempt] = React.useState(0);
  React.useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    get<T>(url)
      .then(({ data }) => current && setState({ data, error: null, loading: false }))
      .catch((e) => current && setState({ data: null, error: errorMessage(e), loading: false }));
    return () => {
      current = false;
    };
  }, [get, url, attempt]);
  return { ...state, reload: () => setAttempt((n) => n + 1) };
}

/** Figures, charts and tables of the history: volumes, service times, hours, agents, tags, satisfaction, recurring subjects. */
const AnalyticsPage = () => {
  const { tr, dateTime } = useT();
  const { get, post } = useFetchClient();
  const zone = React.useMemo(browserZone, []);
  const [filters, setFilters] = React.useState<AnalyticsFilters>(() => defaultFilters(Date.now(), zone));
  const [applied, setApplied] = React.useState<AnalyticsFilters>(filters);
  const [formError, setFormError] = React.useState<string | null>(null);
  const [stack, setStack] = React.useState<VolumeStack>('department');
  const [departments, setDepartments] = React.useState<Analytics.DepartmentRef[]>([]);
  const [csv, setCsv] = React.useState<{ busy: string | null; error: string | null }>({ busy: null, error: null });

  const q = analyticsQuery(applied, zone);
  const volume = useResource<Analytics.Volume.Response>(`${API}/volume?${q}`);
  const service = useResource<Analytics.Service.Response>(`${API}/service?${q}`);
  const hours = useResource<Analytics.Hours.Response>(`${API}/hours?${q}`);
  const agents = useResource<Analytics.Agents.Response>(`${API}/agents?${q}`);
  const demands = useResource<Analytics.Demands.Response>(`${API}/demands?${q}`);
  const satisfaction = useResource<Analytics.Satisfaction.Response>(`${API}/satisfaction?${q}`);

  // the department filter offers every department the user may see (the unfiltered answer lists them all)
  React.useEffect(() => {
    if (volume.data && !applied.departmentId) setDepartments(volume.data.departments.map(({ departmentId, departmentName }) => ({ departmentId, departmentName })));
  }, [volume.data, applied.departmentId]);

  const apply = (e?: React.FormEvent) => {
    e?.preventDefault();
    const err = filtersError(filters);
    if (err) return setFormError(err === 'reversed' ? tr('analytics.filters.reversed', 'The start date is after the end date.') : tr('analytics.filters.missing', 'Choose both dates.'));
    setFormError(null);
    setApplied(filters);
  };

  const download = async (table: Analytics.Table) => {
    setCsv({ busy: table, error: null });
    try {
      const res = await get(`${API}/export/${table}?${q}`, { responseType: 'blob' });
      const url = URL.createObjectURL(res.data);
      const a = document.createElement('a');
      a.href = url;
      a.download = csvFileName(res.headers?.get('content-disposition'), table, applied);
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30_000);
      setCsv({ busy: null, error: null });
    } catch (e) {
      setCsv({ busy: null, error: tr('analytics.csvFailed', 'The CSV could not be downloaded: {message}', { message: errorMessage(e) }) });
    }
  };
  const csvButton = (table: Analytics.Table, label: string) => <CsvButton label={label} busy={csv.busy === table} onClick={() => void download(table)} />;

  const statusLabel = (s: string) => tr(`status.${s}`, s);
  const dayLabel = (day: string) => day.slice(8, 10) + '/' + day.slice(5, 7);
  const rangeText = `${applied.from.split('-').reverse().join('/')} – ${applied.to.split('-').reverse().join('/')}`;

  return (
    <Page.Main>
      <Page.Title>{tr('analytics.title', 'Analytics')}</Page.Title>
      <Layouts.Header title={tr('analytics.title', 'Analytics')} subtitle={tr('analytics.subtitle', 'Chats queued {range}', { range: rangeText })} />
      <PluginNav />
      <Layouts.Content>
        <Box tag="form" onSubmit={apply} padding={4} background="neutral0" hasRadius shadow="tableShadow" aria-label={tr('analytics.filters', 'Filters')}>
          <Grid.Root gap={3}>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Field.Root name="from">
                <Field.Label>{tr('history.from', 'From')}</Field.Label>
                <TextInput type="date" value={filters.from} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFilters({ ...filters, from: e.target.value })} />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Field.Root name="to">
                <Field.Label>{tr('history.to', 'To')}</Field.Label>
                <TextInput type="date" value={filters.to} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFilters({ ...filters, to: e.target.value })} />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="departmentId">
                <Field.Label>{tr('console.department', 'Department')}</Field.Label>
                <SingleSelect
                  value={filters.departmentId}
                  onChange={(v) => setFilters({ ...filters, departmentId: String(v) })}
                  placeholder={tr('analytics.allDepartments', 'All departments')}
                  onClear={() => setFilters({ ...filters, departmentId: '' })}
                >
                  {departments.map((d) => (
                    <SingleSelectOption key={d.departmentId} value={String(d.departmentId)}>
                      {d.departmentName}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={2} s={12} direction="column" alignItems="stretch" justifyContent="flex-end">
              <Button type="submit" fullWidth>
                {tr('analytics.apply', 'Apply')}
              </Button>
            </Grid.Item>
          </Grid.Root>
          {formError && (
            <Box paddingTop={2}>
              <Typography textColor="danger600" role="alert">{formError}</Typography>
            </Box>
          )}
        </Box>
        {csv.error && (
          <Box paddingTop={4}>
            <Typography textColor="danger600" role="alert">{csv.error}</Typography>
          </Box>
        )}

        <Section
          id="volume"
          title={tr('analytics.volume.title', 'Chats over time')}
          actions={
            <>
              <Flex gap={1} role="group" aria-label={tr('analytics.volume.stack', 'Stack by')}>
                <Button size="S" variant={stack === 'department' ? 'secondary' : 'tertiary'} aria-pressed={stack === 'department'} onClick={() => setStack('department')}>
                  {tr('analytics.volume.byDepartment', 'By department')}
                </Button>
                <Button size="S" variant={stack === 'status' ? 'secondary' : 'tertiary'} aria-pressed={stack === 'status'} onClick={() => setStack('status')}>
                  {tr('analytics.volume.byStatus', 'By final status')}
                </Button>
              </Flex>
              {csvButton('volume-daily', tr('analytics.csv.daily', 'per day'))}
              {csvButton('volume-departments', tr('analytics.csv.departments', 'per department'))}
            </>
          }
        >
          <Loadable state={volume} onRetry={volume.reload} empty={(d) => d.daily.length === 0}>
            {(d) => {
              const series = volumeSeries(d.daily, stack, daysBetween(applied.from, applied.to));
              return (
                <figure style={{ margin: 0 }} aria-label={tr('analytics.volume.chart', 'Chats per day, {total} in all', { total: series.total })} data-testid="volume-chart">
                  <Typography variant="pi" textColor="neutral600" tag="p">
                    {tr('analytics.volume.total', '{total} chats in the period', { total: series.total })}
                  </Typography>
                  <ResponsiveContainer width="100%" height={300}>
                    <BarChart data={series.data} margin={{ top: 12, right: 12, bottom: 0, left: 0 }}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="day" tickFormatter={dayLabel} tick={AXIS} minTickGap={12} />
                      <YAxis allowDecimals={false} tick={AXIS} width={36} />
                      <Tooltip labelFormatter={(day) => dayLabel(String(day))} />
                      <Legend formatter={(value) => <span style={{ color: '#32324d' }}>{value}</span>} />
                      {series.keys.map((k) => (
                        <Bar key={k.key} dataKey={k.key} name={stack === 'status' ? statusLabel(k.label) : k.label} stackId="volume" fill={k.color} isAnimationActive={false} />
                      ))}
                    </BarChart>
                  </ResponsiveContainer>
                </figure>
              );
            }}
          </Loadable>
        </Section>

        <Section id="service" title={tr('analytics.service.title', 'Waiting, first reply and duration')} actions={csvButton('service', tr('analytics.csv.service', 'service'))}>
          <Loadable state={service} onRetry={service.reload} empty={(d) => !overallService(d.rows)?.chats}>
            {(d) => {
              const all = overallService(d.rows)!;
              const metricLabel = { wait: tr('analytics.service.wait', 'Waiting time'), firstReply: tr('analytics.service.firstReply', 'Time to first reply'), duration: tr('analytics.service.duration', 'Chat duration') };
              const figure = (label: string, value: string, note?: string, testId?: string) => (
                <Box padding={4} background="neutral100" hasRadius data-testid={testId}>
                  <Typography variant="sigma" textColor="neutral600" tag="p">{label}</Typography>
                  <Typography variant="beta" tag="p">{value}</Typography>
                  {note && <Typography variant="pi" textColor="neutral600" tag="p">{note}</Typography>}
                </Box>
              );
              return (
                <>
                  <Grid.Root gap={3}>
                    <Grid.Item col={2} s={6} direction="column" alignItems="stretch">{figure(tr('analytics.service.chats', 'Chats'), String(all.chats), tr('analytics.service.accepted', '{count} accepted', { count: all.accepted }), 'figure-chats')}</Grid.Item>
                    <Grid.Item col={2} s={6} direction="column" alignItems="stretch">{figure(tr('analytics.service.missedShare', 'Missed'), formatShare(all.missedShare), tr('analytics.service.count', '{count} chats', { count: all.missed }), 'figure-missed')}</Grid.Item>
                    <Grid.Item col={2} s={6} direction="column" alignItems="stretch">{figure(tr('analytics.service.leftShare', 'Left as a message'), formatShare(all.leftShare), tr('analytics.service.count', '{count} chats', { count: all.leftMessages }), 'figure-left')}</Grid.Item>
                    {SERVICE_METRICS.map((m) => (
                      <Grid.Item key={m} col={2} s={6} direction="column" alignItems="stretch">
                        {figure(metricLabel[m], `${formatSeconds(all[m].p50)}`, tr('analytics.service.p90', 'median; 90 % within {p90}', { p90: formatSeconds(all[m].p90) }), `figure-${m}`)}
                      </Grid.Item>
                    ))}
                  </Grid.Root>
                  <Box paddingTop={4}>
                    <Table colCount={9} rowCount={d.rows.length}>
                      <Thead>
                        <Tr>
                          <Th><Typography variant="sigma">{tr('console.department', 'Department')}</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.service.chats', 'Chats')}</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.service.missedShare', 'Missed')}</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.service.leftShare', 'Left as a message')}</Typography></Th>
                          {SERVICE_METRICS.map((m) => (
                            <Th key={m}><Typography variant="sigma">{metricLabel[m]} (p50 / p90)</Typography></Th>
                          ))}
                        </Tr>
                      </Thead>
                      <Tbody>
                        {d.rows.filter((r) => r.departmentId !== null).map((r) => (
                          <Tr key={r.departmentId}>
                            <Td><Typography fontWeight="bold">{r.departmentName}</Typography></Td>
                            <Td><Typography>{r.chats}</Typography></Td>
                            <Td><Typography>{formatShare(r.missedShare)}</Typography></Td>
                            <Td><Typography>{formatShare(r.leftShare)}</Typography></Td>
                            {SERVICE_METRICS.map((m) => (
                              <Td key={m}><Typography>{formatSeconds(r[m].p50)} / {formatSeconds(r[m].p90)}</Typography></Td>
                            ))}
                          </Tr>
                        ))}
                      </Tbody>
                    </Table>
                  </Box>
                </>
              );
            }}
          </Loadable>
        </Section>

        <Section id="hours" title={tr('analytics.hours.title', 'Busiest hours of the week')} actions={csvButton('hours', tr('analytics.csv.hours', 'hours'))}>
          <Loadable state={hours} onRetry={hours.reload} empty={(d) => d.cells.every((c) => c.chats === 0)}>
            {(d) => <HeatMapTable map={heatMap(d.cells)} />}
          </Loadable>
        </Section>

        <Section id="agents" title={tr('analytics.agents.title', 'Chats per agent')} actions={csvButton('agents', tr('analytics.csv.agents', 'agents'))}>
          <Loadable state={agents} onRetry={agents.reload} empty={(d) => d.rows.length === 0}>
            {(d) => {
              const rows = agentSeries(d.rows);
              return (
                <Flex gap={6} alignItems="flex-start" wrap="wrap">
                  <figure style={{ margin: 0, flex: '1 1 320px', minWidth: 280 }} aria-label={tr('analytics.agents.chart', 'Chats per agent')} data-testid="agents-chart">
                    <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 32 + 40)}>
                      <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 24, bottom: 0, left: 0 }}>
                        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                        <XAxis type="number" allowDecimals={false} tick={AXIS} />
                        <YAxis type="category" dataKey="label" tick={AXIS} width={140} />
                        <Tooltip />
                        <Bar dataKey="chats" name={tr('analytics.service.chats', 'Chats')} fill="#4945FF" isAnimationActive={false} />
                      </BarChart>
                    </ResponsiveContainer>
                  </figure>
                  <Box style={{ flex: '1 1 420px' }}>
                    <Table colCount={5} rowCount={rows.length + 1}>
                      <Thead>
                        <Tr>
                          <Th><Typography variant="sigma">{tr('history.agent', 'Agent')}</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.service.chats', 'Chats')}</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.agents.closed', 'Closed')}</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.service.firstReply', 'Time to first reply')} (p50)</Typography></Th>
                          <Th><Typography variant="sigma">{tr('analytics.satisfaction.avg', 'Rating')}</Typography></Th>
                        </Tr>
                      </Thead>
                      <Tbody>
                        {rows.map((r) => (
                          <Tr key={r.agentId} data-testid="agent-row">
                            <Td><Typography fontWeight="bold">{r.label}</Typography></Td>
                            <Td><Typography>{r.chats}</Typography></Td>
                            <Td><Typography>{r.closed}</Typography></Td>
                            <Td><Typography>{formatSeconds(r.firstReply.p50)}</Typography></Td>
                            <Td><Typography>{formatRating(r.ratingAvg)} {r.rated > 0 ? `(${r.rated})` : ''}</Typography></Td>
                          </Tr>
                        ))}
                      </Tbody>
                    </Table>
                  </Box>
                </Flex>
              );
            }}
          </Loadable>
        </Section>

        <Demands
          state={demands}
          applied={applied}
          zone={zone}
          csvButton={csvButton}
          post={post}
          get={get}
          dateTime={dateTime}
          statusLabel={statusLabel}
        />

        <Section id="tags" title={tr('analytics.tags.title', 'Tags, ranked')} actions={csvButton('tags', tr('analytics.csv.tags', 'tags'))}>
          <Loadable state={demands} onRetry={demands.reload} empty={(d) => tagRows(d.departments).length === 0}>
            {(d) => {
              const rows = tagRows(d.departments);
              return (
                <Table colCount={5} rowCount={rows.length + 1}>
                  <Thead>
                    <Tr>
                      <Th><Typography variant="sigma">#</Typography></Th>
                      <Th><Typography variant="sigma">{tr('analytics.tags.tag', 'Tag')}</Typography></Th>
                      <Th><Typography variant="sigma">{tr('console.department', 'Department')}</Typography></Th>
                      <Th><Typography variant="sigma">{tr('analytics.service.chats', 'Chats')}</Typography></Th>
                      <Th><Typography variant="sigma">{tr('analytics.trend', 'Trend vs previous period')}</Typography></Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {rows.map((r) => (
                      <Tr key={`${r.departmentId}-${r.tag}`} data-testid="tag-row">
                        <Td><Typography>{r.rank}</Typography></Td>
                        <Td><Badge>#{r.tag}</Badge></Td>
                        <Td><Typography>{r.departmentName}</Typography></Td>
                        <Td><Typography>{r.count}</Typography></Td>
                        <Td><TrendText trend={r.trend} /></Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              );
            }}
          </Loadable>
        </Section>

        <Section
          id="satisfaction"
          title={tr('analytics.satisfaction.title', 'Satisfaction')}
          actions={
            <>
              {csvButton('satisfaction-departments', tr('analytics.csv.departments', 'per department'))}
              {csvButton('satisfaction-agents', tr('analytics.csv.agents', 'agents'))}
            </>
          }
        >
          <Loadable state={satisfaction} onRetry={satisfaction.reload} empty={(d) => d.departments.every((r) => r.rated === 0) && d.agents.length === 0}>
            {(d) => {
              const table = (rows: Array<Analytics.Satisfaction.Row & { key: string; name: string }>, who: string) => (
                <Table colCount={4} rowCount={rows.length + 1}>
                  <Thead>
                    <Tr>
                      <Th><Typography variant="sigma">{who}</Typography></Th>
                      <Th><Typography variant="sigma">{tr('analytics.satisfaction.rated', 'Rated chats')}</Typography></Th>
                      <Th><Typography variant="sigma">{tr('analytics.satisfaction.avg', 'Rating')}</Typography></Th>
                      <Th><Typography variant="sigma">{tr('analytics.satisfaction.distribution', 'Ratings 1–5')}</Typography></Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {rows.map((r) => (
                      <Tr key={r.key}>
                        <Td><Typography fontWeight="bold">{r.name}</Typography></Td>
                        <Td><Typography>{r.rated}</Typography></Td>
                        <Td><Typography>{formatRating(r.avg)}</Typography></Td>
                        <Td><RatingBar distribution={r.distribution} rated={r.rated} /></Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              );
              return (
                <Grid.Root gap={4}>
                  <Grid.Item col={12} direction="column" alignItems="stretch">
                    <Typography variant="pi" textColor="neutral600" tag="p">
                      {tr('analytics.satisfaction.legend', 'Bars: the share of each rating, from 1 (left, red) to 5 (right, green).')}
                    </Typography>
                  </Grid.Item>
                  <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                    {table(d.departments.map((r) => ({ ...r, key: `d${r.departmentId}`, name: r.departmentName })), tr('console.department', 'Department'))}
                  </Grid.Item>
                  <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                    {table(d.agents.map((r) => ({ ...r, key: `a${r.agentId}`, name: r.agentName || `#${r.agentId}` })), tr('history.agent', 'Agent'))}
                  </Grid.Item>
                </Grid.Root>
              );
            }}
          </Loadable>
        </Section>
      </Layouts.Content>
    </Page.Main>
  );
};

/** "▲ +4 (+200 %)" with the direction in words for screen readers. */
function TrendText({ trend }: { trend: Analytics.Trend }) {
  const { tr } = useT();
  const t = trendLabel(trend);
  const words = { up: tr('analytics.trend.up', 'up'), down: tr('analytics.trend.down', 'down'), flat: tr('analytics.trend.flat', 'unchanged'), new: tr('analytics.trend.new', 'new') }[t.direction];
  return (
    <Typography textColor="neutral800" title={tr('analytics.trend.previous', '{count} in the previous period', { count: trend.previous })} data-testid="trend" data-direction={t.direction}>
      <span aria-hidden="true">{t.symbol} </span>
      {t.direction === 'new' ? `${words} (${t.change})` : `${t.change}${t.ratio ? ` (${t.ratio})` : ''}`}
      {t.direction !== 'new' && <VisuallyHidden> {words}</VisuallyHidden>}
    </Typography>
  );
}

type Get = ReturnType<typeof useFetchClient>['get'];
type Post = ReturnType<typeof useFetchClient>['post'];

/** The recurring subjects with their drill-down (the group's chats) and "send to development". */
function Demands({
  state,
  applied,
  zone,
  csvButton,
  get,
  post,
  dateTime,
  statusLabel,
}: {
  state: Resource<Analytics.Demands.Response>;
  applied: AnalyticsFilters;
  zone: string | undefined;
  csvButton: (table: Analytics.Table, label: string) => React.ReactNode;
  get: Get;
  post: Post;
  dateTime: (iso: string) => string;
  statusLabel: (s: string) => string;
}) {
  const { tr } = useT();
  const [open, setOpen] = React.useState<{ row: DemandRow; page: number } | null>(null);
  const [chats, setChats] = React.useState<{ data: Analytics.DemandChats.Response | null; error: string | null }>({ data: null, error: null });
  const [sent, setSent] = React.useState<{ ok: boolean; text: string } | null>(null);
  const [sending, setSending] = React.useState<string | null>(null);
  const [all, setAll] = React.useState(false);

  // a new period or department closes the drill-down and forgets the last send
  React.useEffect(() => {
    setOpen(null);
    setSent(null);
    setAll(false);
  }, [applied]);

  React.useEffect(() => {
    if (!open) return;
    let current = true;
    setChats({ data: null, error: null });
    const q = analyticsQuery({ ...applied, departmentId: String(open.row.departmentId) }, zone, { term: open.row.term, page: open.page, pageSize: 10 });
    get<Analytics.DemandChats.Response>(`${API}/demands/chats?${q}`)
      .then(({ data }) => current && setChats({ data, error: null }))
      .catch((e) => current && setChats({ data: null, error: errorMessage(e) }));
    return () => {
      current = false;
    };
  }, [open, applied, zone, get]);

  const send = async (row: DemandRow) => {
    setSending(row.id);
    setSent(null);
    try {
      const body: Analytics.SendToDevelopment.Request = { departmentId: row.departmentId, term: row.term, from: applied.from, to: applied.to, ...(zone ? { timeZone: zone } : {}) };
      const { data } = await post<Analytics.SendToDevelopment.Response>(`${API}/demands/send`, body);
      setSent({ ok: true, text: tr('analytics.send.done', '"{title}" ({department}) was sent to development (webhook answered {status}).', { title: row.title, department: row.departmentName, status: data.webhookStatus }) });
    } catch (e) {
      setSent({ ok: false, text: tr('analytics.send.failed', '"{title}" was not sent: {message}', { title: row.title, message: errorMessage(e) }) });
    } finally {
      setSending(null);
    }
  };

  return (
    <Section id="demands" title={tr('analytics.demands.title', 'Recurring demands')} actions={csvButton('demands', tr('analytics.csv.demands', 'demands'))}>
      <Typography variant="pi" textColor="neutral600" tag="p">
        {tr('analytics.demands.hint', 'Subjects found in the visitors\' questions and first messages, per department. Open a subject to list its chats.')}
      </Typography>
      {sent && (
        <Box paddingTop={3} paddingBottom={1} role={sent.ok ? 'status' : 'alert'} data-testid="send-result">
          <Typography textColor={sent.ok ? 'success700' : 'danger600'} fontWeight="bold">{sent.text}</Typography>
        </Box>
      )}
      <Box paddingTop={3}>
        <Loadable state={state} onRetry={state.reload} empty={(d) => demandRows(d.departments).length === 0}>
          {(d) => {
            const ranked = demandRows(d.departments);
            const rows = all ? ranked : ranked.slice(0, SHOWN_DEMANDS);
            return (
              <>
              <Table colCount={6} rowCount={rows.length + 1}>
                <Thead>
                  <Tr>
                    <Th><Typography variant="sigma">{tr('analytics.demands.subject', 'Subject')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('console.department', 'Department')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('analytics.service.chats', 'Chats')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('analytics.trend', 'Trend vs previous period')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('analytics.demands.examples', 'Example questions')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('analytics.demands.actions', 'Actions')}</Typography></Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {rows.map((r) => {
                    const isOpen = open?.row.id === r.id;
                    const panelId = `demand-chats-${r.id.replace(/[^a-zA-Z0-9-]/g, '_')}`;
                    return (
                      <React.Fragment key={r.id}>
                        <Tr data-testid="demand-row" data-term={r.term}>
                          <Td style={{ width: '18%', whiteSpace: 'normal' }}>
                            <Typography fontWeight="bold" data-testid="demand-title">{r.title}</Typography>
                          </Td>
                          <Td><Typography>{r.departmentName}</Typography></Td>
                          <Td><Typography data-testid="demand-count">{r.count}</Typography></Td>
                          <Td><TrendText trend={r.trend} /></Td>
                          <Td style={{ width: '36%', whiteSpace: 'normal' }}>
                            {r.examples.slice(0, 2).map((ex) => (
                              <Typography key={ex.chatId} variant="pi" tag="p" style={{ overflowWrap: 'anywhere' }}>“{ex.question}”</Typography>
                            ))}
                          </Td>
                          <Td>
                            <Flex gap={2} direction="column" alignItems="stretch">
                              <Button size="S" variant={isOpen ? 'secondary' : 'tertiary'} aria-expanded={isOpen} aria-controls={isOpen ? panelId : undefined} onClick={() => setOpen(isOpen ? null : { row: r, page: 1 })}>
                                {isOpen ? tr('analytics.demands.hideChats', 'Hide chats') : tr('analytics.demands.showChats', 'Chats ({count})', { count: r.count })}
                              </Button>
                              <Button size="S" variant="secondary" loading={sending === r.id} onClick={() => void send(r)}>
                                {tr('analytics.send', 'Send to development')}
                              </Button>
                            </Flex>
                          </Td>
                        </Tr>
                        {isOpen && (
                          <Tr>
                            <Td colSpan={6} style={{ background: '#f6f6f9' }}>
                              <Box id={panelId} padding={3} data-testid="demand-chats" aria-label={tr('analytics.demands.chatsOf', 'Chats about "{title}"', { title: r.title })} role="region">
                                {chats.error && <Typography textColor="danger600" role="alert">{chats.error}</Typography>}
                                {!chats.error && !chats.data && <Typography textColor="neutral600">{tr('analytics.loading', 'Loading…')}</Typography>}
                                {chats.data && (
                                  <>
                                    <Typography variant="sigma" textColor="neutral600" tag="p">
                                      {tr('analytics.demands.chatsOf', 'Chats about "{title}"', { title: r.title })} · {chats.data.pagination.total}
                                    </Typography>
                                    <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
                                      {chats.data.data.map((c) => (
                                        <li key={c.chatId} style={{ padding: '6px 0', borderBottom: '1px solid #eaeaef' }} data-testid="demand-chat">
                                          <Flex gap={3} wrap="wrap">
                                            <Link to={`/plugins/live-chat/history/${c.chatId}`} style={{ color: '#4945ff', fontWeight: 600 }}>
                                              {tr('analytics.demands.openChat', 'Chat #{id}', { id: c.chatId })}
                                            </Link>
                                            <Typography variant="pi" textColor="neutral600">{dateTime(c.queuedAt)}</Typography>
                                            <Badge>{statusLabel(c.status)}</Badge>
                                            <Typography style={{ overflowWrap: 'anywhere' }}>{c.question}</Typography>
                                          </Flex>
                                        </li>
                                      ))}
                                    </ul>
                                    {chats.data.pagination.pageCount > 1 && (
                                      <Flex gap={2} paddingTop={2} justifyContent="flex-end">
                                        <Button size="S" variant="tertiary" disabled={open!.page <= 1} onClick={() => setOpen({ row: r, page: open!.page - 1 })}>{tr('history.previous', 'Previous')}</Button>
                                        <Typography variant="pi">{tr('history.page', 'Page {page} of {count}', { page: open!.page, count: chats.data.pagination.pageCount })}</Typography>
                                        <Button size="S" variant="tertiary" disabled={open!.page >= chats.data.pagination.pageCount} onClick={() => setOpen({ row: r, page: open!.page + 1 })}>{tr('history.next', 'Next')}</Button>
                                      </Flex>
                                    )}
                                  </>
                                )}
                              </Box>
                            </Td>
                          </Tr>
                        )}
                      </React.Fragment>
                    );
                  })}
                </Tbody>
              </Table>
              {ranked.length > SHOWN_DEMANDS && (
                <Flex paddingTop={3} justifyContent="center">
                  <Button variant="tertiary" size="S" onClick={() => setAll(!all)}>
                    {all ? tr('analytics.demands.showTop', 'Show the top {count}', { count: SHOWN_DEMANDS }) : tr('analytics.demands.showAll', 'Show all {count} subjects', { count: ranked.length })}
                  </Button>
                </Flex>
              )}
              </>
            );
          }}
        </Loadable>
      </Box>
    </Section>
  );
}

export default AnalyticsPage;
