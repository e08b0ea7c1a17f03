/**
 * The agent console's state as a pure reducer over the /agent events and the console's own
 * commands: queue, conversations, unread counts, typing, pending sends (client ids, retry),
 * uploads. No React, no socket: the hook feeds it, the unit tests drive it with plain objects.
 */
import type {
  AgentChatView,
  AgentServerToClient,
  AppError,
  CannedResponse,
  EventPayload,
  MessageDto,
  Presence,
  QueueItem,
  Visibility,
} from '../../../shared/contract';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

export interface PendingSend {
  clientId: string;
  chatId: number;
  body: string;
  visibility: Visibility;
  /** local time it was typed (ISO) */
  createdAt: string;
  status: 'sending' | 'failed';
  error?: AppError;
}

export interface Upload {
  id: string;
  chatId: number;
  name: string;
  loaded: number;
  total: number;
  status: 'uploading' | 'failed';
  error?: string;
}

export interface Conversation {
  chat: AgentChatView;
  /** by seq, no duplicates */
  messages: MessageDto[];
  unread: number;
  visitorTyping: boolean;
  visitorConnected: boolean;
  /** the chat is no longer this agent's active chat (closed, requeued, transferred) */
  ended: null | { reason: string; at: string; by: string | null };
}

export interface Notice {
  id: number;
  kind: 'info' | 'warning' | 'danger';
  /** a message id for translations, with values */
  code: string;
  values?: Record<string, string | number>;
}

export interface ConsoleState {
  connection: ConnectionStatus;
  agentId: number | null;
  name: string;
  presence: Presence;
  departments: { id: number; name: string }[];
  queue: QueueItem[];
  /** chatId → conversation, in the order they were opened */
  conversations: Record<number, Conversation>;
  order: number[];
  selected: number | null;
  pending: PendingSend[];
  uploads: Upload[];
  /** chats that started waiting since the agent last looked (sound, tab title) */
  newInQueue: number;
  /** accepts in flight */
  accepting: number[];
  notices: Notice[];
  canned: CannedResponse[];
}

export const initialState: ConsoleState = {
  connection: 'connecting',
  agentId: null,
  name: '',
  presence: 'offline',
  departments: [],
  queue: [],
  conversations: {},
  order: [],
  selected: null,
  pending: [],
  uploads: [],
  newInQueue: 0,
  accepting: [],
  notices: [],
  canned: [],
};

type P<E extends keyof AgentServerToClient> = EventPayload<AgentServerToClient, E>;

export type ConsoleAction =
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'agent:state'; payload: P<'agent:state'> }
  | { type: 'queue:added'; payload: P<'queue:added'> }
  | { type: 'queue:removed'; payload: P<'queue:removed'> }
  | { type: 'queue:changed'; payload: P<'queue:changed'> }
  | { type: 'chat:assigned'; payload: P<'chat:assigned'> }
  | { type: 'chat:requeued'; payload: P<'chat:requeued'> }
  | { type: 'chat:closed'; payload: P<'chat:closed'> }
  | { type: 'message:created'; payload: MessageDto }
  | { type: 'typing'; payload: P<'typing'> }
  | { type: 'visitor:presence'; payload: P<'visitor:presence'> }
  | { type: 'messages:synced'; chatId: number; messages: MessageDto[] }
  | { type: 'presence:changed'; presence: Presence }
  | { type: 'accept:started'; chatId: number }
  | { type: 'accept:failed'; chatId: number; error: AppError }
  | { type: 'select'; chatId: number | null }
  | { type: 'dismiss'; chatId: number }
  | { type: 'queue:seen' }
  | { type: 'send:queued'; pending: Omit<PendingSend, 'status'> }
  | { type: 'send:acked'; clientId: string; message: MessageDto }
  | { type: 'send:failed'; clientId: string; error: AppError }
  | { type: 'send:retry'; clientId: string }
  | { type: 'send:discard'; clientId: string }
  | { type: 'upload:started'; upload: Omit<Upload, 'status' | 'loaded'> }
  | { type: 'upload:progress'; id: string; loaded: number; total: number }
  | { type: 'upload:done'; id: string; message?: MessageDto }
  | { type: 'upload:failed'; id: string; error: string }
  | { type: 'upload:dismiss'; id: string }
  | { type: 'canned:loaded'; canned: CannedResponse[] }
  | { type: 'notice'; notice: Omit<Notice, 'id'> }
  | { type: 'notice:dismiss'; id: number };

let noticeSeq = 0;

