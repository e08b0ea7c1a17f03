#!/usr/bin/env node
/**
 * The upload path (issue 5): time to send a 10 MiB file into a chat (POST /api/live-chat/chats/:id/files:
 * multipart parsing, the upload gate, SHA-256, the upload plugin's pipeline, private storage, the
 * message and its attachment row), next to a plain Node HTTP server that streams the same request
 * body to disk, measured in the same run over loopback.
 *   node bench/upload.js [--runs=10] [--mib=10] [--no-compile] [--json=FILE]
 * --no-compile uses dist/ as it is; --json writes the figures as JSON too (bench/matrix.js reads it).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const crypto = require('crypto');

const arg = (name, def) => (process.argv.find((a) => a.startsWith(`--${name}=`)) || '').split('=')[1] || def;
const RUNS = Number(arg('runs', '10'));
const BYTES = Math.round(Number(arg('mib', '10')) * 1024 * 1024);
const appDir = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-bench-upload-'));
fs.mkdirSync(path.join(tmp, 'public', 'uploads'), { recursive: true });

Object.assign(process.env, {
  NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', STRAPI_TELEMETRY_DISABLED: 'true',
  APP_KEYS: 'a,b', API_TOKEN_SALT: 's', ADMIN_JWT_SECRET: 's', TRANSFER_TOKEN_SALT: 's', JWT_SECRET: 's',
  ENCRYPTION_KEY: 's', LIVE_CHAT_SECRET: 's', DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.join(tmp, 'data.db'),
  PUBLIC_DIR: path.join(tmp, 'public'), UPLOADS_DIR: path.join(tmp, 'files'), UPLOAD_TMP_DIR: tmp,
  LIVE_CHAT_RATE_MESSAGE_POINTS: '100000', LIVE_CHAT_RATE_START_POINTS: '100000',
});

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { min: s[0], p50: q(0.5), max: s[s.length - 1] };
};

/** A PNG of exactly BYTES bytes (a real header, padded), as the chat accepts it. */
const png = Buffer.concat([fs.readFileSync(path.join(appDir, 'tests/fixtures/uploads/sample.png'))]);
const body = Buffer.concat([png, crypto.randomBytes(BYTES - png.length)]);

async function timeUpload(url, headers) {
  const form = new FormData();
  form.append('file', new Blob([body], { type: 'image/png' }), 'big.png');
  const t = process.hrtime.bigint();
  const res = await fetch(url, { method: 'POST', body: form, headers });
  await res.arrayBuffer();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload answered ${res.status}`);
  return ms;
}

(async () => {
  // the baseline: a plain Node server streaming the request to disk
  const plain = http.createServer((req, res) => {
    const out = fs.createWriteStream(path.join(tmp, `plain-${crypto.randomUUID()}`));
    req.pipe(out).on('finish', () => {
      res.statusCode = 201;
      res.end('{}');
    });
  });
  await new Promise((r) => plain.listen(0, '127.0.0.1', r));
  const plainUrl = `http://127.0.0.1:${plain.address().port}/`;

  const { compileStrapi, createStrapi } = require('@strapi/strapi');
  const distDir = process.argv.includes('--no-compile') ? path.join(appDir, 'dist') : (await compileStrapi({ appDir })).distDir;
  const strapi = await createStrapi({ appDir, distDir }).load();
  strapi.server.mount();
  await new Promise((r) => strapi.server.httpServer.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${strapi.server.httpServer.address().port}`;
  const dep = await strapi.db.query('api::department.department').findOne({ where: { name: 'Suporte' } });
  const started = await strapi.plugin('live-chat').service('chats').start({ name: 'Bench', email: 'b@example.com', question: 'upload', departmentId: dep.id }, {});
  const chatUrl = `${base}/api/live-chat/chats/${started.chat.id}/files`;
  const auth = { authorization: `Bearer ${started.token}` };

  // warm-up, then alternate the two so that both see the same machine
  await timeUpload(chatUrl, auth);
  await timeUpload(plainUrl, {});
  const chat = [];
  const base0 = [];
  for (let i = 0; i < RUNS; i++) {
    chat.push(await timeUpload(chatUrl, auth));
    base0.push(await timeUpload(plainUrl, {}));
  }
  const c = stats(chat);
  const p = stats(base0);
  const mb = BYTES / 1024 / 1024;
  console.log(`\n${mb} MiB file, ${RUNS} runs each (after one warm-up), loopback`);
  console.log('| path | min ms | p50 ms | max ms | MiB/s at p50 |');
  console.log('|---|---|---|---|---|');
  console.log(`| chat upload (POST /api/live-chat/chats/:id/files) | ${c.min.toFixed(1)} | ${c.p50.toFixed(1)} | ${c.max.toFixed(1)} | ${(mb / (c.p50 / 1000)).toFixed(0)} |`);
  console.log(`| plain Node stream to disk | ${p.min.toFixed(1)} | ${p.p50.toFixed(1)} | ${p.max.toFixed(1)} | ${(mb / (p.p50 / 1000)).toFixed(0)} |`);
  const json = arg('json', '');
  if (json) fs.writeFileSync(json, JSON.stringify({ mode: 'upload', mib: mb, runs: RUNS, chat: c, plain: p, loadavg: os.loadavg() }, null, 2));
  await strapi.destroy();
  plain.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
})().catch((e) => {
  console.error(e);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
