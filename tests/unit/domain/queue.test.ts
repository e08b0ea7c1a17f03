import {
  estimateWaitSeconds,
  orderQueue,
  positionOf,
  queueInfo,
  requeue,
  waitingSeconds,
  type QueueEntry,
} from '../../../src/plugins/live-chat/server/src/domain';

const NOW = new Date('2025-03-10T15:00:00.000Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
const ids = (queue: readonly QueueEntry[]) => queue.map((q) => q.id);

describe('orderQueue', () => {
  it.each<[string, QueueEntry[], number[]]>([
    ['by arrival', [{ id: 1, priority: 0, queuedAt: at(1) }, { id: 2, priority: 0, queuedAt: at(5) }], [2, 1]],
    [
      'priority before arrival',
      [{ id: 1, priority: 0, queuedAt: at(9) }, { id: 2, priority: 1, queuedAt: at(1) }],
      [2, 1],
    ],
    [
      'id settles equal times',
      [{ id: 3, priority: 0, queuedAt: at(2) }, { id: 1, priority: 0, queuedAt: at(2) }, { id: 2, priority: 0, queuedAt: at(2) }],
      [1, 2, 3],
    ],
    [
      'two requeued chats keep their own arrival order',
      [
        { id: 1, priority: 0, queuedAt: at(10) },
        { id: 2, priority: 1, queuedAt: at(3) },
        { id: 3, priority: 1, queuedAt: at(8) },
      ],
      [3, 2, 1],
    ],
    ['Date and string times mix', [{ id: 1, priority: 0, queuedAt: at(1) }, { id: 2, priority: 0, queuedAt: new Date(at(2)) }], [2, 1]],
    ['empty', [], []],
  ])('%s', (_name, items, expected) => {
    expect(ids(orderQueue(items))).toEqual(expected);
  });

  it('does not mutate its input', () => {
    const items = [{ id: 1, priority: 0, queuedAt: at(1) }, { id: 2, priority: 0, queuedAt: at(2) }];
    orderQueue(items);
    expect(ids(items)).toEqual([1, 2]);
  });
});

describe('positions as the queue moves', () => {
  let waiting: QueueEntry[];
  const pos = (id: number) => positionOf(orderQueue(waiting), id);

  beforeEach(() => {
    waiting = [
      { id: 1, priority: 0, queuedAt: at(10) },
      { id: 2, priority: 0, queuedAt: at(6) },
      { id: 3, priority: 0, queuedAt: at(2) },
    ];
  });

  it('1-based, null when absent', () => {
    expect([pos(1), pos(2), pos(3), pos(99)]).toEqual([1, 2, 3, null]);
  });

  it('everyone moves up when the head is accepted', () => {
    waiting = waiting.filter((c) => c.id !== 1);
    expect([pos(2), pos(3), pos(1)]).toEqual([1, 2, null]);
  });

  it('a chat leaving the middle moves up only those behind it', () => {
    waiting = waiting.filter((c) => c.id !== 2);
    expect([pos(1), pos(3)]).toEqual([1, 2]);
  });

  it('a requeued chat goes to the head even though it arrived last', () => {
    const row = {
      id: 4, status: 'active', departmentId: 1, agentId: 9, agentName: 'Ana', queuedAt: at(1),
      acceptedAt: at(0), closedAt: null, closedBy: null, closeReason: null, tags: [], priority: 0, firstAgentReplyAt: null,
    } as const;
    const decision = requeue({ ...row, tags: [] }, 'agent_left', NOW);
    if (!decision.ok) throw new Error(decision.error.code);
    waiting.push({ ...row, ...decision.patch } as QueueEntry);
    expect([pos(4), pos(1), pos(2), pos(3)]).toEqual([1, 2, 3, 4]);
  });

  it('a new arrival goes to the tail', () => {
    waiting.push({ id: 5, priority: 0, queuedAt: at(0) });
    expect(pos(5)).toBe(4);
  });
});

describe('estimateWaitSeconds', () => {
  it.each<[string, number[], number, number | null]>([
    ['no data', [], 1, null],
    ['odd count uses the middle', [30, 10, 600], 1, 30],
    ['even count averages the middle two', [10, 20, 30, 40], 1, 25],
    ['scales with position', [10, 20, 30, 40], 3, 75],
    ['an outlier barely moves it', [60, 60, 60, 36_000], 1, 60],
    ['rounds to whole seconds', [1, 2], 1, 2],
    ['ignores garbage', [NaN, -5, Infinity, 40], 2, 80],
    ['only garbage is no data', [NaN, -1], 1, null],
    ['position 0 has no estimate', [30], 0, null],
  ])('%s', (_name, waits, position, expected) => {
    expect(estimateWaitSeconds(waits, position)).toBe(expected);
  });
});

describe('waitingSeconds', () => {
  it.each<[string | Date, number]>([
    [at(5), 300],
    [new Date(NOW.getTime() - 1_999), 1],
    [NOW, 0],
    [new Date(NOW.getTime() + 3_000), 0],
  ])('since %s → %i', (queuedAt, expected) => {
    expect(waitingSeconds(queuedAt, NOW)).toBe(expected);
  });
});

describe('queueInfo', () => {
  const items: QueueEntry[] = [
    { id: 1, priority: 0, queuedAt: at(4) },
    { id: 2, priority: 0, queuedAt: at(8) },
  ];

  it('describes a waiting chat', () => {
    expect(queueInfo(items, 1, [60, 120, 90], NOW)).toEqual({
      position: 2,
      queueLength: 2,
      waitingSeconds: 240,
      estimatedWaitSeconds: 180,
    });
  });

  it('null for a chat not in the queue', () => {
    expect(queueInfo(items, 3, [60], NOW)).toBeNull();
  });

  it('no estimate without history', () => {
    expect(queueInfo(items, 2, [], NOW)?.estimatedWaitSeconds).toBeNull();
  });
});
