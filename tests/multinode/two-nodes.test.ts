/**
 * Scale-out: two Strapi nodes (child processes) on one PostgreSQL database and one Redis.
 * The agent works on node B; the visitor starts on node A, behind a load balancer. Node A dies
 * (SIGKILL) in the middle of the conversation: the visitor's client reconnects by itself through
 * the balancer, lands on node B with its last sequence number, and gets exactly what it missed.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import crypto from 'crypto';
import Redis from 'ioredis';
import type { Core } from '@strapi/strapi';
import { APP_DIR, DIST_DIR, TEST_SECRETS, createTestDatabase } from '../helpers/strapi';
import { agentSocket, closeAllSockets, collect, createAgent, departmentId, next, send, visitorSocket } from '../helpers/realtime';
import type { MessageDto } from '../../src/plugins/live-chat/shared/contract';
import { childBaseEnv, startBalancer, startNode, stopNode, type Balancer, type NodeHandle, withInProcessStrapi } from './cluster';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GRACE_SECONDS = 5;

/** Every node must share the secrets: the same ones the in-process test apps use. */
const SECRETS = TEST_SECRETS;

const timings: Record<string, number> = {};
const debug = (...args: unknown[]) => {
  if (process.env.DEBUG_TIMINGS) console.log('[multinode]', ...args);
};

let tmpDir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let prefix: string;
let env: Record<string, string>;
let nodeA: NodeHandle | undefined;
let nodeB: NodeHandle | undefined;
let lb: Balancer | undefined;
let agent: { id: number; name: string; token: string };
let suporte: number;

beforeAll(async () => {
  const t0 = Date.now();
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'livechat-multinode-'));
  const publicDir = path.join(tmpDir, 'public'); // shared by both nodes, as a shared volume would be
  const uploadTmpDir = path.join(tmpDir, 'incoming');
  fs.mkdirSync(path.join(publicDir, 'uploads'), { recursive: true });
  fs.mkdirSync(uploadTmpDir, { recursive: true });
  database = await createTestDatabase('postgres', tmpDir);
  prefix = `lc_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}:`;
  env = {
    ...childBaseEnv(),
    ...SECRETS,
    ...(database.env as Record<string, string | undefined> as Record<string, string>), // the postgres branch: all set
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PUBLIC_DIR: publicDir,
    UPLOAD_TMP_DIR: uploadTmpDir,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LIVE_CHAT_GRACE_SECONDS: String(GRACE_SECONDS),
    LIVE_CHAT_SWEEP_INTERVAL_MS: '200',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    STRAPI_TELEMETRY_DISABLED: 'true',
    STRAPI_DISABLE_UPDATE_NOTIFICATION: 'true',
    BROWSER: 'none',
  };

  // the first node creates the tables; the second finds them
  nodeA = await startNode('A', env);
  timings.bootA = nodeA.bootMs;
  nodeB = await startNode('B', env);
  timings.bootB = nodeB.bootMs;

  const t1 = Date.now();
  await withInProcessStrapi(env, async (strapi) => {
    suporte = await departmentId(strapi, 'Suporte');
    agent = await createAgent(strapi, { firstname: 'Bia' });
  });
  timings.dataSetup = Date.now() - t1;

  lb = await startBalancer(() => [nodeA!.port, nodeB!.port]);
  timings.beforeAll = Date.now() - t0;
});

