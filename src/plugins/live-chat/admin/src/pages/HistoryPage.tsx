import * as React from 'react';
import { Badge, Box, Button, Field, Flex, Grid, SingleSelect, SingleSelectOption, Table, Tbody, Td, TextInput, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page, useFetchClient } from '@strapi/strapi/admin';
import { useNavigate } from 'react-router-dom';
import { CHAT_STATUSES, type Directory, type HistorySearch } from '../../../shared/contract';
import { PluginNav } from '../components/PluginNav';
import { errorMessage } from '../utils/backend';
import { useT } from '../utils/useT';

const EMPTY = { q: '', email: '', departmentId: '', status: '', agentId: '', from: '', to: '' };
type Filters = typeof EMPTY;

/** Search every chat the agent may read; open one to read its transcript. */
const HistoryPage = () => {
  const { tr, dateTime } = useT();
  const { get } = useFetchClient();
  const navigate = useNavigate();
  const [filters, setFilters] = React.useState<Filters>(EMPTY);
  const [applied, setApplied] = React.useState<Filters>(EMPTY);
  const [page, setPage] = React.useState(1);
  const [data, setData] = React.useState<HistorySearch.Response | null>(null);
  const [dir, setDir] = React.useState<Directory.Response | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    get<Directory.Response>('/live-chat/directory').then(({ data }) => setDir(data)).catch(() => setDir(null));
  }, [get]);
  React.useEffect(() => {
    const params = new URLSearchParams({ page: String(page), pageSize: '20' });
    for (const [k, v] of Object.entries(applied)) if (v) params.set(k, k === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? nextDay(v) : v);
    get<HistorySearch.Response>(`/live-chat/history?${params}`)
      .then(({ data }) => {
        setData(data);
        setError(null);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [get, applied, page]);

  const set = (k: keyof Filters) => (e: React.ChangeEvent<HTMLInputElement>) => setFilters({ ...filters, [k]: e.target.value });
  const search = (e?: React.FormEvent) => {
    e?.preventDefault();
    setPage(1);
    setApplied(filters);
  };

  return (
    <Page.Main>
      <Page.Title>{tr('history.title', 'Chat history')}</Page.Title>
      <Layouts.Header title={tr('history.title', 'Chat history')} subtitle={data ? tr('history.count', '{total} chats', { total: data.pagination.total }) : undefined} />
      <PluginNav />
      <Layouts.Content>
        <Box tag="form" onSubmit={search} padding={4} background="neutral0" hasRadius shadow="tableShadow" aria-label={tr('history.filters', 'Filters')}>
          <Grid.Root gap={3}>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="q">
                <Field.Label>{tr('history.text', 'Text')}</Field.Label>
                <TextInput value={filters.q} onChange={set('q')} maxLength={200} placeholder={tr('history.textHint', 'Question, name, messages…')} />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="email">
                <Field.Label>{tr('console.email', 'E-mail')}</Field.Label>
                <TextInput type="email" value={filters.email} onChange={set('email')} maxLength={254} />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="status">
                <Field.Label>{tr('history.status', 'Status')}</Field.Label>
                <SingleSelect value={filters.status} onChange={(v) => setFilters({ ...filters, status: String(v) })} placeholder={tr('history.any', 'Any')} onClear={() => setFilters({ ...filters, status: '' })}>
                  {CHAT_STATUSES.map((s) => (
                    <SingleSelectOption key={s} value={s}>{tr(`status.${s}`, s)}</SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Field.Root name="departmentId">
                <Field.Label>{tr('console.department', 'Department')}</Field.Label>
                <SingleSelect value={filters.departmentId} onChange={(v) => setFilters({ ...filters, departmentId: String(v) })} placeholder={tr('history.any', 'Any')} onClear={() => setFilters({ ...filters, departmentId: '' })}>
                  {(dir?.departments ?? []).map((d) => (
                    <SingleSelectOption key={d.id} value={String(d.id)}>{d.name}</SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Field.Root name="agentId">
                <Field.Label>{tr('history.agent', 'Agent')}</Field.Label>
                <SingleSelect value={filters.agentId} onChange={(v) => setFilters({ ...filters, agentId: String(v) })} placeholder={tr('history.any', 'Any')} onClear={() => setFilters({ ...filters, agentId: '' })}>
                  {(dir?.agents ?? []).map((a) => (
                    <SingleSelectOption key={a.id} value={String(a.id)}>{a.name}</SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Field.Root name="from">
                <Field.Label>{tr('history.from', 'From')}</Field.Label>
                <TextInput type="date" value={filters.from} onChange={set('from')} />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Field.Root name="to">
                <Field.Label>{tr('history.to', 'To')}</Field.Label>
                <TextInput type="date" value={filters.to} onChange={set('to')} />
              </Field.Root>
            </Grid.Item>
          </Grid.Root>
          <Flex gap={2} paddingTop={3} justifyContent="flex-end">
            <Button variant="tertiary" type="button" onClick={() => { setFilters(EMPTY); setPage(1); setApplied(EMPTY); }}>
              {tr('history.clear', 'Clear')}
            </Button>
            <Button type="submit">{tr('history.search', 'Search')}</Button>
          </Flex>
        </Box>
        {error && (
          <Box paddingTop={4}>
            <Typography textColor="danger600" role="alert">{error}</Typography>
          </Box>
        )}
        <Box paddingTop={4}>
          <Table colCount={6} rowCount={(data?.results.length ?? 0) + 1}>
            <Thead>
              <Tr>
                <Th><Typography variant="sigma">{tr('history.date', 'Date')}</Typography></Th>
                <Th><Typography variant="sigma">{tr('console.visitor', 'Visitor')}</Typography></Th>
                <Th><Typography variant="sigma">{tr('console.question', 'Question')}</Typography></Th>
                <Th><Typography variant="sigma">{tr('console.department', 'Department')}</Typography></Th>
                <Th><Typography variant="sigma">{tr('history.agent', 'Agent')}</Typography></Th>
                <Th><Typography variant="sigma">{tr('history.status', 'Status')}</Typography></Th>
              </Tr>
            </Thead>
            <Tbody>
              {(data?.results ?? []).map((c) => (
                <Tr key={c.id} onClick={() => navigate(`/plugins/live-chat/history/${c.id}`)} style={{ cursor: 'pointer' }} data-testid="history-row">
                  <Td><Typography>{dateTime(c.queuedAt)}</Typography></Td>
                  <Td>
                    <Typography fontWeight="bold">{c.visitorName}</Typography>
                    <Typography variant="pi" textColor="neutral600" tag="p">{c.visitorEmail}</Typography>
                  </Td>
                  <Td style={{ maxWidth: 320 }}><Typography ellipsis>{c.question}</Typography></Td>
                  <Td><Typography>{c.departmentName}</Typography></Td>
                  <Td><Typography>{c.agentName ?? '—'}</Typography></Td>
                  <Td>
                    <Badge>{tr(`status.${c.status}`, c.status)}</Badge>
                    {c.tags.map((tag) => (
                      <Badge key={tag} marginLeft={1}>#{tag}</Badge>
                    ))}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
          {data && data.results.length === 0 && (
            <Box padding={6}>
              <Typography textColor="neutral600">{tr('history.none', 'No chat matches.')}</Typography>
            </Box>
          )}
          {data && data.pagination.pageCount > 1 && (
            <Flex gap={2} paddingTop={4} justifyContent="flex-end">
              <Button variant="tertiary" disabled={page <= 1} onClick={() => setPage(page - 1)}>{tr('history.previous', 'Previous')}</Button>
              <Typography>{tr('history.page', 'Page {page} of {count}', { page, count: data.pagination.pageCount })}</Typography>
              <Button variant="tertiary" disabled={page >= data.pagination.pageCount} onClick={() => setPage(page + 1)}>{tr('history.next', 'Next')}</Button>
            </Flex>
          )}
        </Box>
      </Layouts.Content>
    </Page.Main>
  );
};

/** A date picked as "to" includes that whole day. */
function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export default HistoryPage;
