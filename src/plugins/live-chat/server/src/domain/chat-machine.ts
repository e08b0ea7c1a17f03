import {
  FINAL_STATUSES,
  type AgentServerToClient,
  type AnyCloseReason,
  type AppError,
  type ChatStatus,
  type ChatSummary,
  type ClosedBy,
  type EventPayload,
  type QueueRemovedReason,
  type RequeueReason,
  type VisitorServerToClient,
} from '../../../shared/contract';
import { appError } from './errors';

/** The chat fields the lifecycle reads and writes; times are ISO strings as stored. */
export interface ChatRow
  extends Pick<ChatSummary, 'id' | 'status' | 'departmentId' | 'agentId' | 'agentName' | 'queuedAt' | 'acceptedAt' | 'closedAt' | 'closedBy' | 'closeReason' | 'tags'> {
  /** Higher goes first: a requeued chat gets 1 so it returns to the head of its queue while
   * keeping its original queuedAt, which the wait-time figures need. */
  priority: number;
  firstAgentReplyAt: string | null;
}

export interface AgentRef {
  id: number;
  name: string;
}

export interface DepartmentRef {
  id: number;
  active: boolean;
}

/**
 * What the service must announce once the patch is persisted (never before: a failed write must
 * not have been announced). Payloads are included when the domain knows them in full; the rest
 * (views, message lists, queue positions) the service reads back from the database.
 */
export type Effect =
  /** Agents of the department see a new waiting chat; the service also refreshes the positions
   * of the visitors waiting there. */
  | { type: 'notify-department'; event: 'queue:added'; departmentId: number; chatId: number }
  | {
      type: 'notify-department';
      event: 'queue:removed';
      departmentId: number;
      chatId: number;
      reason: QueueRemovedReason;
      agentId: number | null;
    }
  | {
      type: 'notify-visitor';
      event: 'chat:accepted';
      chatId: number;
      payload: EventPayload<VisitorServerToClient, 'chat:accepted'>;
    }
  /** The service adds the new queue info after persisting. */
  | { type: 'notify-visitor'; event: 'chat:requeued'; chatId: number; payload: { reason: RequeueReason } }
  | {
      type: 'notify-visitor';
      event: 'chat:closed';
      chatId: number;
      payload: EventPayload<VisitorServerToClient, 'chat:closed'>;
    }
  /** The service loads the agent's view of the chat and its messages. */
  | { type: 'notify-agent'; event: 'chat:assigned'; agentId: number; chatId: number }
  | {
      type: 'notify-agent';
      event: 'chat:requeued';
      agentId: number;
      chatId: number;
      payload: EventPayload<AgentServerToClient, 'chat:requeued'>;
    }
  | {
      type: 'notify-agent';
      event: 'chat:closed';
      agentId: number;
      chatId: number;
      payload: EventPayload<AgentServerToClient, 'chat:closed'>;
    };

export type Decision = { ok: true; patch: Partial<ChatRow>; effects: Effect[] } | { ok: false; error: AppError };

const TRANSITIONS: Record<ChatStatus, readonly ChatStatus[]> = {
  waiting: ['active', 'missed', 'left_message', 'closed'],
  // active → active is a transfer to another agent; active → waiting a requeue.
  active: ['closed', 'waiting', 'active'],
  left_message: ['answered'],
  closed: [],
  missed: [],
  answered: [],
};

export const canTransition = (from: ChatStatus, to: ChatStatus): boolean => TRANSITIONS[from].includes(to);

export const isFinal = (status: ChatStatus): boolean => (FINAL_STATUSES as readonly ChatStatus[]).includes(status);

const DEFAULT_REASON: Record<ClosedBy, AnyCloseReason> = {
  agent: 'agent_closed',
  visitor: 'visitor_ended',
  system: 'idle',
};

const refuse = (error: AppError): Decision => ({ ok: false, error });