afterAll(async () => {
  closeAllSockets();
  await Promise.all([stopNode(nodeA, 5000), stopNode(nodeB, 5000)]);
  await lb?.close();
  if (database) await database.drop();
  if (prefix) {
    const redis = new Redis(REDIS_URL);
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  debug('timings (ms)', JSON.stringify(timings));
});

describe('two nodes on one PostgreSQL and one Redis', () => {
  it('a conversation survives the death of the node the visitor was on: nothing lost, nothing doubled', async () => {
    const t0 = Date.now();
    // --- the agent works on node B ---------------------------------------------------------
    const a = agentSocket(nodeB!.base, agent.token);
    const state = await next(a, 'agent:state');
    expect(state.departments.map((d: any) => d.id)).toContain(suporte);
    expect((await send(a, 'presence:set', { presence: 'online' })).ok).toBe(true);

    // presence is in the database: node A sees the agent online too
    const config = await (await fetch(`${nodeA!.base}/api/live-chat/widget-config`)).json();
    expect(config.departments.find((d: any) => d.id === suporte).online).toBe(true);

    // --- the visitor starts on node A; queue:added reaches node B's agent through Redis --------
    const visitorName = `Carla ${crypto.randomBytes(3).toString('hex')}`;
    const queued = next(a, 'queue:added', (q: any) => q.visitorName === visitorName);
    const res = await fetch(`${nodeA!.base}/api/live-chat/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ departmentId: suporte, name: visitorName, email: 'carla@example.com', question: 'Meu site caiu' }),
    });
    if (res.status !== 201) throw new Error(`start chat on node A: ${res.status} ${await res.text()}\n${nodeA!.output()}`);
    const { chatId, token } = await res.json();
    expect((await queued).chatId).toBe(chatId);

    // the visitor's client: what the server delivered (live or replayed), and what it sent itself
    let lastSeq = 0;
    const delivered: MessageDto[] = [];
    const own: number[] = [];
    const see = (m: MessageDto) => {
      delivered.push(m);
      lastSeq = Math.max(lastSeq, m.seq);
    };
    const v = visitorSocket(lb!.base, () => ({ chatId, token, lastSeq }));
    const states: any[] = [];
    v.on('chat:state', (s: any) => {
      states.push(s);
      s.messages.forEach(see);
    });
    v.on('message:created', see);
    const visitorSays = async (clientId: string, body: string) => {
      const ack = await send(v, 'message:send', { clientId, body });
      expect(ack.ok).toBe(true);
      own.push(ack.message.seq);
      lastSeq = Math.max(lastSeq, ack.message.seq);
      return ack.message as MessageDto;
    };
    const agentSays = async (clientId: string, body: string, visibility: 'public' | 'agents' = 'public') => {
      const ack = await send(a, 'message:send', { chatId, clientId, body, visibility });
      expect(ack.ok).toBe(true);
      return ack.message as MessageDto;
    };
    const agentGot = collect<MessageDto>(a, 'message:created');

    await next(v, 'chat:state');
    expect(lb!.routes).toEqual([nodeA!.port]); // the visitor's socket is on node A
    expect(states[0].chat.status).toBe('waiting');

    // --- the agent (B) accepts; the visitor (A) hears it through Redis ------------------------
    const accepted = next(v, 'chat:accepted');
    const acc = await send(a, 'chat:accept', { chatId });
    expect(acc.ok).toBe(true);
    expect((await accepted).agentName).toBe(agent.name);

    // --- messages both ways, across the nodes --------------------------------------------------
    let arrived = next(v, 'message:created', (m: MessageDto) => m.clientId === 'a-1');
    const a1 = await agentSays('a-1', 'Olá Carla, vou olhar.');
    expect((await arrived).seq).toBe(a1.seq);
    let toAgent = next(a, 'message:created', (m: MessageDto) => m.clientId === 'v-1');
    const v1 = await visitorSays('v-1', 'Obrigada! O endereço é exemplo.com.br');
    expect((await toAgent).seq).toBe(v1.seq);
    timings.crossNodeConversation = Date.now() - t0;

    // --- node A dies; the balancer holds new connections until the agent has written ------------
    const tKill = Date.now();
    lb!.paused = true;
    const dropped = next(v, 'disconnect');
    nodeA!.proc.kill('SIGKILL');
    expect(await nodeA!.exited).toBe('SIGKILL');
    await dropped;

    const away = [
      await agentSays('a-2', 'Encontrei o problema.'),
      await agentSays('a-note', 'DNS expirado: avisar o comercial', 'agents'),
      await agentSays('a-3', 'O domínio expirou ontem; já renovei.'),
    ];
    const publicAway = away.filter((m) => m.visibility === 'public').map((m) => m.seq);

    // --- the client reconnects by itself (auth is re-read: lastSeq) and lands on node B ---------
    const back = next(v, 'chat:state');
    const present = next(a, 'visitor:presence', (p: any) => p.chatId === chatId && p.connected === true);
    const deliveredBefore = delivered.length;
    lb!.paused = false;
    const replay = await back;
    timings.failover = Date.now() - tKill;
    expect(lb!.routes[lb!.routes.length - 1]).toBe(nodeB!.port);
    expect(replay.chat.status).toBe('active'); // within the grace period the chat stays open
    expect(replay.messages.map((m: MessageDto) => m.seq)).toEqual(publicAway);
    expect(replay.messages.map((m: MessageDto) => m.body)).toEqual(['Encontrei o problema.', 'O domínio expirou ontem; já renovei.']);
    await present;

    // --- the conversation goes on, now on node B only -------------------------------------------
    toAgent = next(a, 'message:created', (m: MessageDto) => m.clientId === 'v-2');
    const v2 = await visitorSays('v-2', 'Voltou! Obrigada.');
    expect((await toAgent).seq).toBe(v2.seq);
    arrived = next(v, 'message:created', (m: MessageDto) => m.clientId === 'a-4');
    const a4 = await agentSays('a-4', 'Por nada, até mais.');
    expect((await arrived).seq).toBe(a4.seq);

    const closed = next(v, 'chat:closed');
    expect((await send(a, 'chat:close', { chatId, reason: 'resolved' })).ok).toBe(true);
    expect(await closed).toMatchObject({ closedBy: 'agent', reason: 'resolved', status: 'closed' });

    // --- nothing lost, nothing doubled -------------------------------------------------------------
    const all = (await send(a, 'messages:sync', { chatId, afterSeq: 0 })).messages as MessageDto[];
    const allSeqs = all.map((m) => m.seq);
    expect(allSeqs).toEqual(allSeqs.map((_, i) => i + 1)); // gap-free
    const publicSeqs = all.filter((m) => m.visibility === 'public').map((m) => m.seq);
    const note = all.find((m) => m.clientId === 'a-note')!;
    expect(note.visibility).toBe('agents');

    const deliveredSeqs = delivered.map((m) => m.seq);
    expect(new Set(deliveredSeqs).size).toBe(deliveredSeqs.length); // no message twice
    expect(deliveredSeqs).toEqual([...deliveredSeqs].sort((x, y) => x - y)); // in order
    expect(deliveredSeqs).not.toContain(note.seq);
    expect([...deliveredSeqs, ...own].sort((x, y) => x - y)).toEqual(publicSeqs); // nothing lost
    expect(delivered.slice(deliveredBefore).map((m) => m.seq)).toEqual([...publicAway, a4.seq]);
    expect(states).toHaveLength(2);

    // the agent got each visitor message exactly once
    const fromVisitor = agentGot.filter((m) => m.chatId === chatId && m.sender === 'visitor').map((m) => m.seq);
    expect(fromVisitor).toEqual(own);

    // the visitor's own view of the history (from node B) is the same
    const visitorHistory = (await send(v, 'messages:sync', { afterSeq: 0 })).messages as MessageDto[];
    expect(visitorHistory.map((m) => m.seq)).toEqual(publicSeqs);
    timings.scenario = Date.now() - t0;
  });

  it('node B shuts down cleanly on SIGTERM, with sockets still connected', async () => {
    const a = agentSocket(nodeB!.base, agent.token, { reconnection: false });
    await next(a, 'agent:state');
    const dropped = next(a, 'disconnect');
    const t = Date.now();
    nodeB!.proc.kill('SIGTERM');
    expect(await nodeB!.exited).toBe(0);
    timings.shutdownB = Date.now() - t;
    // a dropped transport, which socket.io-client answers by reconnecting (through the balancer,
    // to another node); after 'io server disconnect' it would stay offline until told to connect
    expect(await dropped).toBe('transport close');
  });
});
