/**
 * Fault 5: a visitor's connection drops (its own network link is cut: the server sees the socket
 * close at once, the client retries until the link is back).
 *  - for 5 s and for 30 s, with a grace of 40 s: it resumes the same chat with what it missed, a
 *    waiting visitor keeps its place in the queue;
 *  - for longer than the grace (4 s here): the chat ends as the lifecycle says — an active one
 *    closed by the system with reason visitor_left, a waiting one missed — within the grace of
 *    the drop, with everything kept; the visitor coming back later sees the ending and the history.
 */
import { startNode, stopNode, type NodeHandle } from '../multinode/cluster';
import { closeAllSockets, next } from '../helpers/realtime';
import { AgentClient, VisitorClient } from './clients';
import { checkInvariants, openDb } from './invariants';
import { createFaultCase, departmentIds, hold, log, registerFirstAdmin, startChatHttp, startLink, waitFor, type FaultCase, type Link } from './support';

const links: Link[] = [];
const cases: FaultCase[] = [];
const nodes: NodeHandle[] = [];

afterAll(async () => {
  closeAllSockets();
  await Promise.all(nodes.map((n) => stopNode(n, 5000)));
  await Promise.all(links.map((l) => l.close()));
  for (const c of cases) await c.cleanup();
});

async function setup(graceSeconds: number) {
  const fc = await createFaultCase({ db: 'sqlite', graceSeconds, sweepMs: 250 });
  cases.push(fc);
  const node = await startNode(`grace-${graceSeconds}`, fc.env);
  nodes.push(node);
  const agent = await registerFirstAdmin(node.base);
  const { Comercial } = await departmentIds(node.base);
  const a = new AgentClient(node.base, agent);
  await a.state();
  await a.online();
  /** a visitor on its own link; `wait` = leave it waiting */
  const visitor = async (name: string) => {
    const link = await startLink(() => node.port);
    links.push(link);
    const chat = await startChatHttp(node.base, Comercial, name);
    const v = new VisitorClient(link.base, chat.chatId, chat.token);
    await v.state();
    return { chat, v, link };
  };
  return { fc, node, agent, a, Comercial, visitor };
}

/** When the database says the visitor was last seen (ms). */
async function visitorSeenAt(fc: FaultCase, chatId: number) {
  const db = openDb(fc.dbConfig);
  try {
    const row = await db('chats').where({ id: chatId }).first('visitor_seen_at');
    const v = row.visitor_seen_at;
    return v instanceof Date ? v.getTime() : Number(v);
  } finally {
    await db.destroy();
  }
}

