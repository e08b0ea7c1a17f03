import { queueInfo, queueInfos, type QueueEntry } from '../../../src/plugins/live-chat/server/src/domain';

const NOW = new Date('2025-03-10T15:00:00.000Z');
const at = (secondsAgo: number) => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();

describe('queueInfos (every waiting visitor of one queue at once)', () => {
  it('tells each chat what queueInfo tells it, in queue order', () => {
    const items: QueueEntry[] = [
      { id: 4, priority: 0, queuedAt: at(30) },
      { id: 1, priority: 0, queuedAt: at(90) },
      { id: 7, priority: 1, queuedAt: at(5) },
      { id: 2, priority: 0, queuedAt: at(90) },
      { id: 9, priority: 0, queuedAt: new Date(NOW.getTime() - 10_000) },
    ];
    const waits = [60, 120, 90, 30];
    const all = queueInfos(items, waits, NOW);
    expect(all.map((x) => x.chat.id)).toEqual([7, 1, 2, 4, 9]);
    for (const { chat, info } of all) expect(info).toEqual(queueInfo(items, chat.id, waits, NOW));
  });

  it('an empty queue, and no recent waits (no estimate)', () => {
    expect(queueInfos([], [60], NOW)).toEqual([]);
    const [only] = queueInfos([{ id: 3, priority: 0, queuedAt: at(12) }], [], NOW);
    expect(only.info).toEqual({ position: 1, queueLength: 1, waitingSeconds: 12, estimatedWaitSeconds: null });
  });

  it('sorts once: 5,000 waiting chats in well under a second', () => {
    const items: QueueEntry[] = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, priority: 0, queuedAt: at(5000 - i) }));
    const t = Date.now();
    const all = queueInfos(items, [60], NOW);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(all[4999].info.position).toBe(5000);
    expect(all[0].chat.id).toBe(1);
  });
});
