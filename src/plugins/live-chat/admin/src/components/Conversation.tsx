import * as React from 'react';
import { Badge, Box, Button, Checkbox, Field, Flex, Modal, ProgressBar, SingleSelect, SingleSelectOption, TextInput, Textarea, Typography } from '@strapi/design-system';
import { useFetchClient } from '@strapi/strapi/admin';
import type { Directory, EarlierChats, HistoryItem } from '../../../shared/contract';
import { LIMITS } from '../../../shared/contract';
import { cannedMatches, pendingFor, type Conversation as ConversationState, type ConsoleState } from '../store/console-store';
import type { ConsoleApi } from '../hooks/useConsole';
import { formatBytes } from '../utils/backend';
import { useT } from '../utils/useT';
import { MessageList } from './MessageList';

const CLOSE_REASONS = ['resolved', 'agent_closed'] as const;

function VisitorDetails({ c }: { c: ConversationState }) {
  const { tr, dateTime } = useT();
  const { get } = useFetchClient();
  const [earlier, setEarlier] = React.useState<HistoryItem[] | null>(null);
  React.useEffect(() => {
    let live = true;
    get<EarlierChats.Response>(`/live-chat/chats/${c.chat.id}/earlier`)
      .then(({ data }) => live && setEarlier(data.results))
      .catch(() => live && setEarlier([]));
    return () => {
      live = false;
    };
  }, [c.chat.id, get]);
  const row = (label: string, value: React.ReactNode) => (
    <Box paddingBottom={2}>
      <Typography variant="sigma" textColor="neutral600" tag="p">
        {label}
      </Typography>
      <Typography variant="omega" tag="p" style={{ wordBreak: 'break-word' }}>
        {value ?? '—'}
      </Typography>
    </Box>
  );
  return (
    <Box tag="aside" aria-label={tr('console.visitorDetails', 'Visitor')}>
      <Typography variant="delta" tag="h2">
        {tr('console.visitorDetails', 'Visitor')}
      </Typography>
      <Box paddingTop={2}>
        {row(tr('console.name', 'Name'), c.chat.visitorName)}
        {row(tr('console.email', 'E-mail'), c.chat.visitorEmail)}
        {row(tr('console.department', 'Department'), c.chat.departmentName)}
        {row(tr('console.question', 'Question'), c.chat.question)}
        {row(tr('console.page', 'Page'), c.chat.pageUrl)}
        {row(tr('console.browser', 'Browser'), c.chat.userAgent)}
        {row(tr('console.language', 'Language'), c.chat.locale)}
        {row(tr('console.connection', 'Connection'), c.visitorConnected ? tr('console.visitorOnline', 'Connected') : tr('console.visitorAway', 'Disconnected'))}
      </Box>
      <Typography variant="sigma" textColor="neutral600" tag="h3">
        {tr('console.earlier', 'Earlier chats')}
      </Typography>
      {earlier === null ? null : earlier.length === 0 ? (
        <Typography variant="pi" textColor="neutral600">
          {tr('console.earlier.none', 'None')}
        </Typography>
      ) : (
        <Box tag="ul" data-testid="earlier-chats">
          {earlier.map((e) => (
            <Box tag="li" key={e.id} paddingTop={1}>
              <Typography variant="pi">
                {dateTime(e.queuedAt)} · {e.departmentName} · {e.status}
              </Typography>
              <Typography variant="pi" textColor="neutral600" tag="p" ellipsis>
                {e.question}
              </Typography>
            </Box>
          ))}
        </Box>
      )}
    </Box>
  );
}

