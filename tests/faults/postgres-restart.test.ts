/**
 * Fault 2: PostgreSQL goes away under a live chat and comes back (a private PostgreSQL of this
 * test: the shared one is never touched). Messages sent during the outage get error
 * acknowledgements (or none) and the clients retry them with the same clientId; a client whose
 * connection drops during the outage is refused for the moment and comes back by itself once the
 * database is back; nothing is lost or doubled, and the node stays up.
 */
import { startNode, stopNode, type NodeHandle } from '../multinode/cluster';
import { closeAllSockets, next } from '../helpers/realtime';
import { AgentClient, VisitorClient } from './clients';
import { checkInvariants, openDb } from './invariants';
import { createFaultCase, departmentIds, hold, log, registerFirstAdmin, startChatHttp, startPrivatePostgres, waitFor, type FaultCase, type PrivatePostgres } from './support';

const GRACE = 30;

const deferred = () => {
  let resolve!: (v: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
};

let pg: PrivatePostgres | undefined;
let fc: FaultCase | undefined;
let node: NodeHandle | undefined;

afterAll(async () => {
  closeAllSockets();
  await stopNode(node, 5000);
  await fc?.cleanup();
  pg?.destroy();
});

beforeAll(async () => {
  pg = await startPrivatePostgres();
});

it('messages sent while PostgreSQL is down are retried and stored once; clients come back by themselves', async () => {
  pg = pg!;
  // a failed query fails fast instead of waiting a minute for a connection
  fc = await createFaultCase({ db: 'postgres', privatePg: pg, graceSeconds: GRACE, env: { DATABASE_CONNECTION_TIMEOUT: '2000' } });
  node = await startNode('pg-outage', fc.env);
  const agent = await registerFirstAdmin(node.base);
  const { Financeiro } = await departmentIds(node.base);
  const a = new AgentClient(node.base, agent);
  await a.state();
  await a.online();
  const chat = await startChatHttp(node.base, Financeiro);
  const v = new VisitorClient(node.base, chat.chatId, chat.token);
  await v.state();
  await a.accept(chat.chatId);
  await v.say('v-1', 'Fui cobrada duas vezes');
  let arrived = next(v.socket, 'message:created', (m: any) => m.clientId === 'a-1');
  await a.say(chat.chatId, 'a-1', 'Vou verificar no sistema');
  await arrived;

  // --- the database goes away -------------------------------------------------------------------
  const tDown = Date.now();
  pg.stop('fast');
  const failures: string[] = [];
  const vFailed = deferred();
  const aFailed = deferred();
  const during = [
    v.say('v-out', 'O sistema caiu?', { deadlineMs: 60000, onFail: (w) => (failures.push(`visitor:${w}`), vFailed.resolve(w)) }),
    a.say(chat.chatId, 'a-out', 'Um instante', { deadlineMs: 60000, onFail: (w) => (failures.push(`agent:${w}`), aFailed.resolve(w)) }),
  ];
  await Promise.all([vFailed.promise, aFailed.promise]);
  // both clients' connections drop too while the database is down: their handshakes cannot be
  // checked now, and they must come back by themselves once it is back
  const vBack = v.state(60000);
  const aBack = a.state(60000);
  // a client retries only after a failed transport: two attempts mean the first one reached the
  // node, failed there, and did not stop the client (a connect_error refusal would have)
  const retried = (s: typeof v.socket) => {
    let n = 0;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the client stopped retrying during the outage')), 20000);
      s.io.on('reconnect_attempt', () => ++n === 2 && (clearTimeout(timer), resolve()));
    });
  };
  const vRetried = retried(v.socket);
  const aRetried = retried(a.socket);
  v.socket.io.engine.close();
  a.socket.io.engine.close();
  await Promise.all([vRetried, aRetried]);

  pg.start();
  log('database back after', Date.now() - tDown, 'ms; failures', failures);
  const [vState] = await Promise.all([vBack, aBack]);
  expect(vState.chat.status).toBe('active');
  await a.sync(chat.chatId);
  const outage = await Promise.all(during);
  log('outage sends: attempts', outage.map((o) => o.attempts), 'errors', outage.map((o) => o.errors));
  expect(failures.length).toBeGreaterThanOrEqual(2); // the outage was felt on both sides
  expect(node.alive()).toBe(true);

  // --- the conversation carries on --------------------------------------------------------------
  arrived = next(v.socket, 'message:created', (m: any) => m.clientId === 'a-2');
  const toAgent = next(a.socket, 'message:created', (m: any) => m.clientId === 'v-2');
  await a.say(chat.chatId, 'a-2', 'Estornei a segunda cobrança');
  await v.say('v-2', 'Obrigada');
  await Promise.all([arrived, toAgent]);
  await a.sync(chat.chatId);
  await a.close(chat.chatId);

  const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
  expect(report.violations).toEqual([]);
  const row = report.chats.find((c) => c.id === chat.chatId)!;
  expect(row).toMatchObject({ status: 'closed', lastSeq: 6 }); // v-1 a-1 v-out a-out a-2 v-2, once each
  const all = [1, 2, 3, 4, 5, 6];
  expect(v.knownSeqs()).toEqual(all);
  expect(a.knownSeqs(chat.chatId)).toEqual(all);
  // at most twice: once live and once in the replay of a reconnection, when the message was
  // stored between the node joining the socket to its room and reading what it missed (join
  // first, so nothing falls between); the client merges by seq (docs/protocol.md), and what it
  // knows, checked above, is every message exactly once
  expect([...v.got.arrivals.values()].every((n) => n <= 2)).toBe(true);
}, 150000);

