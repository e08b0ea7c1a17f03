/**
 * The console's Analytics page in real Chromium against the running app on a fresh database
 * seeded with a realistic synthetic history (bench/synthetic-history.js: four departments,
 * weighted Portuguese support topics, busier business hours, agents, tags, ratings) whose terms
 * are extracted as the sweeper does. An admin created with Strapi's CLI opens the page; the test
 * checks the figures against the seeded rows (chats in the period, the busiest week-hour cell,
 * the "boleto" group's count, the agents), that the charts are drawn (SVG bars), the drill-down
 * into a group and on to a transcript, a CSV download, "send to development" into a local
 * webhook (success, then the webhook's failure shown with its message), the empty state, and an
 * axe-core scan with no serious or critical violation. Writes docs/screenshots/console-analytics.png.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import type { AddressInfo } from 'net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStrapi, APP_DIR, TEST_DB, type TestApp } from '../helpers/strapi';
import { closeAllSockets, listen } from '../helpers/realtime';
import { ensureAdminBuild } from '../helpers/admin-build';
import { createAdminWithCli, launchChromium, loginToAdmin, closeAdminBanner } from '../helpers/admin-e2e';
import { createGenerator, extractTerms, writeBatch, type ChatMeta } from '../../bench/synthetic-history';

const SHOTS = path.join(APP_DIR, 'docs', 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'Analytics-e2e-2024';
const EMAIL = 'ana-analytics@example.com';
const ZONE = 'America/Sao_Paulo';
const DAY = 86_400_000;

let app: TestApp;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const seeded: ChatMeta[] = [];

/** A development webhook that records what it receives and answers with `status`. */
const hook = { server: null as http.Server | null, url: '', status: 200, received: [] as any[] };

