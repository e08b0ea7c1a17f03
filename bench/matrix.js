#!/usr/bin/env node
/**
 * The issue 9 benchmark matrix in one command: every figure the issue asks for, measured in
 * sequence by the existing scripts (bench/realtime.js, bench/upload.js, the widget's vite build),
 * then printed as one markdown report for docs/performance.md.
 *
 *   node bench/matrix.js                    the full matrix (about 15 minutes on a quiet 2-core machine)
 *   node bench/matrix.js --quick            every part at toy scale (a couple of minutes): checks the scripts, not the figures
 *   node bench/matrix.js --only=latency,idle,queue,upload,nodes,widget
 *
 * Options: --no-compile (use dist/ as it is), --quiet-wait=S (passed to realtime.js: how long to
 * wait for a quiet machine before each measured run; default 180, 0 with --quick), --out=FILE
 * (write the report there too), --db=sqlite|postgres (the one-node parts; nodes is always
 * PostgreSQL + Redis).
 *
 * The parts (full scale):
 *   latency  messages at 100, 1,000 and 5,000 concurrent chats on one node, next to the bare
 *            Socket.IO relay: `realtime.js --max --until=throughput`, 5 s steps; latency p50/p99 at
 *            1,000 msg/s, highest rate stored whole, highest rate with p99 < 15 ms
 *   idle     the most idle widgets one node holds: `realtime.js --idle=10000,20000,30000 --no-relay`
 *            (stops at the first step that fails), memory per connection; with a file descriptor
 *            limit under 32,000 (raising it needs CAP_SYS_RESOURCE), 10000,15000,<limit − 1,000>;
 *            --idle-steps=A,B,C to choose
 *   queue    POST /api/live-chat/chats → the agents' queue:added: `realtime.js --queue=500 --queue-rate=20`
 *   upload   a 10 MiB file into a chat next to a plain Node stream to disk: `upload.js --runs=10`
 *   nodes    two Strapi nodes + Redis against one node, same load, PostgreSQL:
 *            `realtime.js --nodes=2 --chats=1000 --rate=1000 --seconds=10 --no-relay`, and the
 *            start-to-queue latency across the nodes (`--nodes=2 --queue=300`)
 *   widget   dist/widget.js raw and gzip -9 (`NODE_ENV=production vite build`, into a temporary
 *            directory so that widget/dist, which the server serves, is not touched)
 *
 * Children's output goes to stderr and to $TMPDIR/lc-bench-matrix-<time>/<part>.log (with their
 * JSON); the report goes to stdout.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn, spawnSync } = require('child_process');

const argv = process.argv.slice(2);
const arg = (name, def) => {
  const a = argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!a) return def;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : 'true';
};
const flag = (name) => argv.includes(`--${name}`);

const appDir = path.resolve(__dirname, '..');
const QUICK = flag('quick');
const ALL = ['latency', 'idle', 'queue', 'upload', 'nodes', 'widget'];
const ONLY = arg('only', ALL.join(','))
  .split(',')
  .map((x) => x.trim())
  .filter(Boolean);
for (const p of ONLY) {
  if (!ALL.includes(p)) {
    console.error(`--only: unknown part "${p}" (parts: ${ALL.join(', ')})`);
    process.exit(2);
  }
}
const DB = arg('db', 'sqlite');
const QUIET_WAIT = arg('quiet-wait', QUICK ? '0' : '180');
const OUT = arg('out', '');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const workDir = path.join(os.tmpdir(), `lc-bench-matrix-${stamp}`);
fs.mkdirSync(workDir, { recursive: true });

/**
 * The file descriptor limit the bench's processes can get (one per socket): only a process with
 * CAP_SYS_RESOURCE raises the hard limit. The idle steps stay under it: 10,000, 20,000, 30,000
 * when 32,000 descriptors are available, else 10,000, 15,000 and the limit less 1,000.
 */
