import type { AgentChatView, MessageDto, QueueItem } from '../../../src/plugins/live-chat/shared/contract';
import {
  cannedMatches,
  consoleReducer,
  formatWait,
  initialState,
  mergeMessages,
  sendsToResume,
  sortedQueue,
  syncRequests,
  tabTitle,
  totalUnread,
  uploadRefusal,
  waitedSeconds,
  type ConsoleAction,
  type ConsoleState,
} from '../../../src/plugins/live-chat/admin/src/store/console-store';

const T0 = '2024-05-01T12:00:00.000Z';

const queueItem = (chatId: number, over: Partial<QueueItem> = {}): QueueItem => ({
  chatId,
  departmentId: 1,
  departmentName: 'Suporte',
  visitorName: `Visitante ${chatId}`,
  visitorEmail: `v${chatId}@example.com`,
  question: 'Ajuda',
  queuedAt: T0,
  position: 1,
  ...over,
});

const chat = (id: number, over: Partial<AgentChatView> = {}): AgentChatView => ({
  id,
  status: 'active',
  departmentId: 1,
  departmentName: 'Suporte',
  visitorName: `Visitante ${id}`,
  question: 'Ajuda',
  agentName: 'Ana',
  queuedAt: T0,
  acceptedAt: T0,
  closedAt: null,
  closedBy: null,
  closeReason: null,
  lastSeq: 0,
  visitorEmail: `v${id}@example.com`,
  agentId: 7,
  pageUrl: null,
  userAgent: null,
  locale: 'pt-BR',
  tags: [],
  ...over,
});

const msg = (chatId: number, seq: number, over: Partial<MessageDto> = {}): MessageDto => ({
  id: chatId * 1000 + seq,
  chatId,
  seq,
  clientId: null,
  sender: 'visitor',
  senderName: 'Visitante',
  kind: 'text',
  visibility: 'public',
  body: `mensagem ${seq}`,
  createdAt: T0,
  ...over,
});

const run = (actions: ConsoleAction[], from: ConsoleState = initialState) => actions.reduce(consoleReducer, from);

const connected = (queue: QueueItem[] = [], chats: AgentChatView[] = []) =>
  run([{ type: 'agent:state', payload: { agentId: 7, name: 'Ana', presence: 'online', departments: [{ id: 1, name: 'Suporte' }], chats, queue } }]);