beforeAll(async () => {
  ensureAdminBuild();
  hook.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hook.received.push(JSON.parse(body || '{}'));
      res.writeHead(hook.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => hook.server!.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(hook.server!.address() as AddressInfo).port}/hook`;

  app = await startStrapi({ env: { LIVE_CHAT_DEVELOPMENT_WEBHOOK_URL: hook.url, LIVE_CHAT_SWEEP_INTERVAL_MS: '3600000' } });
  base = await listen(app.strapi);

  // 240 chats over the 27 days before (about) now: all inside the page's default "last 30 days"
  const knex = app.strapi.db.connection;
  const deps = Object.fromEntries((await knex('departments').select('id', 'name')).map((d: { id: number; name: string }) => [d.name, d.id]));
  const now = Date.now() - 12 * 3_600_000; // the generator may move a night chat up to 10 h later
  const generator = createGenerator({ deps, start: now - 27 * DAY, now, perChat: 6, pg: TEST_DB === 'postgres', seed: 8 });
  for (let i = 0; i < 3; i++) {
    const batch = generator.batch(80);
    await writeBatch(knex, batch);
    seeded.push(...batch.meta);
  }
  // and a smaller month before it, for the trends (outside the page's default range)
  const previous = createGenerator({ deps, start: now - 58 * DAY, now: now - 31 * DAY, perChat: 2, pg: TEST_DB === 'postgres', seed: 9 });
  await writeBatch(knex, previous.batch(160));
  await extractTerms(app.strapi);

  await createAdminWithCli('Ana', EMAIL, PASSWORD);
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: ZONE, acceptDownloads: true });
  page = await context.newPage();
}, 300000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  closeAllSockets();
  await app?.stop();
  hook.server?.closeAllConnections();
  await new Promise((r) => hook.server?.close(r));
});

/** Weekday (0 = Sunday) and hour of an instant in São Paulo, the departments' zone. */
function weekHour(ms: number) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, weekday: 'short', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')!.value);
  return { weekday, hour: Number(parts.find((p) => p.type === 'hour')!.value) };
}

/** The busiest week-hour of the seeded chats (the first one, Sunday 0 h onwards, on a tie). */
function busiestCell() {
  const counts = new Map<string, number>();
  for (const c of seeded) {
    const { weekday, hour } = weekHour(c.queued);
    counts.set(`${weekday}:${hour}`, (counts.get(`${weekday}:${hour}`) ?? 0) + 1);
  }
  let best = { weekday: -1, hour: -1, chats: 0 };
  for (let weekday = 0; weekday < 7; weekday++)
    for (let hour = 0; hour < 24; hour++) {
      const chats = counts.get(`${weekday}:${hour}`) ?? 0;
      if (chats > best.chats) best = { weekday, hour, chats };
    }
  return best;
}

async function axeClean(p: Page, name: string) {
  // the screen at rest: the design system's primary button, hovered or just clicked, is white on
  // #7b79ff (3.5:1), a transient state of Strapi's own component
  await p.mouse.move(0, 0);
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await p.waitForTimeout(300);
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(AXE);
  const violations = await p.evaluate(async () => {
    const result = await (window as any).axe.run({ include: [['main']] }, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; impact: string; nodes: { target: string[]; failureSummary: string; html: string }[] }) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => `${n.html}: ${n.failureSummary}`) }));
  });
  expect({ name, violations }).toEqual({ name, violations: [] });
}

const section = (id: string) => page.getByTestId(`section-${id}`);
const demandRow = (term: string) => page.locator(`[data-testid="demand-row"][data-term="${term}"]`);

test('the page shows the seeded history: volumes, service figures, busiest hour, agents, recurring demands', async () => {
  await loginToAdmin(page, base, EMAIL, PASSWORD);
  await page.goto(`${base}/admin/plugins/live-chat/history`);
  const demandsResponse = page.waitForResponse((r) => r.url().includes('/live-chat/analytics/demands?') && r.status() === 200);
  await page.getByRole('navigation', { name: 'Live chat' }).getByRole('link', { name: 'Analytics', exact: true }).click();
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();

  // volume: every seeded chat, drawn as stacked SVG bars with a legend per department
  const total = seeded.length;
  await section('volume').getByText(`${total} chats in the period`).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="volume-chart"] svg .recharts-bar-rectangle').length > 0);
  expect(await page.locator('[data-testid="volume-chart"] svg.recharts-surface').count()).toBeGreaterThan(0);
  const departments = [...new Set(seeded.map((c) => c.department))];
  for (const d of departments) await section('volume').locator('.recharts-legend-item').filter({ hasText: d }).first().waitFor();

  // service: the chats, the missed share as seeded
  await expect(page.getByTestId('figure-chats').innerText()).resolves.toContain(String(total));
  const missed = seeded.filter((c) => c.status === 'missed').length;
  await expect(page.getByTestId('figure-missed').innerText()).resolves.toContain(`${missed} chats`);
  const left = seeded.filter((c) => c.status === 'left_message' || c.status === 'answered').length;
  await expect(page.getByTestId('figure-left').innerText()).resolves.toContain(`${left} chats`);

  // the week-hour heat map: 168 cells, the busiest one where the seeded chats say
  await expect(page.getByTestId('heat-cell').count()).resolves.toBe(168);
  const busiest = busiestCell();
  const cell = page.locator('[data-testid="heat-cell"][data-busiest="true"]');
  await expect(cell.getAttribute('data-count')).resolves.toBe(String(busiest.chats));
  await expect(cell.getAttribute('data-weekday')).resolves.toBe(String(busiest.weekday));
  await expect(cell.getAttribute('data-hour')).resolves.toBe(String(busiest.hour));
  await expect(cell.innerText()).resolves.toBe(String(busiest.chats));
  const cells = await page.getByTestId('heat-cell').evaluateAll((tds) => tds.reduce((t, td) => t + Number(td.getAttribute('data-count')), 0));
  expect(cells).toBe(total);

  // agents: one bar and one row per agent who accepted a chat
  const agents = new Set(seeded.filter((c) => c.agent).map((c) => c.agent!.name));
  await expect(page.getByTestId('agent-row').count()).resolves.toBe(agents.size);
  expect(await page.locator('[data-testid="agents-chart"] svg .recharts-bar-rectangle').count()).toBe(agents.size);

  // recurring demands: the top group first with its count; "boleto" counted as seeded
  const demands = (await (await demandsResponse).json()) as { departments: { departmentName: string; groups: { term: string; title: string; count: number }[] }[] };
  const groups = demands.departments.flatMap((d) => d.groups.map((g) => ({ ...g, department: d.departmentName })));
  const top = groups.reduce((a, b) => (b.count > a.count ? b : a));
  const first = page.getByTestId('demand-row').first();
  await expect(first.getByTestId('demand-title').innerText()).resolves.toBe(top.title);
  await expect(first.getByTestId('demand-count').innerText()).resolves.toBe(String(top.count));
  const boletos = seeded.filter((c) => c.department === 'Financeiro' && /boleto/i.test(c.question)).length;
  expect(boletos).toBeGreaterThan(5);
  await expect(demandRow('bolet').getByTestId('demand-count').innerText()).resolves.toBe(String(boletos));
  await expect(demandRow('bolet').getByTestId('demand-title').innerText()).resolves.toBe('boleto');

  // the top ten first, every subject on demand
  await expect(page.getByTestId('demand-row').count()).resolves.toBe(Math.min(10, groups.length));
  if (groups.length > 10) {
    await section('demands').getByRole('button', { name: `Show all ${groups.length} subjects` }).click();
    await expect(page.getByTestId('demand-row').count()).resolves.toBe(groups.length);
    await section('demands').getByRole('button', { name: 'Show the top 10' }).click();
    await expect(page.getByTestId('demand-row').count()).resolves.toBe(10);
  }

  // tags ranked: the most used tag first
  const tagCounts = new Map<string, number>();
  for (const c of seeded) for (const t of c.tags) tagCounts.set(`${c.department}:${t}`, (tagCounts.get(`${c.department}:${t}`) ?? 0) + 1);
  const topTag = Math.max(...tagCounts.values());
  await expect(page.getByTestId('tag-row').first().innerText()).resolves.toContain(String(topTag));

  await closeAdminBanner(page);

  // the whole page at 1280 px (the admin scrolls an inner element: the window grows to fit it)
  await page.mouse.move(0, 0);
  const height = await page.evaluate(() => Math.max(...[...document.querySelectorAll('main, main *')].map((e) => e.scrollHeight)));
  await page.setViewportSize({ width: 1280, height: Math.min(height + 40, 8000) });
  await page.waitForTimeout(300); // the charts follow their container's size
  await page.screenshot({ path: path.join(SHOTS, 'console-analytics.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  await axeClean(page, 'analytics');

  // stacked by final status instead
  await section('volume').getByRole('button', { name: 'By final status' }).click();
  await section('volume').locator('.recharts-legend-item').filter({ hasText: 'Missed' }).waitFor();
  await expect(section('volume').getByRole('button', { name: 'By final status' }).getAttribute('aria-pressed')).resolves.toBe('true');
});

test('drill into a group: its chats, each opening its transcript', async () => {
  const row = demandRow('bolet');
  const boletos = seeded.filter((c) => c.department === 'Financeiro' && /boleto/i.test(c.question));
  await row.getByRole('button', { name: `Chats (${boletos.length})` }).click();
  const panel = page.getByTestId('demand-chats');
  await panel.getByTestId('demand-chat').first().waitFor();
  await expect(panel.getByTestId('demand-chat').count()).resolves.toBe(Math.min(10, boletos.length));
  for (const text of await panel.getByTestId('demand-chat').allInnerTexts()) expect(text).toMatch(/boleto/i);
  await expect(row.getByRole('button', { name: 'Hide chats' }).getAttribute('aria-expanded')).resolves.toBe('true');
  await axeClean(page, 'analytics-drill-down');

  // the newest first: the link opens that chat's transcript
  const newest = boletos.reduce((a, b) => (b.queued > a.queued ? b : a));
  const link = panel.getByRole('link', { name: `Chat #${newest.id}`, exact: true });
  await expect(panel.getByRole('link').first().innerText()).resolves.toBe(`Chat #${newest.id}`);
  await link.click();
  await page.getByRole('heading', { name: `Chat #${newest.id}`, exact: true }).waitFor();
  await page.getByTestId('transcript').getByText(newest.question).first().waitFor();
  await page.goBack();
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
});