/** The refusal for a command the chat's current status does not allow. */
const wrongState = (chat: ChatRow, to: ChatStatus): Decision =>
  refuse(
    isFinal(chat.status)
      ? appError('chat_closed', 'This chat is already over')
      : appError('invalid_state', `A ${chat.status} chat cannot become ${to}`),
  );

const normalizeTags = (tags: readonly string[]): string[] => [
  ...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0)),
];

/** Ends a waiting or active chat; who must hear about it depends on where it was. */
function finish(
  chat: ChatRow,
  to: 'closed' | 'missed',
  by: ClosedBy,
  reason: AnyCloseReason,
  tags: readonly string[] | undefined,
  now: Date,
): Decision {
  if (!canTransition(chat.status, to)) return wrongState(chat, to);
  const closedAt = now.toISOString();
  const patch: Partial<ChatRow> = { status: to, closedAt, closedBy: by, closeReason: reason };
  if (tags) patch.tags = normalizeTags(tags);

  const effects: Effect[] = [
    { type: 'notify-visitor', event: 'chat:closed', chatId: chat.id, payload: { closedBy: by, reason, closedAt, status: to } },
  ];
  if (chat.status === 'waiting') {
    effects.push({
      type: 'notify-department',
      event: 'queue:removed',
      departmentId: chat.departmentId,
      chatId: chat.id,
      reason: to === 'missed' ? 'missed' : 'closed',
      agentId: null,
    });
  } else if (chat.agentId !== null) {
    effects.push({
      type: 'notify-agent',
      event: 'chat:closed',
      agentId: chat.agentId,
      chatId: chat.id,
      payload: { chatId: chat.id, closedBy: by, reason, closedAt, status: to },
    });
  }
  return { ok: true, patch, effects };
}

/** Takes a waiting chat. The service must apply the patch as one conditional update
 * (`where status = 'waiting'`) so that of several agents accepting at once exactly one wins. */
export function accept(chat: ChatRow, agent: AgentRef, now: Date): Decision {
  if (chat.status !== 'waiting') {
    return refuse(
      isFinal(chat.status)
        ? appError('chat_closed', 'This chat is already over')
        : appError('already_taken', 'This chat is no longer waiting'),
    );
  }
  const at = now.toISOString();
  return {
    ok: true,
    // A requeued chat keeps its first acceptance: acceptedAt − queuedAt is the visitor's wait.
    patch: { status: 'active', agentId: agent.id, agentName: agent.name, acceptedAt: chat.acceptedAt ?? at },
    effects: [
      {
        type: 'notify-department',
        event: 'queue:removed',
        departmentId: chat.departmentId,
        chatId: chat.id,
        reason: 'accepted',
        agentId: agent.id,
      },
      { type: 'notify-visitor', event: 'chat:accepted', chatId: chat.id, payload: { agentName: agent.name, acceptedAt: at } },
      // The agent's other tabs; the accepting socket already has the chat in its ack.
      { type: 'notify-agent', event: 'chat:assigned', agentId: agent.id, chatId: chat.id },
    ],
  };
}

/** Closes an active chat (agent, visitor or system). Waiting chats end through
 * `endByVisitor` or `visitorGone` instead: nobody else may drop a chat from the queue. */
export function close(
  chat: ChatRow,
  by: ClosedBy,
  reason: AnyCloseReason | undefined,
  tags: readonly string[] | undefined,
  now: Date,
): Decision {
  if (chat.status !== 'active') return wrongState(chat, 'closed');
  return finish(chat, 'closed', by, reason || DEFAULT_REASON[by], tags, now);
}

/** The visitor ends the chat on purpose, waiting or active. */
export const endByVisitor = (chat: ChatRow, now: Date): Decision =>
  finish(chat, 'closed', 'visitor', 'visitor_ended', undefined, now);