const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -Hn 32000 2>/dev/null; ulimit -n 32000 2>/dev/null || ulimit -n $(ulimit -Hn) 2>/dev/null; ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || 0;
const idleSteps = fdLimit >= 32000 ? [10000, 20000, 30000] : [...new Set([10000, 15000, Math.floor((fdLimit - 1000) / 1000) * 1000])].filter((x) => x > 0 && x <= fdLimit - 1000).sort((a, b) => a - b);

/** Scale of each part: the full matrix, and --quick (seconds, to check that everything runs). */
const S = QUICK
  ? {
      latency: { chats: [20, 50, 100], steps: [100, 200], ref: 100, seconds: 1, warmup: 0 },
      idle: { steps: [100, 200], idleSeconds: 2, perLoad: 150 },
      queue: { n: 30, rate: 20, warmup: 0 },
      upload: { runs: 2, mib: 10 },
      nodes: { chats: 20, rate: 100, seconds: 2, warmup: 0, queue: 20, queueRate: 20 },
    }
  : {
      latency: { chats: [100, 1000, 5000], steps: [1000, 2000, 3000, 4000, 6000], ref: 1000, seconds: 5, warmup: 2 },
      idle: { steps: arg('idle-steps', '') ? arg('idle-steps', '').split(',').map(Number) : idleSteps, idleSeconds: 5, perLoad: 15000 },
      queue: { n: 500, rate: 20, warmup: 2 },
      upload: { runs: 10, mib: 10 },
      nodes: { chats: 1000, rate: 1000, seconds: 10, warmup: 2, queue: 300, queueRate: 20 },
    };

const log = (...a) => console.error(...a);
const fmt = (x) => (x === null || x === undefined ? '–' : typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(x));
const mibs = (b) => Math.round(b / 1048576);

let current = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    // the child cleans up after itself on SIGTERM (databases, Redis keys, temporary directories)
    if (current) current.kill('SIGTERM');
    setTimeout(() => process.exit(130), 3000);
  });
}

/** Runs `node bench/<script> ...args`, output to stderr and to <part>.log; resolves with its exit code. */
function run(part, script, args) {
  const logFile = path.join(workDir, `${part}.log`);
  const out = fs.createWriteStream(logFile, { flags: 'a' });
  const cmd = `node bench/${script} ${args.join(' ')}`;
  log(`\n=== ${part}: ${cmd}`);
  out.write(`$ ${cmd}\n`);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(__dirname, script), ...args], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
    current = p;
    const tee = (d) => {
      process.stderr.write(d);
      out.write(d);
    };
    p.stdout.on('data', tee);
    p.stderr.on('data', tee);
    p.on('exit', (code, sig) => {
      current = null;
      out.end();
      resolve(code ?? (sig ? 128 : 1));
    });
  });
}

/** `node bench/<script> ... --json=<file>` → the parsed JSON, or { error }. */
async function runJson(part, name, script, args) {
  const file = path.join(workDir, `${name}.json`);
  const t = Date.now();
  const code = await run(part, script, [...args, `--json=${file}`]);
  const secs = Math.round((Date.now() - t) / 1000);
  if (code !== 0 || !fs.existsSync(file)) return { error: `\`node bench/${script} ${args.join(' ')}\` exited with ${code} (see ${path.join(workDir, `${part}.log`)})`, secs };
  return { ...JSON.parse(fs.readFileSync(file, 'utf8')), secs, cmd: `node bench/${script} ${args.filter((a) => a !== '--no-compile').join(' ')}` };
}

const common = () => ['--no-compile', `--quiet-wait=${QUIET_WAIT}`];

