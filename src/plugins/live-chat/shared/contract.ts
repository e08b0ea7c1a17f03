/**
 * The one typed contract of the live-chat plugin: REST payloads and Socket.IO events, imported by
 * the server, the agent console and the Svelte widget. Types only, plus the `as const` lists the
 * unions are derived from (so validators and UIs enumerate exactly the same values).
 * Nothing may be imported here: the widget bundles this file on its own.
 */

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

export const CHAT_STATUSES = ['waiting', 'active', 'closed', 'left_message', 'answered', 'missed'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];

/** Statuses a chat never leaves. */
export const FINAL_STATUSES = ['closed', 'missed', 'answered'] as const satisfies readonly ChatStatus[];

export const SENDERS = ['visitor', 'agent', 'system'] as const;
export type Sender = (typeof SENDERS)[number];

export const VISIBILITIES = ['public', 'agents'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const MESSAGE_KINDS = ['text', 'file', 'event'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const PRESENCES = ['online', 'away', 'offline'] as const;
export type Presence = (typeof PRESENCES)[number];

export const CLOSED_BY = ['visitor', 'agent', 'system'] as const;
export type ClosedBy = (typeof CLOSED_BY)[number];

export const CLOSE_REASONS = ['resolved', 'visitor_ended', 'visitor_left', 'idle', 'agent_closed'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];
/** Agents may type their own reason; `string & {}` keeps editor completion for the known ones. */
export type AnyCloseReason = CloseReason | (string & {});

export const REQUEUE_REASONS = ['agent_left', 'transferred'] as const;
export type RequeueReason = (typeof REQUEUE_REASONS)[number];

export const QUEUE_REMOVED_REASONS = ['accepted', 'missed', 'closed', 'left_message', 'transferred'] as const;
export type QueueRemovedReason = (typeof QUEUE_REMOVED_REASONS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Length limits shared by the server's validation and the clients' form hints. */
export const LIMITS = {
  name: 100,
  email: 254,
  question: 2000,
  messageBody: 5000,
  clientId: 64,
  tags: 10,
  tagLength: 40,
  reason: 64,
  pageUrl: 2048,
  locale: 16,
  ratingComment: 1000,
  privacyNotice: 1000,
} as const;

// ---------------------------------------------------------------------------------------------
// Errors and acknowledgements
// ---------------------------------------------------------------------------------------------

export const ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'chat_closed',
  'invalid_state',
  'already_taken',
  'agent_cap_reached',
  'agent_not_online',
  'not_serving_department',
  'department_inactive',
  'rate_limited',
  'message_too_long',
  'duplicate',
  'internal_error',
  /** The transcript was already sent (once per chat). */
  'already_sent',
  /** The post-closing window is over: the chat token no longer allows this. */
  'expired',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppError {
  code: ErrorCode;
  message: string;
  /** Field path → human message, for forms. */
  fields?: Record<string, string>;
  /** With `rate_limited`: the seconds to wait before trying again (as REST's `Retry-After`). */
  retryAfter?: number;
}

/** REST error body. */
export interface ErrorResponse {
  error: AppError;
}

export type Ack<T extends object = {}> = ({ ok: true } & T) | { ok: false; error: AppError };
export type AckCallback<T extends object = {}> = (ack: Ack<T>) => void;

/** Commands without arguments still send an object, so that one can be added later. */
export type EmptyPayload = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// DTOs (times are ISO 8601 strings)
// ---------------------------------------------------------------------------------------------

export interface AttachmentDto {
  id: number;
  name: string;
  mime: string;
  size: number;
  /** Only images verified by content may be shown inline. */
  inline: boolean;
  /** Short-lived signed URL; absent when the reader may not download it. */
  url?: string;
}

export interface MessageDto {
  id: number;
  chatId: number;
  /** Gap-free per chat: a client that reconnects asks for everything after the last one it saw. */
  seq: number;
  /** The sender's idempotency key; null for messages the server wrote. */
  clientId: string | null;
  sender: Sender;
  senderName: string | null;
  kind: MessageKind;
  visibility: Visibility;
  body: string;
  createdAt: string;
  attachment?: AttachmentDto | null;
}

export interface QueueInfo {
  /** 1-based. */
  position: number;
  queueLength: number;
  waitingSeconds: number;
  estimatedWaitSeconds: number | null;
}

export interface VisitorChatView {
  id: number;
  status: ChatStatus;
  departmentId: number;
  departmentName: string;
  visitorName: string;
  question: string;
  agentName: string | null;
  queuedAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
  closedBy: ClosedBy | null;
  closeReason: string | null;
  lastSeq: number;
}

export type AgentChatView = VisitorChatView & {
  visitorEmail: string;
  agentId: number | null;
  pageUrl: string | null;
  userAgent: string | null;
  locale: string | null;
  tags: string[];
};

export interface QueueItem {
  chatId: number;
  departmentId: number;
  departmentName: string;
  visitorName: string;
  visitorEmail: string;
  question: string;
  queuedAt: string;
  position: number;
}

/** Opening ranges per weekday as ["HH:MM","HH:MM"] in the department's time zone, e.g.
 * `{ mon: [["09:00","18:00"]] }`; a range may cross midnight (["22:00","02:00"]). */
export type BusinessHours = { [day in Weekday]?: Array<[string, string]> };

export interface DepartmentInfo {
  id: number;
  name: string;
  description: string | null;
  /** Some agent serving it is online. */
  online: boolean;
  /** Inside business hours. */
  open: boolean;
  timezone: string;
  businessHours: BusinessHours | null;
  /** Someone can answer now (online and open): if false, starting a chat leaves a message. */
  canAnswer: boolean;
}

// ---------------------------------------------------------------------------------------------
// REST (widget, content API)
// ---------------------------------------------------------------------------------------------

export declare namespace WidgetConfig {
  export interface Response {
    departments: DepartmentInfo[];
    settings: {
      gracePeriodSeconds: number;
      waitingLimitSeconds: number;
      maxMessageLength: number;
      /** Shown on the start form. */
      privacyNotice: string;
      /** An active chat silent on both sides this long is closed as idle (0 = never). */
      idleSeconds: number;
      /** How long after the closing the chat token still allows rating and the transcript. */
      postCloseWindowSeconds: number;
      /** Files the chat accepts: the widget refuses others before uploading, with this list. */
      upload: { maxBytes: number; extensions: string[] };
    };
  }
}

export declare namespace StartChat {
  export interface Request {
    name: string;
    email: string;
    question: string;
    departmentId: number;
    pageUrl?: string;
    locale?: string;
  }
  export interface Response {
    chatId: number;
    /** Shown once; the server keeps only its hash. */
    token: string;
    /** `left_message` when nobody could answer: the question was left as a message. */
    status: ChatStatus;
    queue: QueueInfo | null;
  }
}

/** `POST /chats/:id/rating` with `Authorization: Bearer <chat token>`, after the chat is over. */
export declare namespace Rating {
  export interface Request {
    /** 1 to 5 */
    rating: number;
    comment?: string;
  }
  export interface Response {
    rating: number;
    comment: string | null;
  }
}

/** `POST /chats/:id/transcript` with `Authorization: Bearer <chat token>`: sent once, only to the
 * chat's own e-mail address (a body with any field, e.g. `email`, is refused). */
export declare namespace Transcript {
  export type Request = EmptyPayload;
  export interface Response {
    sentAt: string;
  }
}

export const LEAVE_OFFER_REASONS = ['nobody_online', 'waited_too_long'] as const;
export type LeaveOfferReason = (typeof LEAVE_OFFER_REASONS)[number];

// ---------------------------------------------------------------------------------------------
// Socket.IO, namespace /visitor
// ---------------------------------------------------------------------------------------------

/** `socket.handshake.auth` of a visitor. */
export interface VisitorAuth {
  chatId: number;
  token: string;
  /** Last sequence seen: the server replays what came after it. */
  lastSeq?: number;
}

export interface VisitorServerToClient {
  'chat:state': (p: { chat: VisitorChatView; messages: MessageDto[]; queue: QueueInfo | null }) => void;
  'queue:position': (p: QueueInfo) => void;
  'chat:accepted': (p: { agentName: string; acceptedAt: string }) => void;
  'chat:requeued': (p: { reason: RequeueReason; queue: QueueInfo | null }) => void;
  'message:created': (m: MessageDto) => void;
  typing: (p: { from: 'agent'; name: string | null; typing: boolean }) => void;
  'chat:closed': (p: { closedBy: ClosedBy; reason: string; closedAt: string; status: ChatStatus }) => void;
  /** Nobody can answer now, or the wait passed the limit: the visitor may leave a message. */
  'chat:offer-leave-message': (p: { reason: LeaveOfferReason }) => void;
  error: (e: AppError) => void;
}

export interface VisitorClientToServer {
  'message:send': (p: { clientId: string; body: string }, ack: AckCallback<{ message: MessageDto }>) => void;
  'typing:set': (p: { typing: boolean }) => void;
  'chat:end': (p: EmptyPayload, ack: AckCallback) => void;
  'messages:sync': (p: { afterSeq: number }, ack: AckCallback<{ messages: MessageDto[] }>) => void;
  /** A waiting chat becomes a left message; `body` (optional) is appended first as a message. */
  'chat:leave-message': (p: { body?: string }, ack: AckCallback<{ chat: VisitorChatView }>) => void;
}

// ---------------------------------------------------------------------------------------------
// Socket.IO, namespace /agent
// ---------------------------------------------------------------------------------------------

/** `socket.handshake.auth` of an agent: the Strapi admin JWT. */
export interface AgentAuth {
  token: string;
}

export interface AgentServerToClient {
  'agent:state': (p: {
    agentId: number;
    name: string;
    presence: Presence;
    departments: { id: number; name: string }[];
    chats: AgentChatView[];
    queue: QueueItem[];
  }) => void;
  'queue:added': (q: QueueItem) => void;
  'queue:removed': (p: { chatId: number; reason: QueueRemovedReason; agentId?: number | null }) => void;
  'queue:changed': (p: { departmentId: number; queue: QueueItem[] }) => void;
  'chat:assigned': (p: { chat: AgentChatView; messages: MessageDto[] }) => void;
  'chat:requeued': (p: { chatId: number; reason: RequeueReason }) => void;
  'message:created': (m: MessageDto) => void;
  typing: (p: { chatId: number; from: 'visitor' | 'agent'; name: string | null; typing: boolean }) => void;
  'chat:closed': (p: {
    chatId: number;
    closedBy: ClosedBy;
    reason: string;
    closedAt: string;
    status: ChatStatus;
  }) => void;
  'visitor:presence': (p: { chatId: number; connected: boolean }) => void;
  error: (e: AppError) => void;
}

export interface AgentClientToServer {
  'presence:set': (p: { presence: Presence }, ack: AckCallback<{ presence: Presence }>) => void;
  'chat:accept': (
    p: { chatId: number },
    ack: AckCallback<{ chat: AgentChatView; messages: MessageDto[] }>,
  ) => void;
  'message:send': (
    p: { chatId: number; clientId: string; body: string; visibility?: Visibility },
    ack: AckCallback<{ message: MessageDto }>,
  ) => void;
  'typing:set': (p: { chatId: number; typing: boolean }) => void;
  'chat:close': (p: { chatId: number; reason?: AnyCloseReason; tags?: string[] }, ack: AckCallback) => void;
  /** Exactly one of departmentId (back to that queue's head) or agentId (straight to that agent). */
  'chat:transfer': (p: { chatId: number; departmentId?: number; agentId?: number }, ack: AckCallback) => void;
  'messages:sync': (
    p: { chatId: number; afterSeq: number },
    ack: AckCallback<{ messages: MessageDto[] }>,
  ) => void;
}

/** First argument of a server→client event, e.g. `EventPayload<VisitorServerToClient, 'chat:closed'>`. */
export type EventPayload<Events, E extends keyof Events> = Events[E] extends (p: infer P, ...rest: never[]) => void
  ? P
  : never;

// ---------------------------------------------------------------------------------------------
// REST for the agent console (admin API, /live-chat/... with the admin session; RBAC actions
// plugin::live-chat.console | history | settings)
// ---------------------------------------------------------------------------------------------

/** A chat as listed in the history and the left-messages inbox. */
/** The fields of a chat every view of it shares: the history's rows here, and on the server the
 * lifecycle's ChatRow and the services' ChatRecord, which are built on them. */
export interface ChatSummary {
  id: number;
  status: ChatStatus;
  departmentId: number;
  departmentName: string;
  visitorName: string;
  visitorEmail: string;
  question: string;
  agentId: number | null;
  agentName: string | null;
  queuedAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
  closedBy: ClosedBy | null;
  closeReason: string | null;
  tags: string[];
}

export interface HistoryItem extends ChatSummary {
  rating: number | null;
  messageCount: number;
}

export interface Pagination {
  page: number;
  pageSize: number;
  total: number;
  pageCount: number;
}

export const HISTORY_PAGE_SIZE_MAX = 100;

/** `GET /live-chat/history` (history) and `GET /live-chat/left-messages` (console, status fixed
 * to left_message unless `status=answered`). Every filter is optional; dates are ISO 8601 and
 * apply to queuedAt (from inclusive, to exclusive). */
export declare namespace HistorySearch {
  export interface Query {
    q?: string;
    email?: string;
    departmentId?: number;
    status?: ChatStatus;
    agentId?: number;
    from?: string;
    to?: string;
    page?: number;
    pageSize?: number;
  }
  export interface Response {
    results: HistoryItem[];
    pagination: Pagination;
  }
}

/** `GET /live-chat/history/:id` (history): one chat, every message (notes included), each file
 * with a short-lived signed URL. */
export declare namespace ChatTranscript {
  export interface Response {
    chat: HistoryItem & { pageUrl: string | null; userAgent: string | null; locale: string | null; ratingComment: string | null };
    messages: MessageDto[];
  }
}

/** `GET /live-chat/chats/:id/earlier` (console): other chats of the same visitor e-mail in the
 * agent's departments, newest first (at most 20). */
export declare namespace EarlierChats {
  export interface Response {
    results: HistoryItem[];
  }
}

/** `POST /live-chat/chats/:id/reply` (console): answers a left message by e-mail (Reply-To: the
 * department's address); the reply is stored in the chat, which becomes `answered`. */
export declare namespace ReplyLeftMessage {
  export interface Request {
    body: string;
  }
  export interface Response {
    chat: HistoryItem;
    message: MessageDto;
  }
}

export interface CannedResponse {
  id: number;
  title: string;
  /** Typed after "/" in the message box to insert the body. */
  shortcut: string;
  body: string;
  /** null: for every department */
  departmentId: number | null;
}

/** `GET /live-chat/canned-responses` (console): the active ones of the agent's departments and
 * the ones for every department. Admins manage them in the Content Manager. */
export declare namespace CannedResponses {
  export interface Response {
    results: CannedResponse[];
  }
}

/** `GET /live-chat/directory` (console): where a chat can be transferred. */
export declare namespace Directory {
  export interface Response {
    departments: { id: number; name: string }[];
    agents: { id: number; name: string; presence: Presence; departmentIds: number[] }[];
  }
}

export interface ConsoleSettingsValues {
  gracePeriodSeconds: number;
  waitingLimitSeconds: number;
  agentCap: number;
  postCloseWindowSeconds: number;
  idleSeconds: number;
  privacyNotice: string;
  upload: { maxBytes: number; extensions: string[] };
}

export interface DepartmentSettings {
  id: number;
  name: string;
  active: boolean;
  timezone: string;
  businessHours: BusinessHours | null;
  notificationEmail: string | null;
  agentIds: number[];
  /** Days after which its ended chats are anonymised (0: kept forever); null: the server's
   * default, `retentionDefaultDays` (LIVE_CHAT_RETENTION_DAYS / _BY_DEPARTMENT). */
  retentionDays: number | null;
  retentionDefaultDays: number;
}

/** `GET|PUT /live-chat/settings` (settings). PUT takes any subset of `settings`; the upload limit
 * and types may only be narrower than the ceiling (`uploadCeiling`). */
export declare namespace ConsoleSettings {
  export interface Response {
    settings: ConsoleSettingsValues;
    uploadCeiling: { maxBytes: number; extensions: string[] };
    /** Allowed embedding origins, from the configuration (LIVE_CHAT_ORIGINS); read-only here. */
    origins: string[];
    departments: DepartmentSettings[];
    /** Admin users who may be assigned to departments. */
    agents: { id: number; name: string; email: string }[];
  }
  export type Request = Partial<Omit<ConsoleSettingsValues, 'upload'>> & { upload?: Partial<ConsoleSettingsValues['upload']> };
}

/** `PUT /live-chat/departments/:id` (settings). */
export declare namespace DepartmentUpdate {
  export type Request = Partial<Pick<DepartmentSettings, 'timezone' | 'businessHours' | 'notificationEmail' | 'agentIds' | 'retentionDays'>>;
  export interface Response {
    department: DepartmentSettings;
  }
}
