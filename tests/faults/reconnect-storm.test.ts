/**
 * Fault 6: 2,000 visitors are connected when the node is killed and started again; they all
 * reconnect at once. socket.io-client's randomized back-off (reconnectionDelay 1 s doubling to
 * 5 s, randomizationFactor 0.5 — the widget's io-lite does the same) spreads them out; the
 * health endpoint keeps answering during the storm; every visitor is back, in its own chat at its
 * own queue position, within a bound; no chat was lost to the grace meanwhile.
 */
import crypto from 'crypto';
import { spawn } from 'child_process';
import { io as connect, type Socket } from 'socket.io-client';
import { startBalancer, startNode, stopNode, type Balancer, type NodeHandle } from '../multinode/cluster';
import { closeAllSockets } from '../helpers/realtime';
import { AgentClient } from './clients';
import { checkInvariants, openDb } from './invariants';
import { createFaultCase, departmentIds, log, registerFirstAdmin, startChatHttp, waitFor, type FaultCase } from './support';

const CLIENTS = Number(process.env.FAULTS_STORM_CLIENTS ?? 2000);
const GRACE = 120; // longer than setting up 2,000 chats and the restart: no chat may be lost to it
// bounds for a shared 2-core machine running other suites at the same time (load average 6-8
// seen): alone, 2,000 came back within ~10 s of the node being ready and /_health's slowest answer
// was ~3 s (docs/operations.md)
const BACK_WITHIN_MS = 90000;
const HEALTH_P90_MS = 1000;
const HEALTH_MAX_MS = 8000;

let fc: FaultCase | undefined;
let node: NodeHandle | undefined;
let lb: Balancer | undefined;
const sockets: Socket[] = [];

afterAll(async () => {
  for (const s of sockets) s.close();
  closeAllSockets();
  await stopNode(node, 10000);
  await lb?.close();
  await fc?.cleanup();
});

/** Probes a URL every 100 ms until stdin closes; prints one JSON line per probe. */
const PROBER = `
let on = true;
process.stdin.on('end', () => (on = false)).resume();
(async () => {
  while (on) {
    const t = Date.now();
    const status = await fetch(process.argv[1], { signal: AbortSignal.timeout(10000) }).then((r) => r.status).catch(() => 0);
    process.stdout.write(JSON.stringify({ ms: Date.now() - t, status }) + '\\n');
    await new Promise((r) => setTimeout(r, 100));
  }
})();
`;

async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>) {
  let at = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (at < items.length) {
        const i = at++;
        await fn(items[i], i);
      }
    })
  );
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

