import { CHAT_STATUSES, type ChatStatus } from '../../../src/plugins/live-chat/shared/contract';
import {
  accept,
  answer,
  canTransition,
  close,
  endByVisitor,
  firstAgentReply,
  isFinal,
  leaveMessage,
  requeue,
  transferToAgent,
  transferToDepartment,
  visitorGone,
  type ChatRow,
  type Decision,
} from '../../../src/plugins/live-chat/server/src/domain';

const NOW = new Date('2025-03-10T15:00:00.000Z');
const AT = NOW.toISOString();
const QUEUED = '2025-03-10T14:55:00.000Z';
const ANA = { id: 7, name: 'Ana' };
const BRUNO = { id: 8, name: 'Bruno' };

const chat = (over: Partial<ChatRow> = {}): ChatRow => ({
  id: 1,
  status: 'waiting',
  departmentId: 10,
  agentId: null,
  agentName: null,
  queuedAt: QUEUED,
  acceptedAt: null,
  closedAt: null,
  closedBy: null,
  closeReason: null,
  tags: [],
  priority: 0,
  firstAgentReplyAt: null,
  ...over,
});

const active = (over: Partial<ChatRow> = {}) =>
  chat({ status: 'active', agentId: ANA.id, agentName: ANA.name, acceptedAt: '2025-03-10T14:58:00.000Z', ...over });

function ok(decision: Decision) {
  if (!decision.ok) throw new Error(`expected ok, got ${decision.error.code}`);
  return decision;
}

describe('canTransition', () => {
  const allowed: Record<ChatStatus, ChatStatus[]> = {
    waiting: ['active', 'missed', 'left_message', 'closed'],
    active: ['closed', 'waiting', 'active'],
    left_message: ['answered'],
    closed: [],
    missed: [],
    answered: [],
  };
  const pairs = CHAT_STATUSES.flatMap((from) =>
    CHAT_STATUSES.map((to) => [from, to, allowed[from].includes(to)] as const),
  );

  it.each(pairs)('%s → %s is %s', (from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
  });

  it.each([
    ['closed', true],
    ['missed', true],
    ['answered', true],
    ['waiting', false],
    ['active', false],
    ['left_message', false],
  ] as const)('isFinal(%s) is %s', (status, expected) => {
    expect(isFinal(status)).toBe(expected);
  });
});

describe('allowed commands', () => {
  it.each<[string, () => Decision, Partial<ChatRow>]>([
    ['accept a waiting chat', () => accept(chat(), ANA, NOW), { status: 'active', agentId: 7, agentName: 'Ana', acceptedAt: AT }],
    [
      'accept a requeued chat keeps the first acceptedAt',
      () => accept(chat({ priority: 1, acceptedAt: '2025-03-10T14:56:00.000Z' }), BRUNO, NOW),
      { status: 'active', agentId: 8, acceptedAt: '2025-03-10T14:56:00.000Z' },
    ],
    [
      'visitor ends while waiting',
      () => endByVisitor(chat(), NOW),
      { status: 'closed', closedBy: 'visitor', closeReason: 'visitor_ended', closedAt: AT },
    ],
    [
      'visitor ends while active',
      () => endByVisitor(active(), NOW),
      { status: 'closed', closedBy: 'visitor', closeReason: 'visitor_ended', closedAt: AT },
    ],
    [
      'visitor gone while waiting is missed',
      () => visitorGone(chat(), NOW),
      { status: 'missed', closedBy: 'system', closeReason: 'visitor_left', closedAt: AT },
    ],
    [
      'visitor gone while active is closed',
      () => visitorGone(active(), NOW),
      { status: 'closed', closedBy: 'system', closeReason: 'visitor_left', closedAt: AT },
    ],
    [
      'agent closes with a reason and tags',
      () => close(active(), 'agent', 'resolved', [' billing ', 'billing', '', 'boleto'], NOW),
      { status: 'closed', closedBy: 'agent', closeReason: 'resolved', tags: ['billing', 'boleto'] },
    ],
    ['agent closes with free text', () => close(active(), 'agent', 'spam', undefined, NOW), { closeReason: 'spam' }],
    ['agent closes without reason', () => close(active(), 'agent', undefined, undefined, NOW), { closeReason: 'agent_closed' }],
    ['agent closes with empty reason', () => close(active(), 'agent', '', undefined, NOW), { closeReason: 'agent_closed' }],
    ['system closes an idle chat', () => close(active(), 'system', undefined, undefined, NOW), { closedBy: 'system', closeReason: 'idle' }],
    [
      'requeue when the agent left',
      () => requeue(active(), 'agent_left', NOW),
      { status: 'waiting', agentId: null, agentName: null, priority: 1, departmentId: 10 },
    ],
    [
      'transfer to a department',
      () => transferToDepartment(active(), { id: 11, active: true }, NOW),
      { status: 'waiting', agentId: null, departmentId: 11, priority: 1 },
    ],
    ['transfer to an agent', () => transferToAgent(active(), BRUNO, NOW), { agentId: 8, agentName: 'Bruno' }],
    ['visitor leaves a message', () => leaveMessage(chat(), NOW), { status: 'left_message', closedAt: AT }],
    ['agent answers a left message', () => answer(chat({ status: 'left_message' }), NOW), { status: 'answered', firstAgentReplyAt: AT }],
  ])('%s', (_name, run, expected) => {
    expect(ok(run()).patch).toMatchObject(expected);
  });

  it('requeue keeps the original queuedAt so wait figures stay true', () => {
    expect(ok(requeue(active(), 'agent_left', NOW)).patch).not.toHaveProperty('queuedAt');
  });

  it('close without tags leaves the tags alone', () => {
    expect(ok(close(active({ tags: ['x'] }), 'agent', 'resolved', undefined, NOW)).patch).not.toHaveProperty('tags');
  });
});