function CloseDialog({ open, onOpenChange, onClose }: { open: boolean; onOpenChange: (o: boolean) => void; onClose: (reason: string, tags: string[]) => Promise<string | null> }) {
  const { tr } = useT();
  const [reason, setReason] = React.useState<string>('resolved');
  const [tags, setTags] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const tagList = tags
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const invalid = tagList.length > LIMITS.tags || tagList.some((s) => s.length > LIMITS.tagLength);
  return (
    <Modal.Root open={open} onOpenChange={onOpenChange}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{tr('console.close.title', 'Close the chat')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Field.Root name="reason">
              <Field.Label>{tr('console.close.reason', 'Reason')}</Field.Label>
              <SingleSelect value={reason} onChange={(v) => setReason(String(v))}>
                {CLOSE_REASONS.map((r) => (
                  <SingleSelectOption key={r} value={r}>
                    {tr(`reason.${r}`, r)}
                  </SingleSelectOption>
                ))}
              </SingleSelect>
            </Field.Root>
            <Field.Root name="tags" hint={tr('console.close.tagsHint', 'Separated by commas (at most 10, 40 characters each)')} error={invalid ? tr('console.close.tagsInvalid', 'Too many or too long tags') : undefined}>
              <Field.Label>{tr('console.close.tags', 'Tags')}</Field.Label>
              <TextInput value={tags} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTags(e.target.value)} />
              <Field.Hint />
              <Field.Error />
            </Field.Root>
            {error && (
              <Typography textColor="danger600" role="alert">
                {error}
              </Typography>
            )}
          </Flex>
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">{tr('common.cancel', 'Cancel')}</Button>
          </Modal.Close>
          <Button
            variant="danger"
            loading={busy}
            disabled={invalid}
            onClick={async () => {
              setBusy(true);
              const problem = await onClose(reason, tagList);
              setBusy(false);
              if (problem) setError(problem);
              else onOpenChange(false);
            }}
          >
            {tr('console.close.confirm', 'Close chat')}
          </Button>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
}

function TransferDialog({ open, onOpenChange, chatId, departmentId, api }: { open: boolean; onOpenChange: (o: boolean) => void; chatId: number; departmentId: number; api: ConsoleApi }) {
  const { tr } = useT();
  const { get } = useFetchClient();
  const [dir, setDir] = React.useState<Directory.Response | null>(null);
  const [target, setTarget] = React.useState<string>('');
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (!open) return;
    setError(null);
    get<Directory.Response>('/live-chat/directory')
      .then(({ data }) => setDir(data))
      .catch(() => setError(tr('console.transfer.loadFailed', 'Could not load departments and agents')));
  }, [open, get]);
  const me = api.state.agentId;
  return (
    <Modal.Root open={open} onOpenChange={onOpenChange}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{tr('console.transfer.title', 'Transfer the chat')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Field.Root name="target" hint={tr('console.transfer.hint', 'A department puts the chat at the head of its queue; an agent gets it directly (must be online).')}>
            <Field.Label>{tr('console.transfer.to', 'Transfer to')}</Field.Label>
            <SingleSelect value={target} onChange={(v) => setTarget(String(v))} placeholder={tr('console.transfer.choose', 'Choose…')}>
              {(dir?.departments ?? [])
                .filter((d) => d.id !== departmentId)
                .map((d) => (
                  <SingleSelectOption key={`d${d.id}`} value={`d${d.id}`}>
                    {tr('console.transfer.department', 'Department: {name}', { name: d.name })}
                  </SingleSelectOption>
                ))}
              {(dir?.agents ?? [])
                .filter((a) => a.id !== me && a.departmentIds.includes(departmentId))
                .map((a) => (
                  <SingleSelectOption key={`a${a.id}`} value={`a${a.id}`} disabled={a.presence !== 'online'}>
                    {tr('console.transfer.agent', 'Agent: {name} ({presence})', { name: a.name, presence: tr(`presence.${a.presence}`, a.presence) })}
                  </SingleSelectOption>
                ))}
            </SingleSelect>
            <Field.Hint />
          </Field.Root>
          {error && (
            <Box paddingTop={2}>
              <Typography textColor="danger600" role="alert">
                {error}
              </Typography>
            </Box>
          )}
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">{tr('common.cancel', 'Cancel')}</Button>
          </Modal.Close>
          <Button
            disabled={!target}
            onClick={async () => {
              const id = Number(target.slice(1));
              const problem = await api.transfer(chatId, target.startsWith('d') ? { departmentId: id } : { agentId: id });
              if (problem) setError(problem.message);
              else onOpenChange(false);
            }}
          >
            {tr('console.transfer.confirm', 'Transfer')}
          </Button>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
}

function Composer({ c, api }: { c: ConversationState; api: ConsoleApi }) {
  const { tr } = useT();
  const [text, setText] = React.useState('');
  const [note, setNote] = React.useState(false);
  const fileInput = React.useRef<HTMLInputElement>(null);
  const typingTimer = React.useRef<ReturnType<typeof setTimeout> | null>(null);
  const isTyping = React.useRef(false);
  const chatId = c.chat.id;
  const matches = cannedMatches(text, api.state.canned, c.chat.departmentId);

  const stopTyping = React.useCallback(() => {
    if (isTyping.current) api.typing(chatId, false);
    isTyping.current = false;
  }, [api, chatId]);
  React.useEffect(() => stopTyping, [stopTyping]);

  const onChange = (value: string) => {
    setText(value);
    if (note) return; // notes are not typing the visitor should see
    if (!isTyping.current && value) {
      isTyping.current = true;
      api.typing(chatId, true);
    }
    if (typingTimer.current) clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(stopTyping, 2500);
  };
  const submit = () => {
    const body = text.trim();
    if (!body || body.length > LIMITS.messageBody) return;
    api.send(chatId, body, note ? 'agents' : 'public');
    setText('');
    stopTyping();
  };
  const uploads = api.state.uploads.filter((u) => u.chatId === chatId);
  return (
    <Box paddingTop={2}>
      {matches.length > 0 && (
        <Box padding={2} background="neutral100" hasRadius role="listbox" aria-label={tr('console.canned', 'Canned responses')}>
          {matches.map((m) => (
            <Box key={m.id} padding={1}>
              <Button variant="ghost" size="S" role="option" onClick={() => setText(m.body)}>
                /{m.shortcut} — {m.title}
              </Button>
            </Box>
          ))}
        </Box>
      )}
      {uploads.map((u) => (
        <Box key={u.id} paddingBottom={2} data-testid="upload">
          <Typography variant="pi">
            {u.name} {u.status === 'failed' ? `— ${u.error}` : `${Math.round((u.loaded / Math.max(1, u.total)) * 100)}%`}
          </Typography>
          {u.status === 'uploading' ? (
            <ProgressBar value={(u.loaded / Math.max(1, u.total)) * 100} size="S" />
          ) : (
            <Button size="S" variant="tertiary" onClick={() => api.dispatch({ type: 'upload:dismiss', id: u.id })}>
              {tr('common.dismiss', 'Dismiss')}
            </Button>
          )}
        </Box>
      ))}
      <Field.Root name="message" hint={tr('console.composer.hint', 'Enter sends, Shift+Enter breaks the line, "/" inserts a canned response')}>
        <Field.Label>{note ? tr('console.composer.noteLabel', 'Private note (only agents see it)') : tr('console.composer.label', 'Message')}</Field.Label>
        <Textarea
          value={text}
          maxLength={LIMITS.messageBody}
          onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => onChange(e.target.value)}
          onKeyDown={(e: React.KeyboardEvent<HTMLTextAreaElement>) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              // "/sho" + Enter inserts the first matching canned response; Enter again sends it
              if (matches.length > 0) setText(matches[0].body);
              else submit();
            }
          }}
        />
        <Field.Hint />
      </Field.Root>
      <Flex justifyContent="space-between" paddingTop={2} gap={2}>
        <Flex gap={2}>
          <Checkbox checked={note} onCheckedChange={(v: boolean | 'indeterminate') => setNote(v === true)}>
            {tr('console.composer.note', 'Private note')}
          </Checkbox>
          <input
            ref={fileInput}
            type="file"
            hidden
            data-testid="attach-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f)
                api.upload(chatId, f, (r) =>
                  r.code === 'type'
                    ? tr('console.upload.type', 'Files of this type are not accepted. Allowed: {extensions}', { extensions: r.extensions ?? '' })
                    : r.code === 'size'
                      ? tr('console.upload.size', 'Files are limited to {max}', { max: formatBytes(r.maxBytes ?? 0) })
                      : tr('console.upload.empty', 'The file is empty')
                );
              e.target.value = '';
            }}
          />
          <Button variant="secondary" size="S" onClick={() => fileInput.current?.click()}>
            {tr('console.attach', 'Attach file')}
          </Button>
        </Flex>
        <Button onClick={submit} disabled={!text.trim()}>
          {note ? tr('console.addNote', 'Add note') : tr('console.send', 'Send')}
        </Button>
      </Flex>
    </Box>
  );
}

