import * as React from 'react';
import { Box, Button, Flex, Typography } from '@strapi/design-system';
import { Paperclip } from '@strapi/icons';
import type { MessageDto } from '../../../shared/contract';
import type { PendingSend } from '../store/console-store';
import { formatBytes } from '../utils/backend';
import { useT } from '../utils/useT';
import { LinkedText } from './LinkedText';

interface Props {
  messages: MessageDto[];
  pending?: PendingSend[];
  onOpenFile?: (attachmentId: number) => void;
  onRetry?: (clientId: string) => void;
  /** transcripts: files already carry a signed URL */
  fileHref?: (m: MessageDto) => string | undefined;
}

function Bubble({ m, children, time }: { m: Pick<MessageDto, 'sender' | 'visibility' | 'senderName' | 'kind'>; children: React.ReactNode; time: string }) {
  const { tr } = useT();
  const mine = m.sender === 'agent';
  const note = m.visibility === 'agents';
  if (m.kind === 'event' || m.sender === 'system') {
    return (
      <Flex justifyContent="center" paddingTop={1} paddingBottom={1}>
        <Typography variant="pi" textColor="neutral600">
          {children} · {time}
        </Typography>
      </Flex>
    );
  }
  return (
    <Flex justifyContent={mine ? 'flex-end' : 'flex-start'} paddingTop={1} paddingBottom={1}>
      <Box
        maxWidth="75%"
        padding={3}
        hasRadius
        background={note ? 'warning100' : mine ? 'primary100' : 'neutral0'}
        borderColor={note ? 'warning200' : mine ? 'primary200' : 'neutral200'}
        borderStyle="solid"
        borderWidth="1px"
        data-testid={note ? 'note' : 'message'}
      >
        <Flex gap={2} paddingBottom={1}>
          <Typography variant="pi" fontWeight="bold">
            {m.senderName ?? (mine ? tr('console.you', 'You') : tr('console.visitor', 'Visitor'))}
          </Typography>
          {note && (
            <Typography variant="pi" textColor="warning700">
              {tr('console.note', 'Private note')}
            </Typography>
          )}
          <Typography variant="pi" textColor="neutral600">
            {time}
          </Typography>
        </Flex>
        <Typography variant="omega">{children}</Typography>
      </Box>
    </Flex>
  );
}

export function MessageList({ messages, pending = [], onOpenFile, onRetry, fileHref }: Props) {
  const { tr, time } = useT();
  const end = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, pending.length]);
  return (
    <Box>
      {messages.map((m) => (
        <Bubble key={m.id} m={m} time={time(m.createdAt)}>
          {m.kind === 'file' && m.attachment ? (
            fileHref?.(m) ? (
              <a href={fileHref(m)} target="_blank" rel="noopener noreferrer">
                <Paperclip width="1.2rem" height="1.2rem" aria-hidden /> {m.attachment.name} ({formatBytes(m.attachment.size)})
              </a>
            ) : (
              <Button variant="tertiary" size="S" startIcon={<Paperclip />} onClick={() => onOpenFile?.(m.attachment!.id)}>
                {m.attachment.name} ({formatBytes(m.attachment.size)})
              </Button>
            )
          ) : (
            <LinkedText text={m.body} />
          )}
        </Bubble>
      ))}
      {pending.map((p) => (
        <Bubble key={p.clientId} m={{ sender: 'agent', visibility: p.visibility, senderName: null, kind: 'text' }} time={time(p.createdAt)}>
          <LinkedText text={p.body} />
          <Box paddingTop={1}>
            {p.status === 'sending' ? (
              <Typography variant="pi" textColor="neutral500">
                {tr('console.sending', 'Sending…')}
              </Typography>
            ) : (
              <Flex gap={2}>
                <Typography variant="pi" textColor="danger600">
                  {tr('console.notSent', 'Not sent')}: {p.error?.message}
                </Typography>
                <Button size="S" variant="secondary" onClick={() => onRetry?.(p.clientId)}>
                  {tr('console.retry', 'Retry')}
                </Button>
              </Flex>
            )}
          </Box>
        </Bubble>
      ))}
      <div ref={end} />
    </Box>
  );
}