it('an outage longer than the grace under two nodes: no node ends the chats of the other node\'s clients once it is back', async () => {
  const SHORT = 6; // well above node B's 1.5 s sweeps, which keep the marks fresh before the outage
  const two = await createFaultCase({ db: 'postgres', privatePg: pg, graceSeconds: SHORT, env: { DATABASE_CONNECTION_TIMEOUT: '2000' } });
  const nodes: NodeHandle[] = [];
  try {
    // node A sweeps every 50 ms, node B every 1.5 s: A is the first back after the outage, long
    // before B has marked its sockets again
    nodes.push(await startNode('pg-A', { ...two.env, LIVE_CHAT_SWEEP_INTERVAL_MS: '50' }));
    nodes.push(await startNode('pg-B', { ...two.env, LIVE_CHAT_SWEEP_INTERVAL_MS: '1500' }));
    const [A, B] = nodes;
    const agent = await registerFirstAdmin(A.base);
    const { Suporte } = await departmentIds(A.base);
    // everyone is on node B; node A holds no socket, but sweeps the same database
    const a = new AgentClient(B.base, agent);
    await a.state();
    await a.online();
    const chat = await startChatHttp(B.base, Suporte);
    const v = new VisitorClient(B.base, chat.chatId, chat.token);
    await v.state();
    await a.accept(chat.chatId);
    const waiting = await startChatHttp(B.base, Suporte);
    const w = new VisitorClient(B.base, waiting.chatId, waiting.token);
    await w.state();

    // the database is gone for longer than the grace: nobody's heartbeat is written meanwhile
    pg!.stop('fast');
    await hold((SHORT + 2) * 1000);
    pg!.start();
    const tUp = Date.now();
    // node B marks its sockets again; within the next grace neither node may end anything
    await waitFor('node B to heartbeat its visitors', async () => {
      const db = openDb(two.dbConfig);
      try {
        const rows = await db('chats').whereIn('id', [chat.chatId, waiting.chatId]).select('visitor_seen_at');
        return rows.every((r: any) => new Date(r.visitor_seen_at).getTime() >= tUp);
      } finally {
        await db.destroy();
      }
    }, 20000, 100);
    await hold(SHORT * 1000); // the window in which a node would wrongly end them
    log('after the outage: chat closed events', v.closed, w.closed);
    expect(v.closed).toEqual([]);
    expect(w.closed).toEqual([]);
    const report = await checkInvariants(two.dbConfig, { graceSeconds: SHORT });
    expect(report.violations).toEqual([]);
    expect(report.chats.find((c) => c.id === chat.chatId)).toMatchObject({ status: 'active', agentId: agent.id });
    expect(report.chats.find((c) => c.id === waiting.chatId)).toMatchObject({ status: 'waiting' });
    expect(report.presence[agent.id]).toBe('online');
    log('checked', Date.now() - tUp, 'ms after the database came back');
  } finally {
    closeAllSockets();
    await Promise.all(nodes.map((n) => stopNode(n, 5000)));
    await two.cleanup();
  }
}, 120000);