describe('refused commands', () => {
  it.each<[string, () => Decision, string]>([
    ['accept an active chat', () => accept(active(), BRUNO, NOW), 'already_taken'],
    ['accept a left message', () => accept(chat({ status: 'left_message' }), ANA, NOW), 'already_taken'],
    ['accept a closed chat', () => accept(chat({ status: 'closed' }), ANA, NOW), 'chat_closed'],
    ['accept a missed chat', () => accept(chat({ status: 'missed' }), ANA, NOW), 'chat_closed'],
    ['agent closes a waiting chat', () => close(chat(), 'agent', 'resolved', [], NOW), 'invalid_state'],
    ['agent closes a closed chat', () => close(chat({ status: 'closed' }), 'agent', 'resolved', [], NOW), 'chat_closed'],
    ['visitor ends a closed chat', () => endByVisitor(chat({ status: 'closed' }), NOW), 'chat_closed'],
    ['visitor ends a left message', () => endByVisitor(chat({ status: 'left_message' }), NOW), 'invalid_state'],
    ['visitor gone from a missed chat', () => visitorGone(chat({ status: 'missed' }), NOW), 'chat_closed'],
    ['visitor gone from a left message', () => visitorGone(chat({ status: 'left_message' }), NOW), 'invalid_state'],
    ['requeue a waiting chat', () => requeue(chat(), 'agent_left', NOW), 'invalid_state'],
    ['requeue a closed chat', () => requeue(chat({ status: 'closed' }), 'agent_left', NOW), 'chat_closed'],
    ['transfer to an inactive department', () => transferToDepartment(active(), { id: 11, active: false }, NOW), 'department_inactive'],
    ['transfer a waiting chat to a department', () => transferToDepartment(chat(), { id: 11, active: true }, NOW), 'invalid_state'],
    ['transfer a waiting chat to an agent', () => transferToAgent(chat(), BRUNO, NOW), 'invalid_state'],
    ['transfer to the same agent', () => transferToAgent(active(), ANA, NOW), 'invalid_state'],
    ['transfer an answered chat', () => transferToAgent(chat({ status: 'answered' }), BRUNO, NOW), 'chat_closed'],
    ['leave a message from an active chat', () => leaveMessage(active(), NOW), 'invalid_state'],
    ['answer a waiting chat', () => answer(chat(), NOW), 'invalid_state'],
    ['answer twice', () => answer(chat({ status: 'answered' }), NOW), 'chat_closed'],
  ])('%s → %s', (_name, run, code) => {
    const decision = run();
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.error.code).toBe(code);
      expect(decision.error.message).toEqual(expect.any(String));
    }
  });
});

