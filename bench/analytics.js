#!/usr/bin/env node
/**
 * History and analytics at scale (issue 8): generates a realistic synthetic history — months of
 * chats in the four departments, Portuguese questions drawn from a vocabulary of support topics
 * at known weights, ten messages each, tags, agents, ratings — writing in batches through knex
 * (the Document Service would take about an hour for a million messages), extracts the terms as
 * the sweeper does, then times every analytics endpoint and the documented REST/GraphQL history
 * queries over HTTP against one in-process Strapi.
 *
 *   node bench/analytics.js [--db=sqlite|postgres] [--chats=100000] [--messages=10] [--days=180] [--runs=5] [--reuse]
 *
 * --reuse keeps the generated database (SQLite: $TMPDIR/lc-bench-analytics-<chats>-<messages>.db; PostgreSQL:
 * lc_bench_analytics_<chats>_<messages>) and reuses it on the next run instead of generating it again.
 *
 * Prints markdown tables (generation, extraction, then min / p50 / max ms per query) and the
 * machine's load average, for docs/performance.md.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');

const arg = (name, def) => (process.argv.find((a) => a.startsWith(`--${name}=`)) || '').split('=')[1] || def;
const DB = arg('db', 'sqlite');
const CHATS = Number(arg('chats', '100000'));
const PER_CHAT = Number(arg('messages', '10'));
const DAYS = Number(arg('days', '180'));
const RUNS = Number(arg('runs', '5'));
const REUSE = process.argv.includes('--reuse');
const appDir = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-bench-analytics-'));
const pgName = REUSE ? `lc_bench_analytics_${CHATS}_${PER_CHAT}` : `lc_bench_analytics_${process.pid}`;
const sqliteFile = REUSE ? path.join(os.tmpdir(), `lc-bench-analytics-${CHATS}-${PER_CHAT}.db`) : path.join(tmp, 'data.db');

Object.assign(process.env, {
  NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', STRAPI_TELEMETRY_DISABLED: 'true',
  APP_KEYS: 'a,b', API_TOKEN_SALT: 's', ADMIN_JWT_SECRET: 's', TRANSFER_TOKEN_SALT: 's', JWT_SECRET: 's',
  ENCRYPTION_KEY: 's', LIVE_CHAT_SECRET: 's', PUBLIC_DIR: path.join(tmp, 'public'), UPLOADS_DIR: path.join(tmp, 'files'),
  UPLOAD_TMP_DIR: tmp, LIVE_CHAT_SWEEP_INTERVAL_MS: '3600000',
  ...(DB === 'postgres'
    ? { DATABASE_CLIENT: 'postgres', DATABASE_HOST: '127.0.0.1', DATABASE_PORT: '5432', DATABASE_USERNAME: 'postgres', DATABASE_PASSWORD: '', DATABASE_NAME: pgName, DATABASE_URL: '' }
    : { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: sqliteFile }),
});
fs.mkdirSync(path.join(tmp, 'public', 'uploads'), { recursive: true });

const { createGenerator, writeBatch, extractTerms } = require('./synthetic-history');

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], p50: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
};

(async () => {
  if (DB === 'postgres') {
    const { Client } = require('pg');
    const c = new Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
    await c.connect();
    const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [pgName])).rowCount > 0;
    if (!exists) await c.query(`CREATE DATABASE "${pgName}"`);
    await c.end();
  }
  const { compileStrapi, createStrapi } = require('@strapi/strapi');
  const { distDir } = await compileStrapi({ appDir });
  const strapi = await createStrapi({ appDir, distDir }).load();
  strapi.server.mount();
  await new Promise((r) => strapi.server.httpServer.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${strapi.server.httpServer.address().port}`;
  const knex = strapi.db.connection;
  const pg = DB === 'postgres';
  const t = (ms) => (pg ? new Date(ms) : ms);
  const load0 = os.loadavg()[0];

  // --- generation ---------------------------------------------------------------------------
  const reused = REUSE && Number((await knex('chats').count({ n: '*' }).first()).n) >= CHATS;
  const deps = Object.fromEntries((await knex('departments').select('id', 'name')).map((d) => [d.name, d.id]));
  let nowOverride = null;
  let now = Date.now();
  let start = now - DAYS * 86_400_000;
  let messagesWritten = 0;
  let tGen = Date.now();
  const BATCH = 500;
  const generator = createGenerator({ deps, start, now, perChat: PER_CHAT, pg });
  const emails = generator.emails;
  for (let b = 0; b < (reused ? 0 : CHATS); b += BATCH) {
    const n = Math.min(BATCH, CHATS - b);
    messagesWritten += await writeBatch(knex, generator.batch(n));
    if ((b / BATCH) % 40 === 0) process.stderr.write(`\r${b + n} chats, ${messagesWritten} messages`);
  }
  const genMs = Date.now() - tGen;
  process.stderr.write('\n');

  // --- term extraction, as the sweeper does it ------------------------------------------------
  // as autovacuum would have by then: planner statistics of the generated tables
  await knex.raw('ANALYZE');
  let tTerms = Date.now();
  const indexed = await extractTerms(strapi);
  const termsMs = Date.now() - tTerms;
  const termRows = Number((await knex('live_chat_terms').count({ n: '*' }).first()).n);
  if (reused) {
    messagesWritten = Number((await knex('messages').count({ n: '*' }).first()).n);
    const range = await knex('chats').min({ a: 'queued_at' }).max({ b: 'queued_at' }).first();
    const ms = (v) => (v instanceof Date ? v.getTime() : Number(v));
    // the generated history ends when it was generated: measure the same periods
    nowOverride = ms(range.b) + 3_600_000;
    for (const r of await knex('chats').distinct('visitor_email').limit(50)) emails.push(r.visitor_email);
  }
  await knex.raw('ANALYZE');

  // --- who asks ------------------------------------------------------------------------------
  const role = await strapi.db.query('admin::role').findOne({ where: { code: 'strapi-super-admin' } });
  const user = await strapi.db.query('admin::user').create({ data: { firstname: 'Bench', lastname: 'Admin', email: `bench-${crypto.randomUUID()}@example.com`, isActive: true, blocked: false, roles: [role.id] } });
  const manager = strapi.sessionManager('admin');
  const { token: refresh } = await manager.generateRefreshToken(String(user.id), crypto.randomUUID(), { type: 'session' });
  const adminToken = (await manager.generateAccessToken(refresh)).token;
  const apiToken = (await strapi.service('admin::api-token').create({ name: `bench-${crypto.randomUUID()}`, type: 'read-only', lifespan: null })).accessKey;

  if (nowOverride) {
    now = nowOverride;
    start = now - DAYS * 86_400_000;
  }
  const day = (ms) => new Date(ms - 3 * 3_600_000).toISOString().slice(0, 10);
  const last30 = `from=${day(now - 29 * 86_400_000)}&to=${day(now)}`;
  const all = `from=${day(start)}&to=${day(now)}`;
  const fin = deps.Financeiro;
  const monthFrom = new Date(now - 60 * 86_400_000).toISOString();
  const monthTo = new Date(now - 30 * 86_400_000).toISOString();
  const email = emails[7];

  const queries = [
    ['analytics', `volume, ${DAYS} days`, `/live-chat/analytics/volume?${all}`],
    ['analytics', 'volume, 30 days', `/live-chat/analytics/volume?${last30}`],
    ['analytics', `service (p50/p90), ${DAYS} days`, `/live-chat/analytics/service?${all}`],
    ['analytics', `hours, ${DAYS} days`, `/live-chat/analytics/hours?${all}`],
    ['analytics', `agents, ${DAYS} days`, `/live-chat/analytics/agents?${all}`],
    ['analytics', `demands (tags + subjects, trend), ${DAYS} days`, `/live-chat/analytics/demands?${all}`],
    ['analytics', 'demands, 30 days, Financeiro', `/live-chat/analytics/demands?${last30}&departmentIds=${fin}`],
    ['analytics', 'demand drill-down (boleto), page 1', `/live-chat/analytics/demands/chats?${all}&departmentIds=${fin}&term=bolet`],
    ['analytics', `satisfaction, ${DAYS} days`, `/live-chat/analytics/satisfaction?${all}`],
    ['analytics', `CSV export of demands, ${DAYS} days`, `/live-chat/analytics/export/demands?${all}`],
    ['rest', 'chats of Financeiro in a 30-day range with messages (100), as docs/analytics.md (message fields chosen)', `/api/chats?filters[department][name][$eq]=Financeiro&filters[queuedAt][$gte]=${monthFrom}&filters[queuedAt][$lt]=${monthTo}&sort[0]=queuedAt:asc&populate[messages][sort][0]=seq:asc&populate[messages][fields][0]=seq&populate[messages][fields][1]=sender&populate[messages][fields][2]=senderName&populate[messages][fields][3]=body&populate[messages][fields][4]=createdAt&pagination[page]=1&pagination[pageSize]=100`],
    ['rest', 'the same, 25 chats a page', `/api/chats?filters[department][name][$eq]=Financeiro&filters[queuedAt][$gte]=${monthFrom}&filters[queuedAt][$lt]=${monthTo}&sort[0]=queuedAt:asc&populate[messages][sort][0]=seq:asc&populate[messages][fields][0]=seq&populate[messages][fields][1]=sender&populate[messages][fields][2]=body&pagination[pageSize]=25`],
    ['rest', 'chats of Financeiro in a 30-day range with every message field (100)', `/api/chats?filters[department][name][$eq]=Financeiro&filters[queuedAt][$gte]=${monthFrom}&filters[queuedAt][$lt]=${monthTo}&sort[0]=queuedAt:asc&populate[messages][sort][0]=seq:asc&pagination[pageSize]=100`],
    ['rest', 'all chats of one e-mail ($eqi)', `/api/chats?filters[visitorEmail][$eqi]=${encodeURIComponent(email.toUpperCase())}&sort[0]=queuedAt:desc&populate[messages][sort][0]=seq:asc&pagination[pageSize]=100`],
    ['rest', 'left messages not answered (100)', `/api/chats?filters[status][$eq]=left_message&sort[0]=queuedAt:asc&fields[0]=visitorName&fields[1]=visitorEmail&fields[2]=question&pagination[pageSize]=100`],
    ['graphql', 'chats of Financeiro in a 30-day range with messages (100)', { query: `query($from: DateTime!, $to: DateTime!) { chats(filters: { department: { name: { eq: "Financeiro" } }, queuedAt: { gte: $from, lt: $to } }, sort: "queuedAt:asc", pagination: { pageSize: 100 }) { documentId question messages(sort: "seq:asc", pagination: { pageSize: 100 }) { seq body } } }`, variables: { from: monthFrom, to: monthTo } }],
    ['graphql', 'all chats of one e-mail (eqi)', { query: `query($e: String!) { chats(filters: { visitorEmail: { eqi: $e } }, sort: "queuedAt:desc", pagination: { pageSize: 100 }) { documentId question messages(sort: "seq:asc") { seq body } } }`, variables: { e: email.toUpperCase() } }],
    ['graphql', 'left messages not answered (100)', { query: '{ chats(filters: { status: { eq: "left_message" } }, sort: "queuedAt:asc", pagination: { pageSize: 100 }) { documentId visitorName question } }' }],
  ];

  const rows = [];
  for (const [kind, label, q] of queries) {
    const run = async () => {
      const t0 = process.hrtime.bigint();
      const res =
        kind === 'graphql'
          ? await fetch(`${base}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(q) })
          : await fetch(`${base}${q}`, { headers: { authorization: `Bearer ${kind === 'rest' ? apiToken : adminToken}` } });
      const text = await res.text();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 200 || /"errors"/.test(text.slice(0, 20))) throw new Error(`${label}: ${res.status} ${text.slice(0, 300)}`);
      return { ms, bytes: text.length };
    };
    await run(); // warm-up
    const times = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await run();
      times.push(r.ms);
      bytes = r.bytes;
    }
    rows.push({ kind, label, ...stats(times), bytes });
  }

  const chatsN = Number((await knex('chats').count({ n: '*' }).first()).n);
  console.log(`\n${DB}: ${chatsN} chats, ${messagesWritten} messages over ${DAYS} days; load average ${load0.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end (2 cores)`);
  if (!reused) console.log(`generation (knex, ${BATCH} chats per transaction): ${(genMs / 1000).toFixed(1)} s (${Math.round((chatsN + messagesWritten) / (genMs / 1000))} rows/s)`);
  else console.log('(reused a generated database)');
  console.log(`term extraction: ${indexed.questions} questions + ${indexed.messages} messages scanned in ${(termsMs / 1000).toFixed(1)} s → ${termRows} term rows`);
  console.log(`\n| API | query | min ms | p50 ms | max ms | response KB |`);
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.kind} | ${r.label} | ${r.min.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.max.toFixed(0)} | ${(r.bytes / 1024).toFixed(0)} |`);

  await strapi.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
  if (pg && !REUSE) {
    const { Client } = require('pg');
    const c = new Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${pgName}" WITH (FORCE)`);
    await c.end();
  }
  process.exit(0);
})().catch(async (e) => {
  console.error(e);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