const parts = {
  async latency() {
    const L = S.latency;
    const runs = [];
    for (const chats of L.chats) {
      runs.push(
        await runJson('latency', `latency-${chats}`, 'realtime.js', [
          '--max',
          '--until=throughput',
          `--chats=${chats}`,
          `--steps=${L.steps.join(',')}`,
          `--seconds=${L.seconds}`,
          `--warmup=${L.warmup}`,
          `--db=${DB}`,
          ...common(),
        ])
      );
    }
    const lines = [];
    lines.push(`### Messages on one node next to a bare Socket.IO relay`);
    lines.push('');
    lines.push(`\`node bench/realtime.js --max --until=throughput --chats=N --steps=${L.steps.join(',')} --seconds=${L.seconds} --warmup=${L.warmup}${DB !== 'sqlite' ? ` --db=${DB}` : ''}\` for N = ${L.chats.join(', ')}: 10 agents, chats started over REST and accepted, then messages on an open-loop schedule, alternately visitor→agent and agent→visitor, in ${L.seconds} s steps of rising rate (after a ${L.warmup} s warm-up each), until a rate is no longer stored whole. Latency = the other side's \`message:created\` − the time the message was due. "Stored whole": nothing lost, doubled or misrouted, every ack fine, ≥ 95 % of the rate stored.`);
    lines.push('');
    lines.push(`| concurrent chats | target | p50 at ${fmt(L.ref)} msg/s (ms) | p99 at ${fmt(L.ref)} msg/s (ms) | max at ${fmt(L.ref)} msg/s (ms) | highest rate stored whole (msg/s) | highest rate with p99 < 15 ms (msg/s) | server CPU at ${fmt(L.ref)} msg/s | others' CPU (% of a core) |`);
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const [i, r] of runs.entries()) {
      const chats = L.chats[i];
      if (r.error) {
        lines.push(`| ${fmt(chats)} | – | ${r.error} | | | | | | |`);
        continue;
      }
      for (const [kind, o] of Object.entries(r.results)) {
        const at = o.steps.find((x) => x.rate === L.ref);
        const last = o.steps[o.steps.length - 1];
        const stored = o.bestStoredRate === null ? 'none' : `${fmt(o.bestStoredRate)}${o.everyStepPassed ? ' (every step; more not tried)' : ''}`;
        lines.push(
          `| ${fmt(chats)} | ${kind === 'strapi' ? `Strapi + ${DB}` : 'bare relay'} | ${at ? fmt(at.latency.p50) : '–'} | ${at ? fmt(at.latency.p99) : '–'} | ${at ? fmt(at.latency.max) : '–'} | ${stored} | ${o.bestP99Rate === null ? 'none' : fmt(o.bestP99Rate)} | ${at ? `${at.serverCpuPct} %` : '–'} | ${at ? at.othersPct : last ? last.othersPct : '–'} |`
        );
      }
    }
    const secs = runs.reduce((a, r) => a + r.secs, 0);
    lines.push('');
    lines.push(`(${secs} s for this part.)`);
    return { lines, secs };
  },

  async idle() {
    const I = S.idle;
    const r = await runJson('idle', 'idle', 'realtime.js', [`--idle=${I.steps.join(',')}`, `--idle-seconds=${I.idleSeconds}`, `--per-load=${I.perLoad}`, '--no-relay', `--db=${DB}`, ...common()]);
    const lines = [`### Idle widgets on one node`, ''];
    lines.push(`\`node bench/realtime.js --idle=${I.steps.join(',')} --idle-seconds=${I.idleSeconds}${I.perLoad !== 15000 ? ` --per-load=${I.perLoad}` : ''} --no-relay\`: each step adds chats (started and accepted through the services) and one idle visitor socket per chat, from load processes of ${fmt(I.perLoad)} sockets each on their own source addresses, then checks after ${I.idleSeconds} s of idling (pings, the sweeper) that every socket is still connected; it stops at the first step that fails. Memory per connection = the server's growth while sockets connected (after a full GC; chat creation excluded) ÷ sockets held.`);
    lines.push('');
    if (r.error) return { lines: [...lines, r.error], secs: r.secs };
    const o = r.results.strapi;
    lines.push(`| step | held | refused | connected in (ms) | server RSS (MiB) | heap used (MiB) | RSS per connection (KiB) | heap per connection (KiB) | idle: server CPU / event-loop delay p99 |`);
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const x of o.rows) lines.push(`| ${fmt(x.step)} | ${fmt(x.alive)} | ${fmt(x.failed)} | ${fmt(x.connectMs)} | ${mibs(x.baseRss)} → ${mibs(x.rss)} | ${mibs(x.baseHeap)} → ${mibs(x.heapUsed)} | ${x.rssPerConn.toFixed(1)} | ${x.heapPerConn.toFixed(1)} | ${x.idleCpuPct} % / ${x.idleEldP99} ms |`);
    lines.push('');
    const L = o.largest;
    const bound = !o.failure && r.fdLimit - 1000 <= Math.max(...r.steps) ? ` — the largest step the file descriptor limit allows (${fmt(r.fdLimit)} per process, one per socket): the node's own limit was not reached` : '';
    lines.push(`**Largest count held: ${L ? fmt(L.alive) : 'none'}**${L ? ` (${L.rssPerConn.toFixed(1)} KiB RSS, ${L.heapPerConn.toFixed(1)} KiB heap per connection)` : ''}; ${o.failure ? `stopped at ${o.failure}` : `every step held${bound || ': the limit is higher than the largest step'}`}. File descriptor limit of the processes: ${fmt(r.fdLimit)}. (${r.secs} s for this part.)`);
    return { lines, secs: r.secs };
  },

  async queue() {
    const Q = S.queue;
    const r = await runJson('queue', 'queue', 'realtime.js', [`--queue=${Q.n}`, `--queue-rate=${Q.rate}`, `--warmup=${Q.warmup}`, `--db=${DB}`, ...common()]);
    const lines = [`### "Iniciar Chat" to the agents' queue`, ''];
    lines.push(`\`node bench/realtime.js --queue=${Q.n} --queue-rate=${Q.rate}\`: 10 agents online, then ${Q.n} chats started over REST (\`POST /api/live-chat/chats\`, what "Iniciar Chat" sends) at ${Q.rate} per second on an open-loop schedule (after ${Q.warmup} s of warm-up starts); per chat, the time from the POST being due to an agent socket receiving its \`queue:added\`. Chats stay waiting (the queue grows to ${Q.n}).`);
    lines.push('');
    if (r.error) return { lines: [...lines, r.error], secs: r.secs };
    lines.push(...queueTable(r, ['strapi']));
    lines.push('', `(${r.secs} s for this part.)`);
    return { lines, secs: r.secs };
  },

  async upload() {
    const U = S.upload;
    const r = await runJson('upload', 'upload', 'upload.js', [`--runs=${U.runs}`, `--mib=${U.mib}`, '--no-compile']);
    const lines = [`### A ${U.mib} MiB upload next to a plain Node stream to disk`, ''];
    lines.push(`\`node bench/upload.js --runs=${U.runs}\`: a ${U.mib} MiB PNG into a chat (\`POST /api/live-chat/chats/:id/files\`: multipart, the upload gate, SHA-256, the upload plugin, private storage, message and attachment rows) and the same body to a plain Node HTTP server piping it to disk, alternated, over loopback, after one warm-up each.`);
    lines.push('');
    if (r.error) return { lines: [...lines, r.error], secs: r.secs };
    lines.push('| path | min (ms) | p50 (ms) | max (ms) | MiB/s at p50 |', '|---|---|---|---|---|');
    const row = (label, x) => `| ${label} | ${x.min.toFixed(1)} | ${x.p50.toFixed(1)} | ${x.max.toFixed(1)} | ${(r.mib / (x.p50 / 1000)).toFixed(0)} |`;
    lines.push(row('chat upload', r.chat), row('plain Node stream to disk', r.plain));
    lines.push('', `(${r.secs} s for this part.)`);
    return { lines, secs: r.secs };
  },

  async nodes() {
    const N = S.nodes;
    const m = await runJson('nodes', 'nodes-messages', 'realtime.js', ['--nodes=2', `--chats=${N.chats}`, `--rate=${N.rate}`, `--seconds=${N.seconds}`, `--warmup=${N.warmup}`, '--no-relay', ...common()]);
    const q = await runJson('nodes', 'nodes-queue', 'realtime.js', ['--nodes=2', `--queue=${N.queue}`, `--queue-rate=${N.queueRate}`, `--warmup=${N.warmup}`, ...common()]);
    const lines = [`### Two nodes with Redis against one node (PostgreSQL)`, ''];
    lines.push(`\`node bench/realtime.js --nodes=2 --chats=${N.chats} --rate=${N.rate} --seconds=${N.seconds} --no-relay\` and \`node bench/realtime.js --nodes=2 --queue=${N.queue} --queue-rate=${N.queueRate}\`: the same load on one Strapi node, then on two Strapi nodes sharing one PostgreSQL database and one Redis (Socket.IO's Redis adapter, shared rate-limit counters), visitors and REST starts on node A, agents on node B, so every message and queue event crosses Redis. Both nodes run on core 0, the one node's CPU budget (the load process has core 1).`);
    lines.push('');
    if (m.error) lines.push(m.error);
    else {
      const a = m.results.strapi;
      const b = m.results.cluster;
      const row = (label, f) => `| ${label} | ${f(a)} | ${f(b)} |`;
      lines.push(`| ${fmt(N.chats)} chats at ${fmt(N.rate)} msg/s for ${N.seconds} s | one node | two nodes + Redis |`, '|---|---|---|');
      lines.push(
        row('stored msg/s', (o) => fmt(o.achieved)),
        row('latency p50 / p90 / p99 / max (ms)', (o) => `${fmt(o.latency.p50)} / ${fmt(o.latency.p90)} / ${fmt(o.latency.p99)} / ${fmt(o.latency.max)}`),
        row('ack p50 / p99 (ms)', (o) => `${fmt(o.ackLatency.p50)} / ${fmt(o.ackLatency.p99)}`),
        row('lost / doubled / misrouted / failed acks', (o) => `${o.lost} / ${o.doubled} / ${o.misrouted} / ${o.failedAcks}`),
        row('server CPU (% of a core, nodes summed)', (o) => o.serverCpuPct),
        row('server event-loop delay p99 / max (ms, worst node)', (o) => `${o.serverEld.p99} / ${o.serverEld.max}`),
        row('server RSS at the end (MiB, nodes summed)', (o) => o.serverRssMiB),
        row("others' CPU during the run (% of a core)", (o) => o.othersPct)
      );
    }
    lines.push('');
    if (q.error) lines.push(q.error);
    else lines.push(...queueTable(q, ['strapi', 'cluster']));
    const secs = m.secs + q.secs;
    lines.push('', `(${secs} s for this part.)`);
    return { lines, secs };
  },

  async widget() {
    const t = Date.now();
    const outDir = path.join(workDir, 'widget-dist');
    const widgetDir = path.join(appDir, 'widget');
    const vite = path.join(widgetDir, 'node_modules', '.bin', 'vite');
    const lines = [`### The widget`, ''];
    lines.push('`cd widget && NODE_ENV=production npx vite build` (here into a temporary `--outDir`), then `gzip -9`:');
    lines.push('');
    log(`\n=== widget: NODE_ENV=production vite build --outDir ${outDir}`);
    const b = spawnSync(vite, ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: widgetDir, env: { ...process.env, NODE_ENV: 'production' }, encoding: 'utf8' });
    fs.writeFileSync(path.join(workDir, 'widget.log'), `${b.stdout ?? ''}${b.stderr ?? ''}`);
    const file = path.join(outDir, 'widget.js');
    if (b.status !== 0 || !fs.existsSync(file)) return { lines: [...lines, `vite build failed (${b.status}): ${(b.stderr || b.error || '').toString().slice(0, 500)}`], secs: Math.round((Date.now() - t) / 1000) };
    const raw = fs.readFileSync(file);
    const gz = spawnSync('sh', ['-c', `gzip -9c "${file}" | wc -c`], { encoding: 'utf8' });
    const gzip = gz.status === 0 ? Number(gz.stdout.trim()) : zlib.gzipSync(raw, { level: 9 }).length;
    const secs = Math.round((Date.now() - t) / 1000);
    lines.push('| file | raw | gzip -9 | target |', '|---|---|---|---|');
    lines.push(`| \`dist/widget.js\` | ${fmt(raw.length)} B | **${fmt(gzip)} B (${(gzip / 1024).toFixed(1)} KiB)** | 35 KB: ${gzip <= 35000 ? 'met' : 'MISSED'} |`);
    lines.push('', `(${secs} s for this part.)`);
    return { lines, secs };
  },
};