test('a table downloads as CSV', async () => {
  await demandRow('bolet').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), section('demands').getByRole('button', { name: 'CSV: demands' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^live-chat-demands-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  const [header, ...lines] = csv.trim().split(/\r?\n/);
  expect(header).toContain('term');
  expect(lines.some((l) => l.includes('bolet') && l.includes('Financeiro'))).toBe(true);

  const [tags] = await Promise.all([page.waitForEvent('download'), section('tags').getByRole('button', { name: 'CSV: tags' }).click()]);
  expect(tags.suggestedFilename()).toMatch(/^live-chat-tags-.*\.csv$/);
});

test('send a group to development: success with the webhook status, then the failure with its message', async () => {
  const row = demandRow('bolet');
  await row.getByRole('button', { name: 'Send to development' }).click();
  await page.getByTestId('send-result').getByText('"boleto" (Financeiro) was sent to development (webhook answered 200).').waitFor();
  expect(hook.received.at(-1)).toMatchObject({ source: 'live-chat', kind: 'recurring-demand', department: 'Financeiro', term: 'bolet', title: 'boleto' });

  hook.status = 500;
  await row.getByRole('button', { name: 'Send to development' }).click();
  const failure = page.getByTestId('send-result');
  await failure.getByText(/^"boleto" was not sent: /).waitFor();
  await expect(failure.getAttribute('role')).resolves.toBe('alert');
  await axeClean(page, 'analytics-send-failed');
});

test('a period without chats says so; a reversed range is refused', async () => {
  await page.getByLabel('From', { exact: true }).fill('2020-01-01');
  await page.getByLabel('To', { exact: true }).fill('2020-01-31');
  await page.getByRole('button', { name: 'Apply' }).click();
  await section('volume').getByTestId('section-empty').waitFor();
  await section('demands').getByText('No chats in this period.').waitFor();
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();

  await page.getByLabel('From', { exact: true }).fill('2020-02-01');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('The start date is after the end date.').waitFor();
  await axeClean(page, 'analytics-empty');
});

test('an analyst with only the analytics action reaches the page from the menu and sees only its tab', async () => {
  const roles = app.strapi.service('admin::role') as any;
  const role = await roles.create({ name: 'Analyst', description: 'Reads the analytics only' });
  await roles.assignPermissions(role.id, [{ action: 'plugin::live-chat.analytics', subject: null, properties: {}, conditions: [] }]);
  await (app.strapi.service('admin::user') as any).create({ firstname: 'Bia', lastname: 'Costa', email: 'bia-analyst@example.com', password: PASSWORD, isActive: true, registrationToken: null, roles: [role.id] });

  const analyst = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: ZONE });
  try {
    const p = await analyst.newPage();
    await loginToAdmin(p, base, 'bia-analyst@example.com', PASSWORD);
    await p.getByRole('link', { name: 'Live chat' }).click();
    await p.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/admin/plugins/live-chat/analytics');
    await expect(p.getByRole('navigation', { name: 'Live chat' }).getByRole('link').allInnerTexts()).resolves.toEqual(['Analytics']);
    // an analyst who serves no department sees none of them
    await p.getByTestId('section-volume').getByTestId('section-empty').waitFor();
  } finally {
    await analyst.close();
  }
});