describe('effects', () => {
  it('accept removes the chat from the queue and tells the visitor and the agent', () => {
    expect(ok(accept(chat(), ANA, NOW)).effects).toEqual([
      { type: 'notify-department', event: 'queue:removed', departmentId: 10, chatId: 1, reason: 'accepted', agentId: 7 },
      { type: 'notify-visitor', event: 'chat:accepted', chatId: 1, payload: { agentName: 'Ana', acceptedAt: AT } },
      { type: 'notify-agent', event: 'chat:assigned', agentId: 7, chatId: 1 },
    ]);
  });

  it('closing an active chat tells the visitor and its agent', () => {
    const payload = { closedBy: 'agent', reason: 'resolved', closedAt: AT, status: 'closed' };
    expect(ok(close(active(), 'agent', 'resolved', [], NOW)).effects).toEqual([
      { type: 'notify-visitor', event: 'chat:closed', chatId: 1, payload },
      { type: 'notify-agent', event: 'chat:closed', agentId: 7, chatId: 1, payload: { chatId: 1, ...payload } },
    ]);
  });

  it('a missed chat leaves the queue as missed', () => {
    expect(ok(visitorGone(chat(), NOW)).effects).toEqual([
      {
        type: 'notify-visitor',
        event: 'chat:closed',
        chatId: 1,
        payload: { closedBy: 'system', reason: 'visitor_left', closedAt: AT, status: 'missed' },
      },
      { type: 'notify-department', event: 'queue:removed', departmentId: 10, chatId: 1, reason: 'missed', agentId: null },
    ]);
  });

  it('ending while waiting leaves the queue as closed', () => {
    expect(ok(endByVisitor(chat(), NOW)).effects).toContainEqual(
      expect.objectContaining({ type: 'notify-department', event: 'queue:removed', reason: 'closed' }),
    );
  });

  it('a transfer to a department goes to the new queue and tells both sides', () => {
    expect(ok(transferToDepartment(active(), { id: 11, active: true }, NOW)).effects).toEqual([
      { type: 'notify-department', event: 'queue:added', departmentId: 11, chatId: 1 },
      { type: 'notify-visitor', event: 'chat:requeued', chatId: 1, payload: { reason: 'transferred' } },
      { type: 'notify-agent', event: 'chat:requeued', agentId: 7, chatId: 1, payload: { chatId: 1, reason: 'transferred' } },
    ]);
  });

  it('a transfer to an agent moves the chat between agents and names the new one to the visitor', () => {
    expect(ok(transferToAgent(active(), BRUNO, NOW)).effects).toEqual([
      { type: 'notify-agent', event: 'chat:requeued', agentId: 7, chatId: 1, payload: { chatId: 1, reason: 'transferred' } },
      { type: 'notify-agent', event: 'chat:assigned', agentId: 8, chatId: 1 },
      { type: 'notify-visitor', event: 'chat:accepted', chatId: 1, payload: { agentName: 'Bruno', acceptedAt: AT } },
    ]);
  });

  it('leaving a message removes the chat from the queue', () => {
    expect(ok(leaveMessage(chat(), NOW)).effects).toEqual([
      { type: 'notify-department', event: 'queue:removed', departmentId: 10, chatId: 1, reason: 'left_message', agentId: null },
    ]);
  });

  it('every patch that sets a status is an allowed transition', () => {
    const decisions = [
      accept(chat(), ANA, NOW),
      endByVisitor(chat(), NOW),
      visitorGone(active(), NOW),
      requeue(active(), 'agent_left', NOW),
      leaveMessage(chat(), NOW),
    ];
    const froms: ChatStatus[] = ['waiting', 'waiting', 'active', 'active', 'waiting'];
    decisions.forEach((d, i) => {
      const to = ok(d).patch.status!;
      expect(canTransition(froms[i], to)).toBe(true);
    });
  });
});

describe('firstAgentReply', () => {
  it('times the first reply only', () => {
    expect(firstAgentReply(active(), NOW)).toEqual({ firstAgentReplyAt: AT });
    expect(firstAgentReply(active({ firstAgentReplyAt: '2025-03-10T14:59:00.000Z' }), NOW)).toEqual({});
  });
});