describe('queue', () => {
  test('agent:state replaces the queue; queue:added appends and counts as new; a duplicate is not new', () => {
    let s = connected([queueItem(1)]);
    expect(s.connection).toBe('connected');
    expect(s.queue.map((q) => q.chatId)).toEqual([1]);
    s = run([{ type: 'queue:added', payload: queueItem(2) }, { type: 'queue:added', payload: queueItem(2) }], s);
    expect(s.queue.map((q) => q.chatId)).toEqual([1, 2]);
    expect(s.newInQueue).toBe(1);
    expect(tabTitle('Console', s)).toBe('(1) Console');
    s = consoleReducer(s, { type: 'queue:seen' });
    expect(tabTitle('Console', s)).toBe('Console');
  });

  test('a chat taken by someone else disappears at once; if this agent was accepting it, it is told', () => {
    let s = connected([queueItem(1), queueItem(2)]);
    s = run([{ type: 'accept:started', chatId: 1 }, { type: 'queue:removed', payload: { chatId: 1, reason: 'accepted', agentId: 99 } }], s);
    expect(s.queue.map((q) => q.chatId)).toEqual([2]);
    expect(s.accepting).toEqual([]);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({ kind: 'warning', code: 'console.notice.alreadyTaken', values: { chatId: 1 } });
    // removed without this agent trying: no notice
    s = consoleReducer(s, { type: 'queue:removed', payload: { chatId: 2, reason: 'accepted', agentId: 98 } });
    expect(s.queue).toEqual([]);
    expect(s.notices).toHaveLength(1);
  });

  test('an accept that lost the race (already_taken ack) removes the chat and says so', () => {
    let s = connected([queueItem(1)]);
    s = run([{ type: 'accept:started', chatId: 1 }, { type: 'accept:failed', chatId: 1, error: { code: 'already_taken', message: 'Another agent took this chat first' } }], s);
    expect(s.queue).toEqual([]);
    expect(s.notices.map((n) => n.code)).toEqual(['console.notice.alreadyTaken']);
    // another refusal keeps the chat in the queue
    s = run([{ type: 'queue:added', payload: queueItem(3) }, { type: 'accept:failed', chatId: 3, error: { code: 'agent_cap_reached', message: 'limit' } }], s);
    expect(s.queue.map((q) => q.chatId)).toEqual([3]);
    expect(s.notices[1]).toMatchObject({ kind: 'danger', values: { message: 'limit' } });
  });

  test('the broadcast and the refused ack of one lost race make one notice, in either order', () => {
    const lost = { type: 'accept:failed', chatId: 1, error: { code: 'already_taken', message: 'x' } } as const;
    const removed = { type: 'queue:removed', payload: { chatId: 1, reason: 'accepted', agentId: 99 } } as const;
    const start = run([{ type: 'accept:started', chatId: 1 }], connected([queueItem(1)]));
    expect(run([removed, lost], start).notices).toHaveLength(1);
    expect(run([lost, removed], start).notices).toHaveLength(1);
  });

  test('sorted oldest first; the wait ticks from queuedAt and never goes negative', () => {
    const s = connected([queueItem(2, { queuedAt: '2024-05-01T12:00:05Z' }), queueItem(1, { queuedAt: '2024-05-01T12:00:00Z' })]);
    expect(sortedQueue(s).map((q) => q.chatId)).toEqual([1, 2]);
    const now = Date.parse('2024-05-01T12:01:07Z');
    expect(waitedSeconds('2024-05-01T12:00:00Z', now)).toBe(67);
    expect(waitedSeconds('2024-05-01T12:05:00Z', now)).toBe(0);
    expect([7, 67, 750, 3723].map(formatWait)).toEqual(['0:07', '1:07', '12:30', '1:02:03']);
  });

  test('queue:changed replaces one department only', () => {
    let s = connected([queueItem(1, { departmentId: 1 }), queueItem(2, { departmentId: 2 })]);
    s = consoleReducer(s, { type: 'queue:changed', payload: { departmentId: 1, queue: [queueItem(3, { departmentId: 1 })] } });
    expect(s.queue.map((q) => q.chatId).sort()).toEqual([2, 3]);
  });
});

