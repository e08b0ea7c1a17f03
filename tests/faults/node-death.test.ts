/**
 * Fault 4: one of two nodes is killed (SIGKILL) and does not come back. Its visitors reconnect
 * through the balancer to the other node and resume; the agent whose console was on it (and
 * who does not come back) is offline within the grace period — seconds here, a minute by
 * default — and is given no chat; its active chat goes back to the head of its queue, ahead of
 * the chats that were already waiting, and another agent takes it.
 */
import { startBalancer, startNode, stopNode, type Balancer, type NodeHandle } from '../multinode/cluster';
import { closeAllSockets, next } from '../helpers/realtime';
import { AgentClient, VisitorClient } from './clients';
import { checkInvariants } from './invariants';
import { SHARED_REDIS_URL, createFaultCase, departmentIds, inviteAdmin, log, registerFirstAdmin, startChatHttp, waitFor, type FaultCase } from './support';

const GRACE = 6;
const SWEEP_MS = 250;

let fc: FaultCase | undefined;
let nodeA: NodeHandle | undefined;
let nodeB: NodeHandle | undefined;
let lb: Balancer | undefined;

afterAll(async () => {
  closeAllSockets();
  await Promise.all([stopNode(nodeA, 5000), stopNode(nodeB, 5000)]);
  await lb?.close();
  await fc?.cleanup();
});

it("a dead node's clients move to the other node; its agent is offline within the grace and its chat is requeued at the head", async () => {
  fc = await createFaultCase({ db: 'postgres', redisUrl: SHARED_REDIS_URL, graceSeconds: GRACE, sweepMs: SWEEP_MS });
  nodeA = await startNode('A', fc.env);
  nodeB = await startNode('B', fc.env);
  log('nodes up');
  lb = await startBalancer(() => [nodeA!.port, nodeB!.port]); // A first while it lives
  const dora = await registerFirstAdmin(nodeA.base, 'Dora'); // her console is on node A
  const edu = await inviteAdmin(nodeA.base, dora, 'Edu'); // his on node B
  const { Suporte } = await departmentIds(nodeA.base);

  log('agents registered');
  const d = new AgentClient(nodeA.base, dora, { reconnection: false }); // she does not come back
  const e = new AgentClient(nodeB.base, edu);
  await Promise.all([d.state(), e.state()]);
  await d.online();
  await e.online();

  // chat X: active with Dora; chat W: waiting (queued after X); chat Z: active with Edu
  const x = await startChatHttp(lb.base, Suporte, 'Xavier');
  const vx = new VisitorClient(lb.base, x.chatId, x.token);
  await vx.state();
  const w = await startChatHttp(lb.base, Suporte, 'Wanda');
  const vw = new VisitorClient(lb.base, w.chatId, w.token);
  await vw.state();
  const z = await startChatHttp(lb.base, Suporte, 'Zelia');
  const vz = new VisitorClient(lb.base, z.chatId, z.token);
  await vz.state();
  await d.accept(x.chatId);
  await e.accept(z.chatId);
  expect(new Set(lb.routes)).toEqual(new Set([nodeA.port])); // every visitor is on node A
  let got = next(vx.socket, 'message:created', (m: any) => m.clientId === 'd-1');
  await d.say(x.chatId, 'd-1', 'Oi Xavier, estou vendo seu caso');
  await got;
  await vx.say('x-1', 'Obrigado');

  log('chats set up');
  // --- node A dies --------------------------------------------------------------------------
  const backs = [vx.state(20000), vw.state(20000), vz.state(20000)];
  const requeued = next(vx.socket, 'chat:requeued', () => true, (GRACE + 10) * 1000);
  const queuedAgain = next(e.socket, 'queue:added', (q: any) => q.chatId === x.chatId, (GRACE + 10) * 1000);
  const wMoved = next(vw.socket, 'queue:position', (q: any) => q.position === 2, (GRACE + 10) * 1000);
  nodeA.proc.kill('SIGKILL');
  expect(await nodeA.exited).toBe('SIGKILL');
  const tKill = Date.now();

  // visitors reconnect through the balancer to node B, with their last seq
  const states = await Promise.all(backs);
  log('visitors back on B after', Date.now() - tKill, 'ms');
  expect(lb.routes.slice(-3)).toEqual([nodeB.port, nodeB.port, nodeB.port]);
  expect(states.map((s) => s.chat.status)).toEqual(['active', 'waiting', 'active']);
  // Xavier's client had received up to d-1: the replay is what came after (his own x-1, which it
  // has from its acknowledgement and merges by seq)
  expect(states[0].messages.map((m: any) => m.clientId)).toEqual(['x-1']);
  await vx.say('x-2', 'Caiu a conexão?'); // stored while Dora is gone

  // within the grace, Dora still holds chat X; after it, she is offline and X is back at the head
  const req = await requeued;
  const requeuedAfter = Date.now() - tKill;
  log('requeued after', requeuedAfter, 'ms (grace', GRACE * 1000, 'ms)');
  // one grace after her node's last heartbeat (≤ one sweep before the kill), at the next sweep;
  // the slack is for a loaded machine
  expect(requeuedAfter).toBeLessThanOrEqual(GRACE * 1000 + 4 * SWEEP_MS + 2000);
  expect(req).toMatchObject({ reason: 'agent_left', queue: { position: 1, queueLength: 2 } });
  expect((await queuedAgain).position).toBe(1);
  await wMoved; // Wanda, who was first, is now second
  let report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
  expect(report.violations).toEqual([]);
  expect(report.presence[dora.id]).toBe('offline');
  expect(report.presence[edu.id]).toBe('online');
  expect(report.queues[Suporte]).toEqual([x.chatId, w.chatId]);

  // she gets no chats: nothing can be transferred to her, and Edu takes X
  const refused = (await e.socket.timeout(10000).emitWithAck('chat:transfer', { chatId: z.chatId, agentId: dora.id })) as any;
  expect(refused).toMatchObject({ ok: false, error: { code: 'agent_not_online' } });
  const cfg = await (await fetch(`${lb.base}/api/live-chat/widget-config`)).json();
  expect(cfg.departments.find((dep: any) => dep.id === Suporte).online).toBe(true); // Edu still is
  const accepted = next(vx.socket, 'chat:accepted');
  const taken = await e.accept(x.chatId);
  expect((await accepted).agentName).toBe(edu.name);
  expect(taken.messages.map((m: any) => m.clientId)).toEqual(['d-1', 'x-1', 'x-2']); // the whole history
  got = next(vx.socket, 'message:created', (m: any) => m.clientId === 'e-1');
  await e.say(x.chatId, 'e-1', 'Oi Xavier, sou o Edu, continuo daqui');
  await got;

  log('taken over');
  report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
  expect(report.violations).toEqual([]);
  expect(report.chats.find((c) => c.id === x.chatId)).toMatchObject({ status: 'active', agentId: edu.id, lastSeq: 4 });
  expect(report.chats.find((c) => c.id === z.chatId)).toMatchObject({ status: 'active', agentId: edu.id });
  expect(report.queues[Suporte]).toEqual([w.chatId]);
  expect(vx.knownSeqs()).toEqual([1, 2, 3, 4]);
  // at most twice: once live and once in the replay of a reconnection, when the message was
  // stored between the node joining the socket to its room and reading what it missed (join
  // first, so nothing falls between); the client merges by seq (docs/protocol.md), and what it
  // knows, checked above, is every message exactly once
  expect([...vx.got.arrivals.values()].every((n) => n <= 2)).toBe(true);
}, 150000);
