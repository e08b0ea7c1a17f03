/**
 * Fault 3: Redis goes away and comes back under two nodes (a private redis-server of this test,
 * no persistence: it comes back empty). The visitor is on node A, the agent on node B, so every
 * message crosses Redis. While it is down, messages are still stored and acknowledged (the
 * database is the truth; rate limits fall back to memory); once it is back, cross-node delivery
 * resumes and what the other side missed reaches it without a reload; nothing is doubled.
 */
import { next } from '../helpers/realtime';
import { AgentClient, VisitorClient } from './clients';
import { checkInvariants } from './invariants';
import { log, redisClients, startChatHttp, twoNodesOnPrivateRedis, waitFor } from './support';

const GRACE = 30;
const startPair = twoNodesOnPrivateRedis();

/** Connections of the private Redis that subscribe (one Socket.IO adapter subscriber per node). */
const subscribers = async (url: string) => (await redisClients(url)).filter((l) => /\b(p?sub)=([1-9]\d*)/.test(l)).length;

it('while Redis is down messages are stored; when it is back delivery resumes and the missed ones arrive', async () => {
  const { redis, fc, nodeA, nodeB, agent, departments: { Suporte } } = await startPair({ graceSeconds: GRACE });
  await waitFor('both nodes subscribed', async () => (await subscribers(redis.url)) === 2);

  const a = new AgentClient(nodeB.base, agent);
  await a.state();
  await a.online();
  const chat = await startChatHttp(nodeA.base, Suporte);
  const v = new VisitorClient(nodeA.base, chat.chatId, chat.token);
  await v.state();
  const accepted = next(v.socket, 'chat:accepted');
  await a.accept(chat.chatId);
  await accepted; // B → Redis → A
  let toVisitor = next(v.socket, 'message:created', (m: any) => m.clientId === 'a-1');
  let toAgent = next(a.socket, 'message:created', (m: any) => m.clientId === 'v-1');
  await a.say(chat.chatId, 'a-1', 'Olá, em que posso ajudar?');
  await v.say('v-1', 'O site está fora do ar');
  await Promise.all([toVisitor, toAgent]);

  // --- Redis dies: both sides keep writing; the database acknowledges -------------------------
  await redis.kill();
  const tDown = Date.now();
  await a.say(chat.chatId, 'a-out-1', 'Estou vendo aqui');
  await v.say('v-out-1', 'Ainda está fora');
  await a.say(chat.chatId, 'a-out-2', 'Reiniciei o servidor');
  await a.say(chat.chatId, 'a-note', 'servidor 3 reiniciado', { visibility: 'agents' });
  log('outage writes done after', Date.now() - tDown, 'ms');
  expect(v.connects).toBe(1); // nobody was disconnected: Socket.IO does not depend on Redis
  expect(a.connects).toBe(1);

  await redis.start();
  await waitFor('both nodes subscribed again', async () => (await subscribers(redis.url)) === 2, 20000);
  log('redis back after', Date.now() - tDown, 'ms');

  // --- cross-node delivery resumes ----------------------------------------------------------------
  toVisitor = next(v.socket, 'message:created', (m: any) => m.clientId === 'a-2');
  toAgent = next(a.socket, 'message:created', (m: any) => m.clientId === 'v-2');
  await a.say(chat.chatId, 'a-2', 'Voltou?');
  await v.say('v-2', 'Voltou sim!');
  await Promise.all([toVisitor, toAgent]);
  log('delivery resumed after', Date.now() - tDown, 'ms; visitor knows', v.knownSeqs(), 'agent knows', a.knownSeqs(chat.chatId));

  // --- what each side missed while Redis was down reaches it, once -------------------------------
  const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
  expect(report.violations).toEqual([]);
  expect(report.presence[agent.id]).toBe('online');
  const lastSeq = report.chats.find((c) => c.id === chat.chatId)!.lastSeq;
  expect(lastSeq).toBe(8); // a-1 v-1 a-out-1 v-out-1 a-out-2 note a-2 v-2
  const all = Array.from({ length: lastSeq }, (_, i) => i + 1);
  const note = a.own.find((m) => m.clientId === 'a-note')!.seq;
  await waitFor('the visitor to know every public message', () => v.knownSeqs().join() === all.filter((s) => s !== note).join(), 15000);
  await waitFor('the agent to know every message', () => a.knownSeqs(chat.chatId).join() === all.join(), 15000);
  log('visitor arrivals', [...v.got.arrivals.entries()], 'agent arrivals', [...a.tracker(chat.chatId).arrivals.entries()]);

  await a.close(chat.chatId);
  expect((await checkInvariants(fc.dbConfig, { graceSeconds: GRACE })).violations).toEqual([]);
}, 150000);
