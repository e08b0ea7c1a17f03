import * as React from 'react';
import { Alert, Badge, Box, Button, Field, Flex, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { PRESENCES, type Presence } from '../../../shared/contract';
import { ConversationPane } from '../components/Conversation';
import { PluginNav } from '../components/PluginNav';
import { Queue } from '../components/Queue';
import { useAlerts } from '../hooks/useAlerts';
import { useConsole } from '../hooks/useConsole';
import { useT } from '../utils/useT';

const ConsolePage = () => {
  const { tr } = useT();
  const api = useConsole();
  const { state } = api;
  const title = tr('console.title', 'Live chat console');
  const onSeen = React.useCallback(() => api.dispatch({ type: 'queue:seen' }), [api.dispatch]);
  const notificationText = React.useCallback((n: number) => tr('console.notification', '{count} new chat(s) waiting', { count: n }), [tr]);
  useAlerts(state, onSeen, title, notificationText);
  const [permission, setPermission] = React.useState(typeof Notification === 'undefined' ? 'denied' : Notification.permission);

  if (state.connection === 'connecting' && state.agentId === null) return <Page.Loading />;
  return (
    <Page.Main>
      <Layouts.Header
        title={title}
        subtitle={state.departments.length ? tr('console.serves', 'You serve: {departments}', { departments: state.departments.map((d) => d.name).join(', ') }) : tr('console.servesNone', 'You serve no department yet: ask an admin.')}
        primaryAction={
          <Flex gap={3} alignItems="flex-end">
            {permission === 'default' && (
              <Button variant="tertiary" onClick={() => void Notification.requestPermission().then(setPermission)}>
                {tr('console.enableNotifications', 'Enable notifications')}
              </Button>
            )}
            <Box minWidth="180px">
              <Field.Root name="presence">
                <Field.Label>{tr('console.presence', 'Presence')}</Field.Label>
                <SingleSelect value={state.presence} onChange={(v) => void api.setPresence(v as Presence)} aria-label={tr('console.presence', 'Presence')} data-testid="presence">
                  {PRESENCES.map((p) => (
                    <SingleSelectOption key={p} value={p}>
                      {tr(`presence.${p}`, p)}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Box>
          </Flex>
        }
      />
      <PluginNav />
      <Layouts.Content>
        {state.connection !== 'connected' && (
          <Box paddingBottom={4}>
            <Alert variant="warning" title={tr('console.reconnecting', 'Reconnecting…')} closeLabel={tr('common.dismiss', 'Dismiss')}>
              {state.connection === 'unauthorized' ? tr('console.sessionRenew', 'Renewing your session.') : tr('console.reconnectingText', 'Messages are kept and sent once the connection is back.')}
            </Alert>
          </Box>
        )}
        {state.notices.map((n) => (
          <Box paddingBottom={4} key={n.id}>
            <Alert variant={n.kind === 'danger' ? 'danger' : n.kind === 'warning' ? 'warning' : 'default'} closeLabel={tr('common.dismiss', 'Dismiss')} onClose={() => api.dispatch({ type: 'notice:dismiss', id: n.id })} title="" role="alert">
              {n.code === 'console.notice.alreadyTaken'
                ? tr('console.notice.alreadyTaken', 'Another agent accepted chat #{chatId} first.', n.values as Record<string, number>)
                : n.code === 'console.notice.fileUnavailable'
                  ? tr('console.notice.fileUnavailable', 'This file cannot be opened now.')
                  : String(n.values?.message ?? '')}
            </Alert>
          </Box>
        ))}
        <Flex gap={4} alignItems="flex-start">
          <Box width="320px" padding={4} background="neutral100" hasRadius>
            <Flex gap={2} paddingBottom={3}>
              <Typography variant="sigma">{tr('console.youAre', 'You are')}</Typography>
              <Badge active={state.presence === 'online'} data-testid="presence-badge">
                {tr(`presence.${state.presence}`, state.presence)}
              </Badge>
            </Flex>
            <Queue state={state} onAccept={(id) => void api.accept(id)} />
          </Box>
          <Box flex="1" minWidth={0}>
            <ConversationPane state={state} api={api} />
          </Box>
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

export default ConsolePage;