describe('drops within the grace (40 s)', () => {
  const GRACE = 40;

  it('5 s and 30 s: the same chat resumes with what was missed; a waiting visitor keeps its place', async () => {
    const { fc, a, agent, Comercial, visitor } = await setup(GRACE);
    const x = await visitor('Xuxa');
    const w = await visitor('Wagner'); // waits, first in the queue
    const w2 = await visitor('Wilma'); // waits, second
    await a.accept(x.chat.chatId);
    let got = next(x.v.socket, 'message:created', (m: any) => m.clientId === 'a-1');
    await a.say(x.chat.chatId, 'a-1', 'Bom dia! Qual plano interessa?');
    await got;
    await x.v.say('x-1', 'O plano anual');

    // --- 5 s -----------------------------------------------------------------------------------
    for (const [label, seconds, who] of [
      ['5s', 5, [x]],
      ['30s', 30, [x, w]],
    ] as const) {
      const gone = next(a.socket, 'visitor:presence', (p: any) => p.chatId === x.chat.chatId && p.connected === false);
      const tCut = Date.now();
      const backs = who.map((c) => c.v.state(seconds * 1000 + 15000));
      for (const c of who) c.link.cut();
      await gone;
      // the grace counts from the drop, not from the last heartbeat (written every third of it)
      // (the mark is written as the server sees the socket close, beside the presence event)
      await waitFor('the drop stamped on the chat', async () => (await visitorSeenAt(fc, x.chat.chatId)) >= tCut - 1000, 3000);
      await a.say(x.chat.chatId, `a-${label}-1`, `Enquanto você estava fora (${label})`);
      await a.say(x.chat.chatId, `a-${label}-2`, 'Segue a proposta');
      await hold(seconds * 1000);
      for (const c of who) c.link.restore();
      const states = await Promise.all(backs);
      log(label, 'drop: back after', Date.now() - tCut, 'ms');
      expect(states[0].chat.status).toBe('active');
      expect(states[0].messages.map((m: any) => m.clientId)).toEqual(expect.arrayContaining([`a-${label}-1`, `a-${label}-2`]));
      if (who.length > 1) {
        expect(states[1].chat.status).toBe('waiting');
        expect(states[1].queue).toMatchObject({ position: 1, queueLength: 2 });
      }
      await x.v.say(`x-${label}`, 'Voltei');
    }

    const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
    expect(report.violations).toEqual([]);
    expect(report.presence[agent.id]).toBe('online');
    expect(report.queues[Comercial]).toEqual([w.chat.chatId, w2.chat.chatId]);
    expect(report.chats.find((c) => c.id === x.chat.chatId)).toMatchObject({ status: 'active', lastSeq: 8 });
    expect(x.v.knownSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(w2.v.lastQueue).toMatchObject({ position: 2 });
  }, 120000);
});

describe('drops longer than the grace (4 s)', () => {
  const GRACE = 4;

  it('the active chat is closed (visitor_left), the waiting one missed, within the grace; everything is kept', async () => {
    const { fc, a, Comercial, visitor } = await setup(GRACE);
    const y = await visitor('Yara'); // active
    const m = await visitor('Mauro'); // waiting, first
    const n = await visitor('Nina'); // waiting, second; stays connected
    await a.accept(y.chat.chatId);
    await y.v.say('y-1', 'Quero cancelar');
    await a.say(y.chat.chatId, 'a-1', 'Posso ajudar com isso');

    const closed = next(a.socket, 'chat:closed', (p: any) => p.chatId === y.chat.chatId, (GRACE + 10) * 1000);
    const missed = next(a.socket, 'queue:removed', (p: any) => p.chatId === m.chat.chatId, (GRACE + 10) * 1000);
    const ninaFirst = next(n.v.socket, 'queue:position', (q: any) => q.position === 1, (GRACE + 10) * 1000);
    const gone = next(a.socket, 'visitor:presence', (p: any) => p.chatId === y.chat.chatId && p.connected === false);
    const tCut = Date.now();
    y.link.cut();
    m.link.cut();
    await gone;
    await a.say(y.chat.chatId, 'a-2', 'Ainda está aí?'); // written within the grace: kept

    const [c, r] = await Promise.all([closed, missed]);
    const after = Date.now() - tCut;
    log('ended after', after, 'ms (grace', GRACE * 1000, 'ms)');
    expect(c).toMatchObject({ closedBy: 'system', reason: 'visitor_left', status: 'closed' });
    expect(r).toMatchObject({ reason: 'missed' });
    expect(after).toBeGreaterThanOrEqual(GRACE * 1000 - 500);
    expect(after).toBeLessThanOrEqual(GRACE * 1000 + 3000); // the next sweeps (250 ms), and a loaded machine
    await ninaFirst;

    // everything is kept; the visitors coming back see how their chats ended, and the history
    const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
    expect(report.violations).toEqual([]);
    expect(report.chats.find((ch) => ch.id === y.chat.chatId)).toMatchObject({ status: 'closed', closeReason: 'visitor_left', lastSeq: 3 });
    expect(report.chats.find((ch) => ch.id === m.chat.chatId)).toMatchObject({ status: 'missed', closeReason: 'visitor_left' });
    expect(report.queues[Comercial]).toEqual([n.chat.chatId]);

    const backs = [y.v.state(), m.v.state()];
    y.link.restore();
    m.link.restore();
    const [ys, ms] = await Promise.all(backs);
    expect(ys.chat).toMatchObject({ status: 'closed', closeReason: 'visitor_left' });
    expect(ys.messages.map((msg: any) => msg.clientId)).toEqual(expect.arrayContaining(['a-2']));
    expect(y.v.knownSeqs()).toEqual([1, 2, 3]);
    expect(ms.chat.status).toBe('missed');
    const late = (await y.v.socket.timeout(10000).emitWithAck('message:send', { clientId: 'y-late', body: 'Oi?' })) as any;
    expect(late).toMatchObject({ ok: false, error: { code: 'chat_closed' } });
  }, 90000);
});
