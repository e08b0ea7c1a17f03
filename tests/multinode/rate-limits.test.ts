/**
 * Rate limits across two nodes: with REDIS_URL set the limiters' state is in Redis, so a client
 * that spreads its chat starts, or its messages, over two nodes is limited by the sum, not by
 * each node's share. Two Strapi nodes (child processes from dist/) on one PostgreSQL database and
 * one Redis (a key prefix of this run's own); TRUST_PROXY=true so that each case has an address of
 * its own (the last X-Forwarded-For entry, as a proxy in front of both nodes would write it).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import crypto from 'crypto';
import Redis from 'ioredis';
import type { Core } from '@strapi/strapi';
import { APP_DIR, DIST_DIR, TEST_SECRETS, createTestDatabase } from '../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, next, send, visitorSocket, type AnySocket } from '../helpers/realtime';
import { childBaseEnv, startNode, stopNode, type NodeHandle, withInProcessStrapi } from './cluster';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const START_POINTS = 4;
const MESSAGE_POINTS = 6;
const MESSAGE_IP_POINTS = 10;

let tmpDir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let prefix: string;
let env: Record<string, string>;
let nodeA: NodeHandle | undefined;
let nodeB: NodeHandle | undefined;
let agentToken: string;
let suporte: number;
let address = 0;
const freshAddress = () => `10.9.${Math.floor(++address / 250)}.${(address % 250) + 1}`;

const startOn = (node: NodeHandle, from: string) =>
  fetch(`${node.base}/api/live-chat/chats`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: JSON.stringify({ name: 'Rafa Lima', email: 'rafa@example.com', question: 'Limites em dois nós', departmentId: suporte }),
  });

/** A chat started on `node` from `from`, and its visitor connected there (from the same address). */
async function chatOn(node: NodeHandle, from: string) {
  const res = await startOn(node, from);
  expect(res.status).toBe(201);
  const started = await res.json();
  return { ...started, v: await visitorOn(node, started, from) };
}
async function visitorOn(node: NodeHandle, chat: { chatId: number; token: string }, from: string): Promise<AnySocket> {
  const v = visitorSocket(node.base, { chatId: chat.chatId, token: chat.token }, { extraHeaders: { 'x-forwarded-for': from } });
  await next(v, 'chat:state');
  return v;
}

beforeAll(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livechat-multinode-rl-'));
  const publicDir = path.join(tmpDir, 'public');
  const uploadTmpDir = path.join(tmpDir, 'incoming');
  fs.mkdirSync(path.join(publicDir, 'uploads'), { recursive: true });
  fs.mkdirSync(uploadTmpDir, { recursive: true });
  database = await createTestDatabase('postgres', tmpDir);
  prefix = `lc_test_rl_${process.pid}_${crypto.randomBytes(4).toString('hex')}:`;
  env = {
    ...childBaseEnv(),
    ...TEST_SECRETS,
    ...(database.env as unknown as Record<string, string>),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PUBLIC_DIR: publicDir,
    UPLOAD_TMP_DIR: uploadTmpDir,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    TRUST_PROXY: 'true',
    LIVE_CHAT_GRACE_SECONDS: '120',
    LIVE_CHAT_RATE_START_POINTS: String(START_POINTS),
    LIVE_CHAT_RATE_START_SECONDS: '600',
    LIVE_CHAT_RATE_MESSAGE_POINTS: String(MESSAGE_POINTS),
    LIVE_CHAT_RATE_MESSAGE_SECONDS: '600',
    LIVE_CHAT_RATE_MESSAGE_IP_POINTS: String(MESSAGE_IP_POINTS),
    LIVE_CHAT_RATE_MESSAGE_IP_SECONDS: '600',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    STRAPI_TELEMETRY_DISABLED: 'true',
    STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
    BROWSER: 'none',
  };
  // the first node creates the tables; the second finds them
  nodeA = await startNode('A', env);
  nodeB = await startNode('B', env);
  await withInProcessStrapi(env, async (strapi) => {
    suporte = await departmentId(strapi, 'Suporte');
    agentToken = (await createAgent(strapi, { firstname: 'Lia' })).token;
  });
  // an agent online (on node B), so that chats queue instead of becoming left messages
  const a = agentSocket(nodeB.base, agentToken);
  await next(a, 'agent:state');
  expect((await send(a, 'presence:set', { presence: 'online' })).ok).toBe(true);
});

afterAll(async () => {
  closeAllSockets();
  await Promise.all([stopNode(nodeA, 5000), stopNode(nodeB, 5000)]);
  if (database) await database.drop();
  if (prefix) {
    const redis = new Redis(REDIS_URL);
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe('rate limits in Redis, shared by two nodes', () => {
  it('chat starts spread over both nodes are limited by their sum; the state is in Redis', async () => {
    const from = freshAddress();
    const statuses: string[] = [];
    for (let i = 0; i < 2 * START_POINTS; i++) {
      const node = i % 2 ? nodeB! : nodeA!;
      const res = await startOn(node, from);
      statuses.push(`${node.name}:${res.status}`);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await res.json()).error.code).toBe('rate_limited');
      }
    }
    // per node (memory) it would be eight 201s: four on each
    expect(statuses).toEqual(['A:201', 'B:201', 'A:201', 'B:201', 'A:429', 'B:429', 'A:429', 'B:429']);
    // another address is served by either node
    expect((await startOn(nodeB!, freshAddress())).status).toBe(201);
    // the limiter's counter is a Redis key under this run's prefix
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*startPerIp*${from}*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await redis.quit();
    }
  });

  it("one chat's messages through a socket on each node are limited by their sum (per chat)", async () => {
    const from = freshAddress();
    const chat = await chatOn(nodeA!, from);
    const onB = await visitorOn(nodeB!, chat, from);
    const results: string[] = [];
    for (let i = 0; i < 2 * MESSAGE_POINTS; i++) {
      const [name, socket] = i % 2 ? ['B', onB] : ['A', chat.v];
      const ack = await send(socket, 'message:send', { clientId: `per-chat-${i}`, body: `mensagem ${i}` });
      results.push(`${name}:${ack.ok ? 'ok' : ack.error.code}`);
    }
    expect(results).toEqual([
      ...Array.from({ length: MESSAGE_POINTS }, (_, i) => `${i % 2 ? 'B' : 'A'}:ok`),
      ...Array.from({ length: MESSAGE_POINTS }, (_, i) => `${i % 2 ? 'B' : 'A'}:rate_limited`),
    ]);
  });

  it("one address's messages in two chats, one on each node, are limited by their sum (per address)", async () => {
    const from = freshAddress();
    const one = await chatOn(nodeA!, from);
    const two = await chatOn(nodeB!, from);
    const results: string[] = [];
    // each chat stays under its own limit (6): only the per-address limit (10) can refuse
    for (let i = 0; i < 12; i++) {
      const [name, socket] = i % 2 ? ['B', two.v] : ['A', one.v];
      const ack = await send(socket, 'message:send', { clientId: `per-ip-${i}`, body: `mensagem ${i}` });
      results.push(`${name}:${ack.ok ? 'ok' : ack.error.code}`);
    }
    expect(results).toEqual([
      ...Array.from({ length: MESSAGE_IP_POINTS }, (_, i) => `${i % 2 ? 'B' : 'A'}:ok`),
      'A:rate_limited',
      'B:rate_limited',
    ]);
    // another address on the same nodes keeps chatting
    const other = await chatOn(nodeB!, freshAddress());
    expect((await send(other.v, 'message:send', { clientId: 'other', body: 'outro visitante' })).ok).toBe(true);
  });
});