/** Messages merged by seq; a message already known (same id) is not added twice. */
export function mergeMessages(current: MessageDto[], incoming: MessageDto[]): MessageDto[] {
  if (incoming.length === 0) return current;
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

const conversationOf = (chat: AgentChatView, messages: MessageDto[] = [], prev?: Conversation): Conversation => ({
  chat,
  messages: mergeMessages(prev?.messages ?? [], messages),
  unread: prev?.unread ?? 0,
  visitorTyping: prev?.visitorTyping ?? false,
  visitorConnected: prev?.visitorConnected ?? true,
  ended: null,
});

const withoutQueued = (queue: QueueItem[], chatId: number) => queue.filter((q) => q.chatId !== chatId);

const addNotice = (state: ConsoleState, notice: Omit<Notice, 'id'>): Notice[] => [...state.notices.slice(-4), { ...notice, id: ++noticeSeq }];

const patchConversation = (state: ConsoleState, chatId: number, patch: (c: Conversation) => Conversation): ConsoleState => {
  const c = state.conversations[chatId];
  if (!c) return state;
  return { ...state, conversations: { ...state.conversations, [chatId]: patch(c) } };
};

const openConversation = (state: ConsoleState, chat: AgentChatView, messages: MessageDto[]): ConsoleState => {
  const prev = state.conversations[chat.id];
  const order = state.order.includes(chat.id) ? state.order : [...state.order, chat.id];
  return {
    ...state,
    queue: withoutQueued(state.queue, chat.id),
    accepting: state.accepting.filter((id) => id !== chat.id),
    conversations: { ...state.conversations, [chat.id]: conversationOf(chat, messages, prev) },
    order,
    // a new chat takes the view when nothing live is open (none selected, or the open one ended)
    selected: state.selected === null || state.conversations[state.selected]?.ended ? chat.id : state.selected,
  };
};

/** Only what the visitor writes counts as unread: the agent's own sends (any tab) do not. */
const isIncoming = (m: MessageDto) => m.sender === 'visitor';

export function consoleReducer(state: ConsoleState, action: ConsoleAction): ConsoleState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.status };

    case 'agent:state': {
      // a (re)connection: the server's view wins; messages already seen are kept, the hook
      // asks for what came after them (syncRequests)
      const p = action.payload;
      let next: ConsoleState = {
        ...state,
        connection: 'connected',
        agentId: p.agentId,
        name: p.name,
        presence: p.presence,
        departments: p.departments,
        queue: p.queue,
        accepting: [],
      };
      const active = new Set(p.chats.map((c) => c.id));
      const conversations: Record<number, Conversation> = {};
      for (const id of state.order) {
        const c = state.conversations[id];
        // a conversation that ended while we were away stays visible, marked as ended
        if (active.has(id)) conversations[id] = c;
        else conversations[id] = c.ended ? c : { ...c, ended: { reason: 'unknown', at: new Date().toISOString(), by: null }, visitorTyping: false };
      }
      next = { ...next, conversations, order: state.order.filter((id) => conversations[id]) };
      for (const chat of p.chats) next = openConversation(next, chat, []);
      if (next.selected !== null && !next.conversations[next.selected]) next = { ...next, selected: next.order[0] ?? null };
      return next;
    }

    case 'queue:added': {
      const q = action.payload;
      if (state.conversations[q.chatId] && !state.conversations[q.chatId].ended) return state;
      const queue = [...withoutQueued(state.queue, q.chatId), q];
      return { ...state, queue, newInQueue: state.newInQueue + (state.queue.some((i) => i.chatId === q.chatId) ? 0 : 1) };
    }

    case 'queue:removed': {
      const { chatId, reason, agentId } = action.payload;
      const had = state.queue.some((q) => q.chatId === chatId);
      let next: ConsoleState = { ...state, queue: withoutQueued(state.queue, chatId), newInQueue: had ? Math.max(0, state.newInQueue - 1) : state.newInQueue };
      // taken by someone else while this agent was accepting it
      if (reason === 'accepted' && agentId !== state.agentId && state.accepting.includes(chatId)) {
        next = { ...next, accepting: next.accepting.filter((id) => id !== chatId), notices: addNotice(next, { kind: 'warning', code: 'console.notice.alreadyTaken', values: { chatId } }) };
      }
      return next;
    }

    case 'queue:changed': {
      const { departmentId, queue } = action.payload;
      return { ...state, queue: [...state.queue.filter((q) => q.departmentId !== departmentId), ...queue] };
    }

    case 'chat:assigned':
      return openConversation(state, action.payload.chat, action.payload.messages);

    case 'chat:requeued':
      return patchConversation(state, action.payload.chatId, (c) => ({
        ...c,
        visitorTyping: false,
        ended: { reason: action.payload.reason, at: new Date().toISOString(), by: null },
      }));

    case 'chat:closed': {
      const p = action.payload;
      return patchConversation(state, p.chatId, (c) => ({
        ...c,
        chat: { ...c.chat, status: p.status, closedAt: p.closedAt, closedBy: p.closedBy, closeReason: p.reason },
        visitorTyping: false,
        ended: { reason: p.reason, at: p.closedAt, by: p.closedBy },
      }));
    }

    case 'message:created': {
      const m = action.payload;
      const c = state.conversations[m.chatId];
      if (!c) return state;
      const known = c.messages.some((x) => x.id === m.id);
      const pending = m.clientId ? state.pending.filter((p) => !(p.chatId === m.chatId && p.clientId === m.clientId)) : state.pending;
      const unread = !known && state.selected !== m.chatId && isIncoming(m) ? c.unread + 1 : c.unread;
      return {
        ...state,
        pending,
        conversations: {
          ...state.conversations,
          [m.chatId]: {
            ...c,
            messages: mergeMessages(c.messages, [m]),
            unread,
            visitorTyping: m.sender === 'visitor' ? false : c.visitorTyping,
            chat: { ...c.chat, lastSeq: Math.max(c.chat.lastSeq, m.seq) },
          },
        },
      };
    }

    case 'messages:synced':
      return patchConversation(state, action.chatId, (c) => {
        const merged = mergeMessages(c.messages, action.messages);
        const added = merged.length - c.messages.length;
        const incoming = action.messages.filter((m) => m.sender === 'visitor' && !c.messages.some((x) => x.id === m.id)).length;
        return {
          ...c,
          messages: merged,
          unread: state.selected === action.chatId ? c.unread : c.unread + Math.min(added, incoming),
          chat: { ...c.chat, lastSeq: Math.max(c.chat.lastSeq, ...merged.map((m) => m.seq)) },
        };
      });

    case 'typing':
      if (action.payload.from !== 'visitor') return state;
      return patchConversation(state, action.payload.chatId, (c) => ({ ...c, visitorTyping: action.payload.typing }));

    case 'visitor:presence':
      return patchConversation(state, action.payload.chatId, (c) => ({ ...c, visitorConnected: action.payload.connected }));

    case 'presence:changed':
      return { ...state, presence: action.presence };

    case 'accept:started':
      return state.accepting.includes(action.chatId) ? state : { ...state, accepting: [...state.accepting, action.chatId] };

    case 'accept:failed': {
      const { chatId, error } = action;
      const gone = error.code === 'already_taken' || error.code === 'chat_closed' || error.code === 'not_found';
      // the queue:removed broadcast may have told the agent already: say it once
      const toldAlready = error.code === 'already_taken' && !state.accepting.includes(chatId);
      if (toldAlready) return { ...state, queue: withoutQueued(state.queue, chatId) };
      return {
        ...state,
        accepting: state.accepting.filter((id) => id !== chatId),
        queue: gone ? withoutQueued(state.queue, chatId) : state.queue,
        notices: addNotice(state, error.code === 'already_taken' ? { kind: 'warning', code: 'console.notice.alreadyTaken', values: { chatId } } : { kind: 'danger', code: 'console.notice.error', values: { message: error.message } }),
      };
    }

    case 'select': {
      if (action.chatId === null) return { ...state, selected: null };
      if (!state.conversations[action.chatId]) return state;
      return patchConversation({ ...state, selected: action.chatId }, action.chatId, (c) => ({ ...c, unread: 0 }));
    }

    case 'dismiss': {
      if (!state.conversations[action.chatId]) return state;
      const { [action.chatId]: _gone, ...conversations } = state.conversations;
      const order = state.order.filter((id) => id !== action.chatId);
      return {
        ...state,
        conversations,
        order,
        pending: state.pending.filter((p) => p.chatId !== action.chatId),
        selected: state.selected === action.chatId ? (order[0] ?? null) : state.selected,
      };
    }

    case 'queue:seen':
      return state.newInQueue === 0 ? state : { ...state, newInQueue: 0 };

    case 'send:queued':
      return { ...state, pending: [...state.pending, { ...action.pending, status: 'sending' }] };

    case 'send:acked': {
      const m = action.message;
      const pending = state.pending.filter((p) => p.clientId !== action.clientId);
      const c = state.conversations[m.chatId];
      if (!c) return { ...state, pending };
      return {
        ...state,
        pending,
        conversations: { ...state.conversations, [m.chatId]: { ...c, messages: mergeMessages(c.messages, [m]), chat: { ...c.chat, lastSeq: Math.max(c.chat.lastSeq, m.seq) } } },
      };
    }

    case 'send:failed':
      return { ...state, pending: state.pending.map((p) => (p.clientId === action.clientId ? { ...p, status: 'failed', error: action.error } : p)) };

    case 'send:retry':
      return { ...state, pending: state.pending.map((p) => (p.clientId === action.clientId ? { ...p, status: 'sending', error: undefined } : p)) };

    case 'send:discard':
      return { ...state, pending: state.pending.filter((p) => p.clientId !== action.clientId) };

    case 'upload:started':
      return { ...state, uploads: [...state.uploads, { ...action.upload, loaded: 0, status: 'uploading' }] };

    case 'upload:progress':
      return { ...state, uploads: state.uploads.map((u) => (u.id === action.id ? { ...u, loaded: action.loaded, total: action.total } : u)) };

    case 'upload:done': {
      const next = { ...state, uploads: state.uploads.filter((u) => u.id !== action.id) };
      return action.message ? consoleReducer(next, { type: 'message:created', payload: action.message }) : next;
    }

    case 'upload:failed':
      return { ...state, uploads: state.uploads.map((u) => (u.id === action.id ? { ...u, status: 'failed', error: action.error } : u)) };

    case 'upload:dismiss':
      return { ...state, uploads: state.uploads.filter((u) => u.id !== action.id) };

    case 'canned:loaded':
      return { ...state, canned: action.canned };

    case 'notice':
      return { ...state, notices: addNotice(state, action.notice) };

    case 'notice:dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };

    default:
      return state;
  }
}

