import * as React from 'react';
import { Badge, Box, Flex, Typography } from '@strapi/design-system';
import { BackButton, Layouts, Page, useFetchClient } from '@strapi/strapi/admin';
import { useParams } from 'react-router-dom';
import type { ChatTranscript } from '../../../shared/contract';
import { MessageList } from '../components/MessageList';
import { backendURL, errorMessage } from '../utils/backend';
import { useT } from '../utils/useT';

/** One chat as it happened: details, every message and note, the files (signed links). */
const TranscriptPage = () => {
  const { tr, dateTime } = useT();
  const { id } = useParams();
  const { get } = useFetchClient();
  const [data, setData] = React.useState<ChatTranscript.Response | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    get<ChatTranscript.Response>(`/live-chat/history/${id}`)
      .then(({ data }) => setData(data))
      .catch((e) => setError(errorMessage(e)));
  }, [get, id]);
  if (error) return <Page.Error />;
  if (!data) return <Page.Loading />;
  const c = data.chat;
  const line = (label: string, value: React.ReactNode) => (
    <Box paddingBottom={2}>
      <Typography variant="sigma" textColor="neutral600" tag="p">{label}</Typography>
      <Typography tag="p" style={{ wordBreak: 'break-word' }}>{value ?? '—'}</Typography>
    </Box>
  );
  return (
    <Page.Main>
      <Page.Title>{tr('transcript.title', 'Chat #{id}', { id: c.id })}</Page.Title>
      <Layouts.Header navigationAction={<BackButton fallback="/plugins/live-chat/history" />} title={tr('transcript.title', 'Chat #{id}', { id: c.id })} subtitle={`${c.visitorName} · ${c.departmentName} · ${dateTime(c.queuedAt)}`} />
      <Layouts.Content>
        <Flex gap={4} alignItems="flex-start">
          <Box flex="1" minWidth={0} padding={4} background="neutral100" hasRadius data-testid="transcript">
            <Box paddingBottom={2}>
              <Typography variant="pi" textColor="neutral600">{tr('console.question', 'Question')}: {c.question}</Typography>
            </Box>
            <MessageList messages={data.messages} fileHref={(m) => (m.attachment?.url ? `${backendURL()}${m.attachment.url}` : undefined)} />
          </Box>
          <Box width="300px" padding={4} background="neutral0" hasRadius shadow="tableShadow">
            <Flex gap={2} paddingBottom={3} wrap="wrap">
              <Badge>{tr(`status.${c.status}`, c.status)}</Badge>
              {c.tags.map((tag) => <Badge key={tag}>#{tag}</Badge>)}
            </Flex>
            {line(tr('console.name', 'Name'), c.visitorName)}
            {line(tr('console.email', 'E-mail'), c.visitorEmail)}
            {line(tr('history.agent', 'Agent'), c.agentName)}
            {line(tr('transcript.accepted', 'Accepted'), c.acceptedAt && dateTime(c.acceptedAt))}
            {line(tr('transcript.closed', 'Ended'), c.closedAt && `${dateTime(c.closedAt)} (${c.closedBy ?? '—'}: ${c.closeReason ?? '—'})`)}
            {line(tr('transcript.rating', 'Rating'), c.rating ? `${'★'.repeat(c.rating)}${c.ratingComment ? ` — ${c.ratingComment}` : ''}` : null)}
            {line(tr('console.page', 'Page'), c.pageUrl)}
            {line(tr('console.browser', 'Browser'), c.userAgent)}
            {line(tr('console.language', 'Language'), c.locale)}
          </Box>
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

export default TranscriptPage;
