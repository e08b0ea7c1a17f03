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
import { checkInvariants } from './invariants';
import { createFaultCase, departmentIds, log, registerFirstAdmin, startChatHttp, startPrivatePostgres, type FaultCase, type PrivatePostgres } from './support';

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

it('messages sent while PostgreSQL is down are retried and stored once; clients come back by themselves', async () => {
  pg = await startPrivatePostgres();
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
  expect([...v.got.arrivals.values()].every((n) => n === 1)).toBe(true);
}, 150000);