export function ConversationPane({ state, api }: { state: ConsoleState; api: ConsoleApi }) {
  const { tr } = useT();
  const [closing, setClosing] = React.useState(false);
  const [transferring, setTransferring] = React.useState(false);
  const c = state.selected !== null ? state.conversations[state.selected] : undefined;
  return (
    <Box tag="section" aria-label={tr('console.conversations', 'Conversations')}>
      <Flex gap={2} wrap="wrap" paddingBottom={3} role="tablist">
        {state.order.map((id) => {
          const conv = state.conversations[id];
          return (
            <Button
              key={id}
              role="tab"
              aria-selected={state.selected === id}
              variant={state.selected === id ? 'default' : 'tertiary'}
              size="S"
              onClick={() => api.dispatch({ type: 'select', chatId: id })}
              endIcon={conv.unread > 0 ? <Badge active data-testid="unread">{conv.unread}</Badge> : undefined}
            >
              {conv.chat.visitorName}
              {conv.ended ? ' ✓' : ''}
            </Button>
          );
        })}
      </Flex>
      {!c ? (
        <Box padding={8} background="neutral0" hasRadius>
          <Typography textColor="neutral600">{tr('console.noConversation', 'Accept a chat from the queue to start.')}</Typography>
        </Box>
      ) : (
        <Flex gap={4} alignItems="flex-start">
          <Box flex="1" minWidth={0} padding={4} background="neutral0" hasRadius shadow="tableShadow">
            <Flex justifyContent="space-between" paddingBottom={2} gap={2}>
              <Box>
                <Typography variant="delta" tag="h2">
                  {c.chat.visitorName}
                </Typography>
                <Typography variant="pi" textColor="neutral600" tag="p">
                  {c.chat.departmentName} · #{c.chat.id}
                </Typography>
              </Box>
              {c.ended ? (
                <Button variant="tertiary" size="S" onClick={() => api.dispatch({ type: 'dismiss', chatId: c.chat.id })}>
                  {tr('console.dismiss', 'Remove from the list')}
                </Button>
              ) : (
                <Flex gap={2}>
                  <Button variant="secondary" size="S" onClick={() => setTransferring(true)}>
                    {tr('console.transfer', 'Transfer')}
                  </Button>
                  <Button variant="danger-light" size="S" onClick={() => setClosing(true)}>
                    {tr('console.close', 'Close')}
                  </Button>
                </Flex>
              )}
            </Flex>
            <Box padding={2} background="neutral100" hasRadius style={{ height: '46vh', overflowY: 'auto' }} data-testid="messages">
              <Box paddingBottom={2}>
                <Typography variant="pi" textColor="neutral600">
                  {tr('console.question', 'Question')}: {c.chat.question}
                </Typography>
              </Box>
              <MessageList messages={c.messages} pending={pendingFor(state, c.chat.id)} onOpenFile={(id) => api.openFile(c.chat.id, id)} onRetry={api.retry} />
              {c.visitorTyping && (
                <Typography variant="pi" textColor="neutral600" data-testid="typing">
                  {tr('console.typing', '{name} is typing…', { name: c.chat.visitorName })}
                </Typography>
              )}
            </Box>
            {c.ended ? (
              <Box paddingTop={3}>
                <Typography textColor="neutral700" role="status">
                  {tr('console.ended', 'This chat is over ({reason}).', { reason: tr(`reason.${c.ended.reason}`, c.ended.reason) })}
                </Typography>
              </Box>
            ) : (
              <Composer key={c.chat.id} c={c} api={api} />
            )}
          </Box>
          <Box width="280px" padding={4} background="neutral0" hasRadius shadow="tableShadow">
            <VisitorDetails c={c} />
          </Box>
          <CloseDialog open={closing} onOpenChange={setClosing} onClose={async (reason, tags) => (await api.close(c.chat.id, reason, tags))?.message ?? null} />
          <TransferDialog open={transferring} onOpenChange={setTransferring} chatId={c.chat.id} departmentId={c.chat.departmentId} api={api} />
        </Flex>
      )}
    </Box>
  );
}