/** The start-to-queue table of a `realtime.js --queue` result, one column per target. */
function queueTable(r, kinds) {
  const label = (k) => (k === 'strapi' ? (r.nodes > 1 ? 'one node' : `Strapi + ${r.db}`) : 'two nodes + Redis (POST on A, agents on B)');
  const ks = kinds.filter((k) => r.results[k]);
  const pc = (x) => `${fmt(x.p50)} / ${fmt(x.p90)} / ${fmt(x.p99)} / ${fmt(x.max)}`;
  const row = (l, f) => `| ${l} | ${ks.map((k) => f(r.results[k])).join(' | ')} |`;
  return [
    `| ${fmt(r.n)} chats at ${r.rate}/s, ${r.agents} agents (${r.db}) | ${ks.map(label).join(' | ')} |`,
    `|---|${ks.map(() => '---').join('|')}|`,
    row('chats started / queue event never seen', (o) => `${fmt(o.started)} / ${o.notSeen}`),
    row('**POST → first agent has it**, p50 / p90 / p99 / max (ms)', (o) => pc(o.firstAgent)),
    row(`POST → all ${r.agents} agents have it, p50 / p90 / p99 / max (ms)`, (o) => pc(o.everyAgent)),
    row("POST → its 201 answer, p50 / p90 / p99 / max (ms)", (o) => pc(o.postAnswer)),
    row('server CPU (% of a core) / event-loop delay p99 (ms)', (o) => `${o.server.cpuPct} / ${o.server.eld.p99}`),
    row("others' CPU (% of a core)", (o) => o.othersPct),
  ];
}

