import type { ChatStatus, Presence } from '../../../shared/contract';
import { isFinal } from './chat-machine';
import { appError, type Result } from './errors';

export interface AgentSnapshot {
  presence: Presence;
  departmentIds: readonly number[];
  /** Chats the agent has in `active` status now. */
  activeChats: number;
}

/** Null when the agent may take one more chat of the department; `cap` null means no limit. */
export function checkAgent(agent: AgentSnapshot, departmentId: number, cap: number | null) {
  // Away counts as unavailable: a chat is never given to an agent who is not online.
  if (agent.presence !== 'online') return appError('agent_not_online', 'Set your presence to online to take chats');
  if (!agent.departmentIds.includes(departmentId)) {
    return appError('not_serving_department', 'You do not serve this department');
  }
  if (cap !== null && agent.activeChats >= cap) {
    return appError('agent_cap_reached', `You already have ${agent.activeChats} active chats (limit ${cap})`);
  }
  return null;
}

export function canAccept(input: {
  agent: AgentSnapshot;
  chat: { status: ChatStatus; departmentId: number };
  cap: number | null;
}): Result<null> {
  const { agent, chat, cap } = input;
  // The chat's state first: "someone else took it" is what the agent needs to hear.
  if (isFinal(chat.status)) return { ok: false, error: appError('chat_closed', 'This chat is already over') };
  if (chat.status !== 'waiting') {
    return { ok: false, error: appError('already_taken', 'This chat is no longer waiting') };
  }
  const error = checkAgent(agent, chat.departmentId, cap);
  return error ? { ok: false, error } : { ok: true, value: null };
}

/** Agents who could take a chat of the department now, least busy first (stable), which is the
 * order to notify them in or to auto-assign by. */
export const eligibleAgents = <A extends AgentSnapshot>(
  agents: readonly A[],
  departmentId: number,
  cap: number | null = null,
): A[] =>
  agents.filter((a) => checkAgent(a, departmentId, cap) === null).sort((a, b) => a.activeChats - b.activeChats);

/** Whether a new chat may wait for someone, or the visitor should be offered to leave a message.
 * Agents at their cap count: they will free up. */
export const anyoneOnline = (agents: readonly AgentSnapshot[], departmentId: number): boolean =>
  agents.some((a) => a.presence === 'online' && a.departmentIds.includes(departmentId));