it(`${CLIENTS} visitors reconnecting at once after a restart come back with randomized back-off while /_health answers`, async () => {
  fc = await createFaultCase({ db: 'sqlite', graceSeconds: GRACE, sweepMs: 1000 });
  node = await startNode('storm-1', fc.env);
  lb = await startBalancer(() => [node!.port]);
  const agent = await registerFirstAdmin(node.base);
  const deps = await departmentIds(node.base);
  const depIds = Object.values(deps);
  // an agent online (through the balancer: it reconnects too), or the chats would be left messages
  const a = new AgentClient(lb.base, agent);
  await a.state();
  await a.online();

  // --- 2,000 waiting chats over the four departments -----------------------------------------------
  // one per department through the API, the others copied from them in the database (creating
  // 2,000 over HTTP takes most of a minute, and how chats are created is not what this case tests)
  const t0 = Date.now();
  const chats: { chatId: number; token: string }[] = [];
  for (const dep of depIds) chats.push(await startChatHttp(node.base, dep));
  const db = openDb(fc.dbConfig);
  try {
    const templates = await db('chats').whereIn('id', chats.map((c) => c.chatId)).select();
    const links = await db('chats_department_lnk').whereIn('chat_id', chats.map((c) => c.chatId)).select();
    await db.transaction(async (trx) => {
      for (let i = chats.length; i < CLIENTS; i++) {
        const t = templates[i % templates.length];
        const token = crypto.randomBytes(32).toString('base64url');
        const { id: _id, ...row } = t;
        const [inserted] = await trx('chats').insert({
          ...row,
          document_id: `c${crypto.randomBytes(12).toString('hex').slice(0, 23)}`,
          token_hash: crypto.createHash('sha256').update(token, 'utf8').digest('hex'),
          visitor_name: `Visitante ${i}`,
          queued_at: Number(t.queued_at) + i,
          visitor_seen_at: Date.now(),
        });
        const chatId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
        const { id: _lid, ...link } = links.find((l: any) => Number(l.chat_id) === Number(t.id));
        await trx('chats_department_lnk').insert({ ...link, chat_id: chatId });
        chats.push({ chatId, token });
      }
    });
  } finally {
    await db.destroy();
  }
  log('chats created in', Date.now() - t0, 'ms');
  // the steady state before the fault: the sweeper has extracted the new questions' terms (an
  // unrelated backlog of 2,000 texts would otherwise be stemmed during the storm)
  await waitFor('the questions indexed', async () => {
    const k = openDb(fc!.dbConfig);
    try {
      return Number((await k('live_chat_term_chats').count({ n: '*' }).first())?.n) >= CLIENTS;
    } finally {
      await k.destroy();
    }
  }, 60000, 250);
  log('questions indexed after', Date.now() - t0, 'ms');
  const backAt = new Array<number>(CLIENTS).fill(0);
  const states: any[] = new Array(CLIENTS);
  const connections = new Array<number>(CLIENTS).fill(0);
  let restartedAt = 0;
  await pool([...Array(CLIENTS).keys()], 100, async (i) => {
    const c = chats[i];
    const s = connect(`${lb!.base}/visitor`, {
      auth: { chatId: c.chatId, token: c.token, lastSeq: 0 },
      transports: ['websocket'],
      forceNew: true,
      // socket.io-client's defaults, spelled out: this is what the case is about
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
    });
    sockets.push(s);
    s.on('chat:state', (st: any) => {
      connections[i]++;
      states[i] = st;
      if (restartedAt && !backAt[i]) backAt[i] = Date.now();
    });
    await new Promise<void>((resolve, reject) => {
      s.once('chat:state', () => resolve());
      s.once('connect_error', reject);
    });
  });
  log('visitors connected in', Date.now() - t0, 'ms');

  // --- the node is killed and started again -------------------------------------------------------
  node.proc.kill('SIGKILL');
  await node.exited;
  const tKill = Date.now();
  node = await startNode('storm-2', fc.env);
  restartedAt = Date.now();
  log('restarted after', restartedAt - tKill, 'ms');

  // /_health every 100 ms through the storm, each answer timed, from a process of its own (this
  // one is busy being 2,000 clients)
  const health: { ms: number; status: number }[] = [];
  const prober = spawn(process.execPath, ['-e', PROBER, `${lb.base}/_health`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  prober.stdout!.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l) health.push(JSON.parse(l));
  });
  const proberDone = new Promise((r) => prober.once('exit', r));

  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${backAt.filter((t) => !t).length} of ${CLIENTS} visitors not back within ${BACK_WITHIN_MS} ms`)), BACK_WITHIN_MS);
    const check = setInterval(() => {
      if (backAt.every((t) => t > 0)) {
        clearTimeout(deadline);
        clearInterval(check);
        resolve();
      }
    }, 50);
  });
  prober.stdin!.end(); // the prober stops when its stdin closes
  await proberDone;

  const delays = backAt.map((t) => t - restartedAt);
  const healthMs = health.map((h) => h.ms);
  log('back (ms after ready): p10', pct(delays, 10), 'p50', pct(delays, 50), 'p90', pct(delays, 90), 'max', Math.max(...delays));
  log('health:', health.length, 'probes, p50', pct(healthMs, 50), 'p90', pct(healthMs, 90), 'p99', pct(healthMs, 99), 'max', Math.max(...healthMs), 'ms');

  // every visitor back within the bound, spread by the back-off (not all in one burst)
  expect(Math.max(...delays)).toBeLessThan(BACK_WITHIN_MS);
  expect(pct(delays, 90) - pct(delays, 10)).toBeGreaterThan(500);
  // the health endpoint kept answering
  expect(health.length).toBeGreaterThan(0);
  expect(health.filter((h) => h.status !== 204)).toEqual([]);
  expect(pct(healthMs, 90)).toBeLessThan(HEALTH_P90_MS);
  expect(Math.max(...healthMs)).toBeLessThan(HEALTH_MAX_MS);
  // each in its own chat, still waiting, at its own place in its department's queue
  expect(connections.every((n) => n === 2)).toBe(true);
  const report = await checkInvariants(fc.dbConfig, { graceSeconds: GRACE });
  expect(report.violations).toEqual([]);
  expect(report.chats.filter((c) => c.status !== 'waiting')).toEqual([]);
  const place = new Map<number, number>();
  for (const ids of Object.values(report.queues)) ids.forEach((id, k) => place.set(id, k + 1));
  const wrong = chats.filter((c, i) => states[i].chat.id !== c.chatId || states[i].queue?.position !== place.get(c.chatId));
  expect(wrong).toEqual([]);
}, 300000);