describe('conversations', () => {
  test('accepting opens a conversation with its messages, removes it from the queue and selects it', () => {
    let s = connected([queueItem(1)]);
    s = consoleReducer(s, { type: 'chat:assigned', payload: { chat: chat(1), messages: [msg(1, 1)] } });
    expect(s.queue).toEqual([]);
    expect(s.selected).toBe(1);
    expect(s.conversations[1].messages.map((m) => m.seq)).toEqual([1]);
  });

  test('several at once: messages to the others count as unread until selected; own messages never do', () => {
    let s = connected([], [chat(1), chat(2)]);
    expect(s.selected).toBe(1);
    s = run(
      [
        { type: 'message:created', payload: msg(2, 1) },
        { type: 'message:created', payload: msg(2, 2) },
        { type: 'message:created', payload: msg(2, 2) }, // the same message twice (two tabs, replay)
        { type: 'message:created', payload: msg(2, 3, { sender: 'agent', senderName: 'Ana' }) },
        { type: 'message:created', payload: msg(1, 1) }, // the open one
      ],
      s
    );
    expect(s.conversations[2].unread).toBe(2);
    expect(s.conversations[1].unread).toBe(0);
    expect(totalUnread(s)).toBe(2);
    expect(tabTitle('Console', s)).toBe('(2) Console');
    s = consoleReducer(s, { type: 'select', chatId: 2 });
    expect(s.conversations[2].unread).toBe(0);
    expect(s.conversations[2].messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  test('typing shows until the visitor sends or stops; closing ends it and keeps it visible until dismissed', () => {
    let s = connected([], [chat(1)]);
    s = consoleReducer(s, { type: 'typing', payload: { chatId: 1, from: 'visitor', name: null, typing: true } });
    expect(s.conversations[1].visitorTyping).toBe(true);
    s = consoleReducer(s, { type: 'message:created', payload: msg(1, 1) });
    expect(s.conversations[1].visitorTyping).toBe(false);
    s = consoleReducer(s, { type: 'chat:closed', payload: { chatId: 1, closedBy: 'visitor', reason: 'visitor_ended', closedAt: T0, status: 'closed' } });
    expect(s.conversations[1].ended).toEqual({ reason: 'visitor_ended', at: T0, by: 'visitor' });
    expect(s.conversations[1].chat.status).toBe('closed');
    s = consoleReducer(s, { type: 'dismiss', chatId: 1 });
    expect(s.conversations[1]).toBeUndefined();
    expect(s.selected).toBeNull();
  });

  test('a reload restores everything: agent:state reopens the active chats; sync asks after the last seq seen', () => {
    let s = connected([], [chat(1), chat(2)]);
    s = run([{ type: 'message:created', payload: msg(1, 1) }, { type: 'message:created', payload: msg(1, 2) }, { type: 'connection', status: 'reconnecting' }], s);
    // chat 2 was closed while the console was away
    s = consoleReducer(s, { type: 'agent:state', payload: { agentId: 7, name: 'Ana', presence: 'online', departments: [], chats: [chat(1)], queue: [] } });
    expect(s.connection).toBe('connected');
    expect(s.conversations[1].messages).toHaveLength(2);
    expect(s.conversations[2].ended).not.toBeNull();
    expect(syncRequests(s)).toEqual([{ chatId: 1, afterSeq: 2 }]);
    s = consoleReducer(s, { type: 'messages:synced', chatId: 1, messages: [msg(1, 2), msg(1, 3)] });
    expect(s.conversations[1].messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(s.conversations[1].chat.lastSeq).toBe(3);
  });

  test('a chat assigned (transfer, another tab) takes the view only when nothing live is open', () => {
    let s = connected([], [chat(1)]);
    s = consoleReducer(s, { type: 'chat:assigned', payload: { chat: chat(2), messages: [] } });
    expect(s.selected).toBe(1);
    s = consoleReducer(s, { type: 'chat:closed', payload: { chatId: 1, closedBy: 'agent', reason: 'resolved', closedAt: T0, status: 'closed' } });
    s = consoleReducer(s, { type: 'chat:assigned', payload: { chat: chat(3), messages: [] } });
    expect(s.selected).toBe(3);
  });

  test('requeued or transferred away: the conversation ends', () => {
    let s = connected([], [chat(1)]);
    s = consoleReducer(s, { type: 'chat:requeued', payload: { chatId: 1, reason: 'transferred' } });
    expect(s.conversations[1].ended?.reason).toBe('transferred');
  });
});

describe('sending', () => {
  test('a send is pending until acknowledged; the echo with the same client id does not double it', () => {
    let s = connected([], [chat(1)]);
    s = consoleReducer(s, { type: 'send:queued', pending: { clientId: 'c1', chatId: 1, body: 'Olá', visibility: 'public', createdAt: T0 } });
    expect(s.pending).toHaveLength(1);
    const stored = msg(1, 1, { sender: 'agent', clientId: 'c1', body: 'Olá' });
    s = run([{ type: 'send:acked', clientId: 'c1', message: stored }, { type: 'message:created', payload: stored }], s);
    expect(s.pending).toEqual([]);
    expect(s.conversations[1].messages).toHaveLength(1);
    expect(s.conversations[1].unread).toBe(0);
  });

  test('a failed send can be retried with the same client id, and is resumed after a reconnection', () => {
    let s = connected([], [chat(1)]);
    s = run(
      [
        { type: 'send:queued', pending: { clientId: 'c1', chatId: 1, body: 'Olá', visibility: 'agents', createdAt: T0 } },
        { type: 'send:failed', clientId: 'c1', error: { code: 'internal_error', message: 'timeout' } },
      ],
      s
    );
    expect(s.pending[0]).toMatchObject({ status: 'failed', error: { code: 'internal_error' } });
    expect(sendsToResume(s)).toEqual([]);
    s = consoleReducer(s, { type: 'send:retry', clientId: 'c1' });
    expect(s.pending[0].status).toBe('sending');
    expect(sendsToResume(s).map((p) => p.clientId)).toEqual(['c1']);
    // the message created by another path (sync after reconnection) settles it
    s = consoleReducer(s, { type: 'messages:synced', chatId: 1, messages: [] });
    s = consoleReducer(s, { type: 'message:created', payload: msg(1, 1, { sender: 'agent', clientId: 'c1', visibility: 'agents' }) });
    expect(s.pending).toEqual([]);
  });

  test('uploads report progress, and the stored file message joins the conversation', () => {
    let s = connected([], [chat(1)]);
    s = run(
      [
        { type: 'upload:started', upload: { id: 'u1', chatId: 1, name: 'a.pdf', total: 1000 } },
        { type: 'upload:progress', id: 'u1', loaded: 400, total: 1000 },
      ],
      s
    );
    expect(s.uploads[0]).toMatchObject({ loaded: 400, total: 1000, status: 'uploading' });
    s = consoleReducer(s, { type: 'upload:done', id: 'u1', message: msg(1, 1, { kind: 'file', sender: 'agent', body: 'a.pdf' }) });
    expect(s.uploads).toEqual([]);
    expect(s.conversations[1].messages[0].kind).toBe('file');
    s = run([{ type: 'upload:started', upload: { id: 'u2', chatId: 1, name: 'b.exe', total: 10 } }, { type: 'upload:failed', id: 'u2', error: 'Type not allowed' }], s);
    expect(s.uploads[0]).toMatchObject({ status: 'failed', error: 'Type not allowed' });
  });
});

test('mergeMessages orders by seq and keeps one of each', () => {
  expect(mergeMessages([msg(1, 3), msg(1, 1)], [msg(1, 2), msg(1, 3)]).map((m) => m.seq)).toEqual([1, 2, 3]);
});

test('canned responses: "/" then a prefix of the shortcut, for the chat\'s department or all', () => {
  const canned = [
    { id: 1, title: 'Olá', shortcut: 'ola', body: 'Olá!', departmentId: null },
    { id: 2, title: 'Boleto', shortcut: 'boleto', body: 'Segue o boleto', departmentId: 2 },
    { id: 3, title: 'Obrigado', shortcut: 'obrigado', body: 'Obrigado!', departmentId: 1 },
  ];
  expect(cannedMatches('/o', canned, 1).map((c) => c.shortcut)).toEqual(['obrigado', 'ola']);
  expect(cannedMatches('/ola', canned, 1).map((c) => c.shortcut)).toEqual(['ola']);
  expect(cannedMatches('/b', canned, 1)).toEqual([]);
  expect(cannedMatches('/b', canned, 2).map((c) => c.shortcut)).toEqual(['boleto']);
  expect(cannedMatches('texto /o', canned, 1)).toEqual([]);
  expect(cannedMatches('/', canned, 1)).toHaveLength(2);
});

test('uploads are checked against the visitor\'s rules before they are sent', () => {
  const rules = { maxBytes: 1000, extensions: ['pdf', 'png'] };
  expect(uploadRefusal({ name: 'nota.PDF', size: 999 }, rules)).toBeNull();
  expect(uploadRefusal({ name: 'script.php', size: 10 }, rules)).toEqual({ code: 'type', extensions: 'pdf, png' });
  expect(uploadRefusal({ name: 'sem-extensao', size: 10 }, rules)?.code).toBe('type');
  expect(uploadRefusal({ name: '.png', size: 10 }, rules)?.code).toBe('type');
  expect(uploadRefusal({ name: 'grande.png', size: 1001 }, rules)).toEqual({ code: 'size', maxBytes: 1000 });
  expect(uploadRefusal({ name: 'vazio.pdf', size: 0 }, rules)).toEqual({ code: 'empty' });
  expect(uploadRefusal({ name: 'x.exe', size: 10 }, null)).toBeNull(); // rules unknown: the server decides
});
