import type { ChatStatus } from '../../../src/plugins/live-chat/shared/contract';
import {
  anyoneOnline,
  canAccept,
  checkAgent,
  eligibleAgents,
  type AgentSnapshot,
} from '../../../src/plugins/live-chat/server/src/domain';

const agent = (over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  presence: 'online',
  departmentIds: [1, 2],
  activeChats: 0,
  ...over,
});

describe('canAccept', () => {
  it.each<[string, AgentSnapshot, ChatStatus, number, number | null, string | null]>([
    ['online, serving, under cap', agent(), 'waiting', 1, 3, null],
    ['no cap', agent({ activeChats: 50 }), 'waiting', 1, null, null],
    ['one below the cap', agent({ activeChats: 2 }), 'waiting', 2, 3, null],
    ['at the cap', agent({ activeChats: 3 }), 'waiting', 1, 3, 'agent_cap_reached'],
    ['cap of zero', agent(), 'waiting', 1, 0, 'agent_cap_reached'],
    ['away', agent({ presence: 'away' }), 'waiting', 1, 3, 'agent_not_online'],
    ['offline', agent({ presence: 'offline' }), 'waiting', 1, 3, 'agent_not_online'],
    ['other department', agent(), 'waiting', 3, 3, 'not_serving_department'],
    ['serves nothing', agent({ departmentIds: [] }), 'waiting', 1, null, 'not_serving_department'],
    ['already active', agent(), 'active', 1, 3, 'already_taken'],
    ['left a message', agent(), 'left_message', 1, 3, 'already_taken'],
    ['closed', agent(), 'closed', 1, 3, 'chat_closed'],
    ['missed', agent(), 'missed', 1, 3, 'chat_closed'],
    ['answered', agent(), 'answered', 1, 3, 'chat_closed'],
    ['the chat state wins over the agent state', agent({ presence: 'offline' }), 'active', 3, 0, 'already_taken'],
    ['presence before department', agent({ presence: 'away' }), 'waiting', 3, 3, 'agent_not_online'],
  ])('%s', (_name, a, status, departmentId, cap, code) => {
    const result = canAccept({ agent: a, chat: { status, departmentId }, cap });
    if (code === null) expect(result).toEqual({ ok: true, value: null });
    else expect(result).toMatchObject({ ok: false, error: { code } });
  });

  it('checkAgent alone serves transfers to an agent', () => {
    expect(checkAgent(agent(), 1, 1)).toBeNull();
    expect(checkAgent(agent({ activeChats: 1 }), 1, 1)?.code).toBe('agent_cap_reached');
  });
});

describe('eligibleAgents and anyoneOnline', () => {
  const team = [
    { id: 1, ...agent({ activeChats: 2 }) },
    { id: 2, ...agent({ presence: 'away' }) },
    { id: 3, ...agent({ departmentIds: [2], activeChats: 0 }) },
    { id: 4, ...agent({ activeChats: 0 }) },
    { id: 5, ...agent({ activeChats: 3 }) },
    { id: 6, ...agent({ presence: 'offline', departmentIds: [3] }) },
    { id: 7, ...agent({ activeChats: 2 }) },
  ];
  const eligible = (departmentId: number, cap: number | null) => eligibleAgents(team, departmentId, cap).map((a) => a.id);

  it.each<[number, number | null, number[]]>([
    [1, null, [4, 1, 7, 5]],
    [1, 3, [4, 1, 7]],
    [1, 2, [4]],
    [2, 3, [3, 4, 1, 7]],
    [3, null, []],
    [9, null, []],
  ])('department %i, cap %s → %j (least busy first, stable)', (departmentId, cap, expected) => {
    expect(eligible(departmentId, cap)).toEqual(expected);
  });

  it.each<[number, boolean]>([
    [1, true],
    [2, true],
    [3, false], // only an offline agent serves it
    [9, false],
  ])('anyoneOnline(department %i) is %s', (departmentId, expected) => {
    expect(anyoneOnline(team, departmentId)).toBe(expected);
  });

  it('agents at their cap still count as online: the chat can wait for them', () => {
    const busy = [agent({ activeChats: 5 })];
    expect(eligibleAgents(busy, 1, 5)).toEqual([]);
    expect(anyoneOnline(busy, 1)).toBe(true);
  });
});