async function compile() {
  const { compileStrapi } = require('@strapi/strapi');
  for (let attempt = 1; ; attempt++) {
    try {
      const t = Date.now();
      await compileStrapi({ appDir });
      log(`compile (tsc → dist/): ${Date.now() - t} ms`);
      return;
    } catch (e) {
      // someone else may be rebuilding dist/ in the same checkout at the same moment
      if (attempt >= 3) throw e;
      log(`compile failed (${String(e.message).split('\n')[0]}); retrying in 10 s...`);
      await new Promise((res) => setTimeout(res, 10000));
    }
  }
}

(async () => {
  const t0 = Date.now();
  const load0 = os.loadavg();
  log(`bench/matrix.js${QUICK ? ' --quick' : ''}: parts ${ONLY.join(', ')}; logs and JSON in ${workDir}`);
  if (!flag('no-compile') && ONLY.some((p) => p !== 'widget')) await compile();
  const sections = [];
  const times = [];
  for (const p of ALL.filter((x) => ONLY.includes(x))) {
    const t = Date.now();
    let res;
    try {
      res = await parts[p]();
    } catch (e) {
      res = { lines: [`### ${p}`, '', `failed: ${e.message}`] };
    }
    times.push([p, Math.round((Date.now() - t) / 1000)]);
    sections.push(res.lines.join('\n'));
  }
  const total = Math.round((Date.now() - t0) / 1000);
  const cpu = os.cpus();
  const head = [
    `## The issue 9 matrix${QUICK ? ' (--quick: toy scale, checks the scripts; these figures mean nothing)' : ''}`,
    '',
    `\`node bench/matrix.js${QUICK ? ' --quick' : ''}${ONLY.length < ALL.length ? ` --only=${ONLY.join(',')}` : ''}\` — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpu.length} × ${cpu[0] && cpu[0].model}, ${mibs(os.totalmem())} MiB; load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after; ${total} s in all (${times.map(([p, s]) => `${p} ${s} s`).join(', ')}).`,
    '',
  ].join('\n');
  const report = `${head}\n${sections.join('\n\n')}\n`;
  process.stdout.write(`\n${report}`);
  fs.writeFileSync(path.join(workDir, 'report.md'), report);
  if (OUT) fs.writeFileSync(OUT, report);
  log(`\nreport: ${path.join(workDir, 'report.md')}${OUT ? ` and ${OUT}` : ''}`);
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
