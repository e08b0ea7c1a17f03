/**
 * What a newcomer does on a fresh clone: `npm start` (generates .env if missing, builds when no
 * build exists, starts Strapi). Serves /admin, /api and /graphql; a second start does not re-seed.
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import net from 'net';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'livechat-smoke-'));
const dbFile = path.join(tmp, 'data.db');

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

async function startApp(): Promise<{ child: ChildProcess; base: string; log: () => string }> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_CLIENT: 'sqlite',
      DATABASE_FILENAME: dbFile,
      PUBLIC_DIR: path.join(tmp, 'public'),
      LOG_LEVEL: 'info',
      STRAPI_TELEMETRY_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  // the server is up when /_health answers; fail early if the process dies
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${base}/_health`);
      if (res.status === 204) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, base, log: () => out };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map((c) => stop(c)));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('npm start serves /admin, /api and /graphql, and a second start does not re-seed', async () => {
  fs.mkdirSync(path.join(tmp, 'public', 'uploads'), { recursive: true });
  const first = await startApp();
  try {
    const admin = await fetch(`${first.base}/admin`);
    expect(admin.status).toBe(200);
    expect(await admin.text()).toMatch(/<div id="strapi"|<script/);

    const api = await (await fetch(`${first.base}/api/departments?sort=sortOrder`)).json();
    expect(api.data.map((d: any) => d.name)).toEqual(['Comercial', 'Financeiro', 'Suporte', 'Websites']);

    const gql = await fetch(`${first.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ departments(sort: "sortOrder") { name } }' }),
    });
    expect((await gql.json()).data.departments.map((d: any) => d.name)).toEqual(['Comercial', 'Financeiro', 'Suporte', 'Websites']);

    // the visitor widget and the standalone chat page are served by the app
    const page = await fetch(`${first.base}/chat`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script src="\/widget\.js" data-mode="page">/);
    const script = await fetch(`${first.base}/widget.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(10000);

    // the live-chat plugin runs from its TypeScript source under `strapi start` too
    const config = await (await fetch(`${first.base}/api/live-chat/widget-config`)).json();
    const suporte = config.departments.find((d: any) => d.name === 'Suporte');
    const started = await fetch(`${first.base}/api/live-chat/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Smoke', email: 'smoke@example.com', question: 'Funciona?', departmentId: suporte.id }),
    });
    expect(started.status).toBe(201);
    // a fresh install has no agent online: the chat becomes a left message at once
    expect(suporte.canAnswer).toBe(false);
    expect(await started.json()).toMatchObject({ status: 'left_message', queue: null });
  } finally {
    await stop(first.child);
  }

  const second = await startApp();
  try {
    const api = await (await fetch(`${second.base}/api/departments`)).json();
    expect(api.meta.pagination.total).toBe(4);
  } finally {
    await stop(second.child);
  }
}, 600_000);
