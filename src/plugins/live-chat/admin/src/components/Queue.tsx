import * as React from 'react';
import { Badge, Box, Button, Flex, Typography } from '@strapi/design-system';
import { Clock } from '@strapi/icons';
import { formatWait, sortedQueue, waitedSeconds, type ConsoleState } from '../store/console-store';
import { useT } from '../utils/useT';

/** One clock for the whole queue: every wait ticks together, once a second. */
function useNow(ms = 1000) {
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function Queue({ state, onAccept }: { state: ConsoleState; onAccept: (chatId: number) => void }) {
  const { tr } = useT();
  const now = useNow();
  const queue = sortedQueue(state);
  const canAccept = state.presence === 'online' && state.connection === 'connected';
  return (
    <Box aria-label={tr('console.queue', 'Queue')} tag="section">
      <Flex justifyContent="space-between" paddingBottom={2}>
        <Typography variant="delta" tag="h2">
          {tr('console.queue', 'Queue')}
        </Typography>
        <Badge active={queue.length > 0}>{queue.length}</Badge>
      </Flex>
      {queue.length === 0 && (
        <Typography variant="pi" textColor="neutral600">
          {tr('console.queue.empty', 'Nobody is waiting.')}
        </Typography>
      )}
      <Flex direction="column" alignItems="stretch" gap={2}>
        {queue.map((q) => (
          <Box key={q.chatId} padding={3} hasRadius background="neutral0" shadow="tableShadow" data-testid="queue-item" data-chat-id={q.chatId}>
            <Flex justifyContent="space-between" alignItems="flex-start" gap={2}>
              <Box>
                <Typography variant="omega" fontWeight="bold">
                  {q.visitorName}
                </Typography>
                <Typography variant="pi" textColor="neutral600" tag="p">
                  {q.visitorEmail}
                </Typography>
              </Box>
              <Flex gap={1} title={tr('console.waited', 'Waiting time')}>
                <Clock width="1.2rem" height="1.2rem" fill="warning700" aria-hidden />
                <Typography variant="pi" textColor="warning700" fontWeight="bold" data-testid="wait">
                  {formatWait(waitedSeconds(q.queuedAt, now))}
                </Typography>
              </Flex>
            </Flex>
            <Box paddingTop={2} paddingBottom={2}>
              <Typography variant="omega" ellipsis>
                {q.question}
              </Typography>
            </Box>
            <Flex justifyContent="space-between">
              <Badge>{q.departmentName}</Badge>
              <Button size="S" onClick={() => onAccept(q.chatId)} loading={state.accepting.includes(q.chatId)} disabled={!canAccept}>
                {tr('console.accept', 'Accept')}
              </Button>
            </Flex>
          </Box>
        ))}
      </Flex>
      {!canAccept && queue.length > 0 && (
        <Box paddingTop={2}>
          <Typography variant="pi" textColor="neutral600">
            {tr('console.queue.goOnline', 'Go online to accept chats.')}
          </Typography>
        </Box>
      )}
    </Box>
  );
}
