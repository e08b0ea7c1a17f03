/**
 * Fault 3b: the rate limits while Redis is gone, with two nodes. The limiters keep their counts in
 * Redis; when it does not answer, each node falls back to a limiter in its own memory
 * (rate-limiter-flexible's insurance limiter), so a flood is still refused with `rate_limited`,
 * others are still served, and nothing refused is stored. The fallback is per node: a client
 * spreading its sends over both nodes gets each node's allowance (docs/operations.md says so).
 * When Redis is back (empty), the shared counts are used again: the sum over both nodes is limited.
 */
import type { Socket } from 'socket.io-client';
import type { NodeHandle } from '../multinode/cluster';
import { AgentClient, VisitorClient } from './clients';
import { checkInvariants } from './invariants';
import { redisClients, startChatHttp, twoNodesOnPrivateRedis, waitFor } from './support';

const GRACE = 30;
const MESSAGE_POINTS = 5;
const START_POINTS = 3;
const startPair = twoNodesOnPrivateRedis();

/** How many connections the private Redis has (each node: the adapter's two and the limiters' one). */
const connections = async (url: string) => (await redisClients(url)).length;

/** One send, one answer: the error code, or 'ok'. */
async function sendOnce(socket: Socket, clientId: string) {
  const ack = (await socket.timeout(5000).emitWithAck('message:send', { clientId, body: `mensagem ${clientId}` })) as any;
  return ack.ok ? 'ok' : ack.error.code;
}

async function sendMany(v: VisitorClient, prefix: string, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await sendOnce(v.socket as Socket, `${prefix}-${i}`));
  return out;
}

const startFrom = (node: NodeHandle, address: string, departmentId: number) =>
  fetch(`${node.base}/api/live-chat/chats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ name: 'Rafa Lima', email: 'rafa@example.com', question: 'Limites sem Redis', departmentId }),
  });

it('while Redis is down each node still refuses floods past the limits and serves the others; back up, the limits are shared again', async () => {
  const { redis, fc, nodeA, nodeB, agent, departments: { Suporte } } = await startPair({
    graceSeconds: GRACE,
    env: {
      LIVE_CHAT_RATE_MESSAGE_POINTS: String(MESSAGE_POINTS),
      LIVE_CHAT_RATE_MESSAGE_SECONDS: '600',
      LIVE_CHAT_RATE_START_POINTS: String(START_POINTS),
      TRUST_PROXY: 'true',
    },
  });
  const a = new AgentClient(nodeB.base, agent);
  await a.state();
  await a.online();

  const flooded = await startChatHttp(nodeA.base, Suporte);
  const other = await startChatHttp(nodeA.base, Suporte);
  const vA = new VisitorClient(nodeA.base, flooded.chatId, flooded.token);
  const vB = new VisitorClient(nodeB.base, flooded.chatId, flooded.token); // the same chat, a second tab on node B
  const vOther = new VisitorClient(nodeA.base, other.chatId, other.token);
  await Promise.all([vA.state(), vB.state(), vOther.state()]);

  const linked = await connections(redis.url);
  expect(linked).toBeGreaterThanOrEqual(6);

  // --- Redis dies --------------------------------------------------------------------------------
  await redis.kill();
  // node A's memory allows MESSAGE_POINTS for the chat, then refuses
  expect(await sendMany(vA, 'down-a', MESSAGE_POINTS + 2)).toEqual([...Array(MESSAGE_POINTS).fill('ok'), 'rate_limited', 'rate_limited']);
  // another visitor on the same node is served
  expect(await sendOnce(vOther.socket as Socket, 'other-1')).toBe('ok');
  expect((await fetch(`${nodeA.base}/_health`)).status).toBe(204);
  // node B counts on its own (the documented per-node fallback), and refuses past its allowance
  expect(await sendMany(vB, 'down-b', MESSAGE_POINTS + 1)).toEqual([...Array(MESSAGE_POINTS).fill('ok'), 'rate_limited']);
  // starting chats over HTTP: START_POINTS from one address, then 429 with a message to show
  const starts = [];
  for (let i = 0; i <= START_POINTS; i++) starts.push(await startFrom(nodeA, '10.7.0.1', Suporte));
  expect(starts.map((r) => r.status)).toEqual([...Array(START_POINTS).fill(201), 429]);
  const refusal = (await starts[START_POINTS].json()) as any;
  expect(refusal.error.code).toBe('rate_limited');
  expect(refusal.error.message).toEqual(expect.any(String));
  expect((await startFrom(nodeA, '10.7.0.2', Suporte)).status).toBe(201); // another address is served

  // --- Redis is back (empty): the counts are shared by both nodes again ----------------------------
  await redis.start();
  await waitFor('both nodes linked to Redis again', async () => (await connections(redis.url)) >= linked, 20000);
  const shared = [...(await sendMany(vA, 'up-a', 3)), ...(await sendMany(vB, 'up-b', 2))];
  expect(shared).toEqual(Array(MESSAGE_POINTS).fill('ok'));
  expect(await sendOnce(vA.socket as Socket, 'up-a-over')).toBe('rate_limited');
  expect(await sendOnce(vB.socket as Socket, 'up-b-over')).toBe('rate_limited');

  // nothing refused was stored, nothing accepted was lost
  const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
  expect(report.violations).toEqual([]);
  const floodedChat = report.chats.find((c) => c.id === flooded.chatId)!;
  expect(floodedChat.lastSeq).toBe(MESSAGE_POINTS * 3);
  expect(report.chats.find((c) => c.id === other.chatId)!.lastSeq).toBe(1);
}, 150000);