/** The visitor's grace period ran out: nobody was serving it (missed) or the talk was cut. */
export const visitorGone = (chat: ChatRow, now: Date): Decision =>
  chat.status === 'waiting'
    ? finish(chat, 'missed', 'system', 'visitor_left', undefined, now)
    : finish(chat, 'closed', 'system', 'visitor_left', undefined, now);

function requeueTo(chat: ChatRow, departmentId: number, reason: RequeueReason): Decision {
  if (chat.status !== 'active') return wrongState(chat, 'waiting');
  const effects: Effect[] = [
    { type: 'notify-department', event: 'queue:added', departmentId, chatId: chat.id },
    { type: 'notify-visitor', event: 'chat:requeued', chatId: chat.id, payload: { reason } },
  ];
  if (chat.agentId !== null) {
    effects.push({
      type: 'notify-agent',
      event: 'chat:requeued',
      agentId: chat.agentId,
      chatId: chat.id,
      payload: { chatId: chat.id, reason },
    });
  }
  return {
    ok: true,
    patch: { status: 'waiting', departmentId, agentId: null, agentName: null, priority: 1 },
    effects,
  };
}

/** Back to the head of its own queue, e.g. its agent went offline. `now` is taken for a uniform
 * command signature; the queue position comes from priority, not from a new timestamp. */
export const requeue = (chat: ChatRow, reason: RequeueReason, _now: Date): Decision =>
  requeueTo(chat, chat.departmentId, reason);

/** To the head of another (or the same) department's queue. */
export function transferToDepartment(chat: ChatRow, dep: DepartmentRef, _now: Date): Decision {
  if (chat.status === 'active' && !dep.active) {
    return refuse(appError('department_inactive', 'That department is not active'));
  }
  return requeueTo(chat, dep.id, 'transferred');
}

/** Straight to another agent; the service checks that agent's eligibility (`checkAgent`). */
export function transferToAgent(chat: ChatRow, agent: AgentRef, now: Date): Decision {
  if (chat.status !== 'active') return wrongState(chat, 'active');
  if (chat.agentId === agent.id) return refuse(appError('invalid_state', 'The chat is already with this agent'));
  const effects: Effect[] = [
    { type: 'notify-agent', event: 'chat:assigned', agentId: agent.id, chatId: chat.id },
    {
      type: 'notify-visitor',
      event: 'chat:accepted',
      chatId: chat.id,
      payload: { agentName: agent.name, acceptedAt: now.toISOString() },
    },
  ];
  if (chat.agentId !== null) {
    effects.unshift({
      type: 'notify-agent',
      event: 'chat:requeued',
      agentId: chat.agentId,
      chatId: chat.id,
      payload: { chatId: chat.id, reason: 'transferred' },
    });
  }
  return { ok: true, patch: { agentId: agent.id, agentName: agent.name }, effects };
}

/** The visitor takes the offer to leave a message; the live part of the chat ends here. */
export function leaveMessage(chat: ChatRow, now: Date): Decision {
  if (!canTransition(chat.status, 'left_message')) return wrongState(chat, 'left_message');
  return {
    ok: true,
    patch: { status: 'left_message', closedAt: now.toISOString() },
    effects: [
      {
        type: 'notify-department',
        event: 'queue:removed',
        departmentId: chat.departmentId,
        chatId: chat.id,
        reason: 'left_message',
        agentId: null,
      },
    ],
  };
}

/** An agent replied to a left message (by e-mail): that reply is the first agent reply. */
export function answer(chat: ChatRow, now: Date): Decision {
  if (!canTransition(chat.status, 'answered')) return wrongState(chat, 'answered');
  return {
    ok: true,
    patch: { status: 'answered', firstAgentReplyAt: chat.firstAgentReplyAt ?? now.toISOString() },
    effects: [],
  };
}

/** Patch to apply when an agent sends a public message: only the first one is timed. */
export const firstAgentReply = (chat: ChatRow, now: Date): Partial<ChatRow> =>
  chat.firstAgentReplyAt === null ? { firstAgentReplyAt: now.toISOString() } : {};
