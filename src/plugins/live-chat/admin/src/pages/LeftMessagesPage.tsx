import * as React from 'react';
import { Box, Button, Field, Flex, Table, Tbody, Td, Textarea, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Layouts, Page, useFetchClient, useNotification, useRBAC } from '@strapi/strapi/admin';
import { LIMITS, type ChatTranscript, type HistoryItem, type HistorySearch, type ReplyLeftMessage } from '../../../shared/contract';
import { MessageList } from '../components/MessageList';
import { PluginNav } from '../components/PluginNav';
import { errorMessage, PERMISSIONS } from '../utils/backend';
import { useT } from '../utils/useT';

/** Messages left while nobody could answer: read one, answer it by e-mail. */
const LeftMessagesPage = () => {
  const { tr, dateTime } = useT();
  const { get, post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const { allowedActions } = useRBAC({ history: PERMISSIONS.history } as any);
  const [status, setStatus] = React.useState<'left_message' | 'answered'>('left_message');
  const [list, setList] = React.useState<HistoryItem[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [open, setOpen] = React.useState<HistoryItem | null>(null);
  const [thread, setThread] = React.useState<ChatTranscript.Response | null>(null);
  const [reply, setReply] = React.useState('');
  const [sending, setSending] = React.useState(false);

  const load = React.useCallback(async () => {
    try {
      const { data } = await get<HistorySearch.Response>(`/live-chat/left-messages?status=${status}&pageSize=100`);
      setList(data.results);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [get, status]);
  React.useEffect(() => {
    void load();
    const id = setInterval(load, 30000); // new left messages show up without a reload
    return () => clearInterval(id);
  }, [load]);
  React.useEffect(() => {
    setThread(null);
    if (!open || !allowedActions.canHistory) return;
    get<ChatTranscript.Response>(`/live-chat/history/${open.id}`)
      .then(({ data }) => setThread(data))
      .catch(() => setThread(null));
  }, [open, get, allowedActions.canHistory]);

  const send = async () => {
    if (!open) return;
    setSending(true);
    try {
      await post<ReplyLeftMessage.Response>(`/live-chat/chats/${open.id}/reply`, { body: reply.trim() });
      toggleNotification({ type: 'success', message: tr('left.sent', 'Reply sent by e-mail to {email}', { email: open.visitorEmail }) });
      setReply('');
      setOpen(null);
      await load();
    } catch (e) {
      toggleNotification({ type: 'danger', message: errorMessage(e) });
    } finally {
      setSending(false);
    }
  };

  if (list === null && !error) return <Page.Loading />;
  return (
    <Page.Main>
      <Page.Title>{tr('left.title', 'Left messages')}</Page.Title>
      <Layouts.Header title={tr('left.title', 'Left messages')} subtitle={tr('left.subtitle', 'Messages left while nobody was available. Answers go by e-mail, from the department’s address.')} />
      <PluginNav />
      <Layouts.Content>
        <Flex gap={2} paddingBottom={4}>
          <Button variant={status === 'left_message' ? 'default' : 'tertiary'} onClick={() => setStatus('left_message')}>
            {tr('left.unanswered', 'Unanswered')}
          </Button>
          <Button variant={status === 'answered' ? 'default' : 'tertiary'} onClick={() => setStatus('answered')}>
            {tr('left.answered', 'Answered')}
          </Button>
        </Flex>
        {error && <Typography textColor="danger600">{error}</Typography>}
        <Flex gap={4} alignItems="flex-start">
          <Box flex="1" minWidth={0}>
            {list && list.length === 0 ? (
              <Box padding={8} background="neutral0" hasRadius>
                <Typography textColor="neutral600">{tr('left.empty', 'No messages here.')}</Typography>
              </Box>
            ) : (
              <Table colCount={4} rowCount={(list?.length ?? 0) + 1}>
                <Thead>
                  <Tr>
                    <Th><Typography variant="sigma">{tr('console.name', 'Name')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('console.question', 'Question')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('console.department', 'Department')}</Typography></Th>
                    <Th><Typography variant="sigma">{tr('history.date', 'Date')}</Typography></Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {(list ?? []).map((c) => (
                    <Tr key={c.id} onClick={() => setOpen(c)} style={{ cursor: 'pointer', background: open?.id === c.id ? '#f0f0ff' : undefined }} data-testid="left-message">
                      <Td>
                        <Typography fontWeight="bold">{c.visitorName}</Typography>
                        <Typography variant="pi" textColor="neutral600" tag="p">{c.visitorEmail}</Typography>
                      </Td>
                      <Td style={{ maxWidth: 360 }}><Typography ellipsis>{c.question}</Typography></Td>
                      <Td><Typography>{c.departmentName}</Typography></Td>
                      <Td><Typography>{dateTime(c.queuedAt)}</Typography></Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            )}
          </Box>
          {open && (
            <Box width="440px" padding={4} background="neutral0" hasRadius shadow="tableShadow" tag="section" aria-label={tr('left.message', 'Message')}>
              <Typography variant="delta" tag="h2">{open.visitorName}</Typography>
              <Typography variant="pi" textColor="neutral600" tag="p">{open.visitorEmail} · {open.departmentName} · #{open.id}</Typography>
              <Box paddingTop={3} paddingBottom={3}>
                <Typography style={{ whiteSpace: 'pre-wrap' }}>{open.question}</Typography>
              </Box>
              {thread && thread.messages.length > 0 && (
                <Box padding={2} background="neutral100" hasRadius>
                  <MessageList messages={thread.messages} fileHref={(m) => m.attachment?.url && `${(window as any).strapi?.backendURL ?? ''}${m.attachment.url}`} />
                </Box>
              )}
              {open.status === 'left_message' && (
                <Box paddingTop={3}>
                  <Field.Root name="reply" hint={tr('left.replyHint', 'Sent to {email}; replies to it come back to the department’s address.', { email: open.visitorEmail })}>
                    <Field.Label>{tr('left.reply', 'Reply by e-mail')}</Field.Label>
                    <Textarea value={reply} maxLength={LIMITS.messageBody} onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setReply(e.target.value)} />
                    <Field.Hint />
                  </Field.Root>
                  <Flex justifyContent="flex-end" paddingTop={2}>
                    <Button onClick={send} loading={sending} disabled={!reply.trim()}>
                      {tr('left.send', 'Send reply')}
                    </Button>
                  </Flex>
                </Box>
              )}
            </Box>
          )}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

export default LeftMessagesPage;
