/**
 * Fault 1: the server is killed (SIGKILL) mid-chat and started again, on SQLite and on
 * PostgreSQL. Messages in flight at the kill and written while it is down are retried by the
 * clients with the same clientId; both sides reconnect by themselves with their last seq and get
 * what they missed; the conversation carries on; the database passes the invariant checker.
 */
import { startBalancer, startNode, stopNode, type Balancer, type NodeHandle } from '../multinode/cluster';
import { closeAllSockets, next } from '../helpers/realtime';
import { AgentClient, VisitorClient } from './clients';
import { checkInvariants } from './invariants';
import { createFaultCase, departmentIds, log, registerFirstAdmin, startChatHttp, type FaultCase } from './support';

const GRACE = 60; // the production default: a restart is well within it

describe.each(['sqlite', 'postgres'] as const)('SIGKILL and restart of the only node (%s)', (db) => {
  let fc: FaultCase;
  let node: NodeHandle | undefined;
  let lb: Balancer | undefined;

  afterAll(async () => {
    closeAllSockets();
    await stopNode(node, 5000);
    await lb?.close();
    await fc?.cleanup();
  });

  it('both sides reconnect with their last seq, nothing in flight is lost or doubled, and the chat carries on', async () => {
    fc = await createFaultCase({ db, graceSeconds: GRACE });
    node = await startNode('first', fc.env);
    lb = await startBalancer(() => [node!.port]);
    const agent = await registerFirstAdmin(node.base);
    const { Suporte } = await departmentIds(node.base);

    const a = new AgentClient(lb.base, agent);
    await a.state();
    await a.online();
    const chat = await startChatHttp(lb.base, Suporte);
    const v = new VisitorClient(lb.base, chat.chatId, chat.token);
    await v.state();
    await a.accept(chat.chatId);
    await v.say('v-1', 'Olá, meu boleto não chegou');
    let arrived = next(v.socket, 'message:created', (m: any) => m.clientId === 'a-1');
    await a.say(chat.chatId, 'a-1', 'Vou verificar, um momento');
    await arrived;
    await a.say(chat.chatId, 'a-note', 'cliente antigo', { visibility: 'agents' });

    // --- SIGKILL with a message in flight from each side ------------------------------------
    const vState = v.state(60000);
    const aState = a.state(60000);
    const inFlight = [v.say('v-2', 'Escrevi isto no instante da queda'), a.say(chat.chatId, 'a-2', 'E eu isto')];
    node.proc.kill('SIGKILL');
    expect(await node.exited).toBe('SIGKILL');
    const tKill = Date.now();
    // written while the server is down: buffered, then retried with the same clientId
    const whileDown = [v.say('v-3', 'Alguém aí?', { deadlineMs: 60000 }), a.say(chat.chatId, 'a-3', 'Voltando...', { deadlineMs: 60000 })];

    node = await startNode('second', fc.env);
    log(db, 'restarted in', node.bootMs, 'ms');
    const [replay] = await Promise.all([vState, aState]);
    expect(replay.chat.status).toBe('active');
    await a.sync(chat.chatId); // what the console does after agent:state
    const sent = await Promise.all([...inFlight, ...whileDown]);
    const downMs = Date.now() - tKill;
    log(db, 'back after', downMs, 'ms; attempts', sent.map((s) => s.attempts));

    // --- the conversation carries on -------------------------------------------------------------
    arrived = next(v.socket, 'message:created', (m: any) => m.clientId === 'a-4');
    const toAgent = next(a.socket, 'message:created', (m: any) => m.clientId === 'v-4');
    await a.say(chat.chatId, 'a-4', 'Pronto, reenviei o boleto');
    await v.say('v-4', 'Chegou, obrigada!');
    await Promise.all([arrived, toAgent]);
    await a.sync(chat.chatId);
    await a.close(chat.chatId);

    // --- nothing lost, nothing doubled, on both sides -------------------------------------------
    const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
    expect(report.violations).toEqual([]);
    expect(report.presence[agent.id]).toBe('online'); // her console came back by itself
    const row = report.chats.find((c) => c.id === chat.chatId)!;
    expect(row.status).toBe('closed');
    expect(row.lastSeq).toBe(9); // v-1 a-1 note v-2 a-2 v-3 a-3 a-4 v-4, each once
    const all = Array.from({ length: row.lastSeq }, (_, i) => i + 1);
    const noteSeq = a.own.find((m) => m.clientId === 'a-note')!.seq;
    expect(a.knownSeqs(chat.chatId)).toEqual(all);
    expect(v.knownSeqs()).toEqual(all.filter((s) => s !== noteSeq));
    // at most twice: once live and once in the replay of a reconnection, when the message was
    // stored between the node joining the socket to its room and reading what it missed (join
    // first, so nothing falls between); the client merges by seq (docs/protocol.md), and what it
    // knows, checked above, is every message exactly once
    expect([...v.got.arrivals.values()].every((n) => n <= 2)).toBe(true);
    expect(v.connects).toBe(2);
    expect(a.connects).toBe(2);
  }, 150000);
});