// ---------------------------------------------------------------------------------------------
// Selectors
// ---------------------------------------------------------------------------------------------

export const totalUnread = (s: ConsoleState) => s.order.reduce((n, id) => n + (s.conversations[id]?.unread ?? 0), 0);

/** Oldest first: the queue as the agent works through it. */
export const sortedQueue = (s: ConsoleState) =>
  [...s.queue].sort((a, b) => Date.parse(a.queuedAt) - Date.parse(b.queuedAt) || a.chatId - b.chatId);

/** Whole seconds waited, never negative (clocks differ a little). */
export const waitedSeconds = (queuedAt: string, now: number) => Math.max(0, Math.floor((now - Date.parse(queuedAt)) / 1000));

/** "0:07", "12:30", "1:02:03" */
export function formatWait(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** The browser tab's title: "(3) Console" when 3 things wait for the agent. */
export function tabTitle(base: string, s: ConsoleState): string {
  const n = totalUnread(s) + s.newInQueue;
  return n > 0 ? `(${n}) ${base}` : base;
}

/** What to ask the server after a (re)connection: everything after the last message seen. */
export const syncRequests = (s: ConsoleState): { chatId: number; afterSeq: number }[] =>
  s.order
    .filter((id) => !s.conversations[id].ended)
    .map((id) => ({ chatId: id, afterSeq: s.conversations[id].messages.reduce((max, m) => Math.max(max, m.seq), 0) }));

/** Sends still to be delivered after a reconnection (same client id: the server keeps one). */
export const sendsToResume = (s: ConsoleState) => s.pending.filter((p) => p.status === 'sending');

export const pendingFor = (s: ConsoleState, chatId: number) => s.pending.filter((p) => p.chatId === chatId);

/** Canned responses matching "/shortcut" being typed at the start of the message box. */
export function cannedMatches(input: string, canned: CannedResponse[], departmentId: number | null): CannedResponse[] {
  const m = /^\/([a-z0-9_-]*)$/i.exec(input.trim());
  if (!m) return [];
  const prefix = m[1].toLowerCase();
  return canned
    .filter((c) => c.departmentId === null || c.departmentId === departmentId)
    .filter((c) => c.shortcut.startsWith(prefix))
    .sort((a, b) => (a.shortcut === prefix ? -1 : b.shortcut === prefix ? 1 : a.shortcut.localeCompare(b.shortcut)))
    .slice(0, 8);
}

/** A client id for a message: unique per send, kept across retries. */
export const newClientId = (random: () => string = () => Math.random().toString(36).slice(2, 12)) => `c-${Date.now().toString(36)}-${random()}`;

/**
 * The visitor's upload rules, checked before sending (the server checks again, with the content):
 * null when the file may go, else why not.
 */
export function uploadRefusal(
  file: { name: string; size: number },
  rules: { maxBytes: number; extensions: string[] } | null
): { code: 'type' | 'size' | 'empty'; extensions?: string; maxBytes?: number } | null {
  if (!rules) return null;
  if (file.size === 0) return { code: 'empty' };
  const dot = file.name.lastIndexOf('.');
  const ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : '';
  if (!rules.extensions.includes(ext)) return { code: 'type', extensions: rules.extensions.join(', ') };
  if (file.size > rules.maxBytes) return { code: 'size', maxBytes: rules.maxBytes };
  return null;
}
