/**
 * The agent console in real Chromium (Debian's package, playwright-core) against the running app
 * on a fresh database: an admin created with Strapi's CLI logs in at /admin, goes online, a
 * visitor (socket.io-client) starts a chat, the agent sees it arrive, accepts, they exchange
 * messages and files both ways, the agent closes and the visitor sees it; two agents in two
 * browser contexts accept the same chat at once and exactly one gets it; a canned response by its
 * shortcut, a transfer to another agent, the settings page; a left message is answered by e-mail
 * into a real SMTP sink; the history and a transcript. Screenshots go to docs/screenshots/console-*.png.
 */
import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStrapi, APP_DIR, type TestApp } from '../helpers/strapi';
import { closeAllSockets, departmentId, listen, next, send, startChat, visitorSocket, type AnySocket } from '../helpers/realtime';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { ensureAdminBuild } from '../helpers/admin-build';
import { createAdminWithCli, launchChromium, loginToAdmin, closeAdminBanner } from '../helpers/admin-e2e';

const SHOTS = path.join(APP_DIR, 'docs', 'screenshots');
const FIXTURES = path.join(APP_DIR, 'tests', 'fixtures', 'uploads');
const PASSWORD = 'Console-e2e-2024';
const SUPORTE_MAIL = 'suporte-equipe@example.com';

let app: TestApp;
let base: string;
let sink: SmtpSink;
let browser: Browser;
let suporte: number;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureAdminBuild();
  sink = await startSmtpSink();
  app = await startStrapi({
    env: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      EMAIL_FROM: 'Atendimento <atendimento@example.com>',
      LIVE_CHAT_GRACE_SECONDS: '60',
      LIVE_CHAT_WAITING_LIMIT_SECONDS: '0',
    },
  });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  await app.strapi.db.query('api::department.department').update({ where: { id: suporte }, data: { notificationEmail: SUPORTE_MAIL } });
  await createAdminWithCli('Ana', 'ana@example.com', PASSWORD);
  await createAdminWithCli('Bruno', 'bruno@example.com', PASSWORD);
  browser = await launchChromium();
  fs.mkdirSync(SHOTS, { recursive: true });
}, 300000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  closeAllSockets();
  await app?.stop();
  await sink?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `console-${name}.png`) });

/** A fresh browser context (with an optional script run before each page's own): logs in at /admin and opens the console from its menu link. */
async function agentPage(email: string, initScript?: () => void): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  contexts.push(context);
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  await loginToAdmin(page, base, email, PASSWORD);
  await page.getByRole('link', { name: 'Live chat' }).click();
  await page.getByRole('heading', { name: 'Live chat console' }).waitFor();
  await closeAdminBanner(page);
  return page;
}

async function setPresence(page: Page, presence: 'Online' | 'Away' | 'Offline') {
  await page.getByRole('combobox', { name: 'Presence' }).click();
  await page.getByRole('option', { name: presence }).click();
  await page.getByTestId('presence-badge').filter({ hasText: presence }).waitFor();
}

/** The plugin's own tabs (the admin's menu has links with the same names). */
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Live chat' }).getByRole('link', { name, exact: true });
const queueItem = (page: Page, chatId: number) => page.locator(`[data-testid="queue-item"][data-chat-id="${chatId}"]`);
const chatRow = (id: number) => app.strapi.db.query('api::chat.chat').findOne({ where: { id } });

let ana: Page;
let bruno: Page;

test('log in, go online, a chat arrives live, accept, messages and files both ways, close', async () => {
  ana = await agentPage('ana@example.com');
  await setPresence(ana, 'Online');

  const started = await startChat(app.strapi, { departmentId: suporte, name: 'Maria Silva', email: 'maria@example.com', question: 'Minha nota fiscal não chegou', pageUrl: 'https://www.example.com/pedidos', locale: 'pt-BR' });
  expect(started.status).toBe('waiting');
  const visitor: AnySocket = visitorSocket(base, { chatId: started.chatId, token: started.token });
  await next(visitor, 'chat:state');

  // the chat arrives without a reload, with its ticking wait and the tab's unread count
  const item = queueItem(ana, started.chatId);
  await item.getByText('Maria Silva').waitFor();
  await item.getByText('Minha nota fiscal não chegou').waitFor();
  const firstWait = await item.getByTestId('wait').textContent();
  await ana.waitForFunction(([id, before]) => document.querySelector(`[data-chat-id="${id}"] [data-testid="wait"]`)?.textContent !== before, [started.chatId, firstWait] as const);
  await ana.waitForFunction(() => /^\(\d+\) /.test(document.title));
  await shot(ana, 'queue');

  const accepted = next(visitor, 'chat:accepted');
  await item.getByRole('button', { name: 'Accept' }).click();
  expect((await accepted).agentName).toBe('Ana Lima');
  await expect(item.count()).resolves.toBe(0);
  await ana.getByRole('heading', { name: 'Maria Silva' }).waitFor();
  await ana.getByText('https://www.example.com/pedidos').waitFor(); // the visitor's details

  // visitor → agent, with typing first
  visitor.emit('typing:set', { typing: true });
  await ana.getByTestId('typing').waitFor();
  expect((await send(visitor, 'message:send', { clientId: 'v1', body: 'Olá, fiz o pedido 123 <b>ontem</b>' })).ok).toBe(true);
  await ana.getByText('Olá, fiz o pedido 123 <b>ontem</b>').waitFor(); // shown as text

  // agent → visitor
  const reply = next(visitor, 'message:created', (m) => m.sender === 'agent' && m.kind === 'text');
  await ana.getByLabel('Message').fill('Oi Maria! Vou verificar o pedido 123.');
  await ana.getByLabel('Message').press('Enter');
  expect((await reply).body).toBe('Oi Maria! Vou verificar o pedido 123.');

  // a private note never reaches the visitor
  const notes: unknown[] = [];
  visitor.on('message:created', (m: { visibility: string }) => m.visibility === 'agents' && notes.push(m));
  await ana.getByRole('checkbox', { name: 'Private note' }).click();
  await ana.getByLabel('Private note (only agents see it)').fill('Cliente recorrente, prioridade.');
  await ana.getByRole('button', { name: 'Add note' }).click();
  await ana.getByTestId('note').filter({ hasText: 'Cliente recorrente, prioridade.' }).waitFor();
  await ana.getByRole('checkbox', { name: 'Private note' }).click();

  // a file from the visitor, opened by the agent through a signed link
  const upload = await request(app.strapi.server.httpServer)
    .post(`/api/live-chat/chats/${started.chatId}/files`)
    .set('Authorization', `Bearer ${started.token}`)
    .attach('file', path.join(FIXTURES, 'sample.pdf'));
  expect(upload.status).toBe(201);
  const fileButton = ana.getByRole('button', { name: /sample\.pdf/ });
  await fileButton.waitFor();
  const [download] = await Promise.all([ana.context().waitForEvent('response', (r) => r.url().includes('/files/')), fileButton.click()]);
  expect(download.url()).toMatch(/\/files\/.+\?exp=\d+&sig=/);
  expect(download.status()).toBe(200);

  // a file from the agent, with a progress bar while it uploads
  const agentFile = next(visitor, 'message:created', (m) => m.kind === 'file' && m.sender === 'agent');
  await ana.getByTestId('attach-input').setInputFiles(path.join(FIXTURES, 'sample.png'));
  expect((await agentFile).attachment).toMatchObject({ name: 'sample.png', mime: 'image/png', inline: true });
  await ana.getByRole('button', { name: /sample\.png/ }).waitFor();
  await shot(ana, 'conversation');
  expect(notes).toEqual([]);

  // close with a reason and tags: the visitor sees the closing
  const closed = next(visitor, 'chat:closed');
  await ana.getByRole('button', { name: 'Close', exact: true }).click();
  await ana.getByLabel('Tags').fill('nota-fiscal, pedido');
  await ana.getByRole('button', { name: 'Close chat' }).click();
  expect(await closed).toMatchObject({ closedBy: 'agent', reason: 'resolved', status: 'closed' });
  await ana.getByText(/This chat is over/).waitFor();
  const row = await chatRow(started.chatId);
  expect(row.tags).toEqual(['nota-fiscal', 'pedido']);

  // a reload restores the console: presence kept, no ghost conversation
  await ana.reload();
  await ana.getByTestId('presence-badge').filter({ hasText: 'Online' }).waitFor();
});

test('two agents accept the same chat at once: exactly one gets it, the other is told', async () => {
  bruno = await agentPage('bruno@example.com');
  await setPresence(bruno, 'Online');
  const started = await startChat(app.strapi, { departmentId: suporte, name: 'Carlos Souza', email: 'carlos@example.com', question: 'Quem me atende?' });
  const visitor = visitorSocket(base, { chatId: started.chatId, token: started.token });
  await next(visitor, 'chat:state');
  await queueItem(ana, started.chatId).waitFor();
  await queueItem(bruno, started.chatId).waitFor();

  // both clicks at the same instant: each page arms a timer for one shared moment
  const at = Date.now() + 500;
  const click = (page: Page) =>
    page.evaluate(
      ([id, when]) =>
        new Promise<boolean>((resolve) =>
          setTimeout(() => {
            const button = document.querySelector<HTMLButtonElement>(`[data-chat-id="${id}"] button`);
            button?.click();
            resolve(!!button);
          }, when - Date.now())
        ),
      [started.chatId, at] as const
    );
  const clicked = await Promise.all([click(ana), click(bruno)]);
  expect(clicked).toEqual([true, true]);

  const winner = await (async () => {
    for (;;) {
      const row = await chatRow(started.chatId);
      if (row.status === 'active') return row.agentName as string;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  expect(['Ana Lima', 'Bruno Lima']).toContain(winner);
  const [won, lost] = winner === 'Ana Lima' ? [ana, bruno] : [bruno, ana];
  await won.getByRole('heading', { name: 'Carlos Souza' }).waitFor();
  await lost.getByText(`Another agent accepted chat #${started.chatId} first.`).waitFor();
  await expect(queueItem(lost, started.chatId).count()).resolves.toBe(0);
  await expect(lost.getByRole('heading', { name: 'Carlos Souza' }).count()).resolves.toBe(0);

  // reloading the page restores the conversation and its messages
  expect((await send(visitor, 'message:send', { clientId: 'c1', body: 'Antes do recarregamento' })).ok).toBe(true);
  await won.getByText('Antes do recarregamento').waitFor();
  await won.reload();
  await won.getByRole('heading', { name: 'Carlos Souza' }).waitFor();
  await won.getByText('Antes do recarregamento').waitFor();
  await won.getByTestId('presence-badge').filter({ hasText: 'Online' }).waitFor();

  const closed = next(visitor, 'chat:closed');
  await won.getByRole('button', { name: 'Close', exact: true }).click();
  await won.getByRole('button', { name: 'Close chat' }).click();
  await closed;
});

test('a canned response by its shortcut, a transfer to another agent, the settings page', async () => {
  await app.strapi.db.query('plugin::live-chat.canned-response').create({
    data: { title: 'Horário de sábado', shortcut: 'sabado', body: 'Atendemos aos sábados das 9h às 12h.', department: suporte, active: true },
  });
  await ana.reload(); // canned responses are read when the console opens
  await ana.getByTestId('presence-badge').filter({ hasText: 'Online' }).waitFor();
  const started = await startChat(app.strapi, { departmentId: suporte, name: 'Paula Reis', email: 'paula@example.com', question: 'Abrem no sábado?' });
  const visitor = visitorSocket(base, { chatId: started.chatId, token: started.token });
  await next(visitor, 'chat:state');
  await queueItem(ana, started.chatId).getByRole('button', { name: 'Accept' }).click();
  await ana.getByRole('heading', { name: 'Paula Reis' }).waitFor();

  const canned = next(visitor, 'message:created', (m) => m.sender === 'agent');
  await ana.getByLabel('Message').fill('/sab');
  await ana.getByRole('option', { name: /\/sabado/ }).waitFor();
  await ana.getByLabel('Message').press('Enter'); // inserts
  await expect(ana.getByLabel('Message').inputValue()).resolves.toBe('Atendemos aos sábados das 9h às 12h.');
  await ana.getByLabel('Message').press('Enter'); // sends
  expect((await canned).body).toBe('Atendemos aos sábados das 9h às 12h.');

  // straight to Bruno, who is online: it opens in his console, it ends in Ana's
  await ana.getByRole('button', { name: 'Transfer' }).click();
  await ana.getByRole('combobox', { name: 'Transfer to' }).click();
  await ana.getByRole('option', { name: 'Agent: Bruno Lima (Online)' }).click();
  await ana.getByRole('dialog').getByRole('button', { name: 'Transfer' }).click();
  await bruno.getByRole('heading', { name: 'Paula Reis' }).waitFor();
  await bruno.getByText('Atendemos aos sábados das 9h às 12h.').waitFor();
  await ana.getByText(/This chat is over \(Transferred\)/).waitFor();
  expect((await chatRow(started.chatId)).agentName).toBe('Bruno Lima');

  // the settings page (Super Admin): the embed snippet, a narrower limit saved
  await nav(ana, 'Settings').click();
  await ana.getByRole('heading', { name: 'Live chat settings' }).waitFor();
  await expect(ana.getByTestId('snippet').textContent()).resolves.toContain(`${base}/widget.js`);
  await ana.getByLabel('Active chats per agent').fill('4');
  await ana.getByRole('checkbox', { name: 'rar' }).click();
  await shot(ana, 'settings');
  await ana.getByRole('button', { name: 'Save', exact: true }).click();
  await ana.getByText('Saved').first().waitFor();
  await ana.getByText('Saved').first().waitFor({ state: 'hidden' }); // the toast goes by itself
  const settings = (await request(app.strapi.server.httpServer).get('/api/live-chat/widget-config')).body.settings;
  expect(settings.upload.extensions).not.toContain('rar');
  expect((await app.strapi.plugin('live-chat').service('settings').get()).agentCap).toBe(4);
  await nav(ana, 'Console').click();
  await ana.getByRole('heading', { name: 'Live chat console' }).waitFor();
});

test('a left message is answered by e-mail from the inbox; then found in the history', async () => {
  await setPresence(ana, 'Offline');
  await setPresence(bruno, 'Offline');
  const started = await startChat(app.strapi, { departmentId: suporte, name: 'Joana Dias', email: 'joana@example.com', question: 'Vocês atendem aos sábados?' });
  expect(started.status).toBe('left_message');

  await nav(ana, 'Left messages').click();
  await ana.getByRole('heading', { name: 'Left messages' }).waitFor();
  await ana.getByTestId('left-message').filter({ hasText: 'Joana Dias' }).click();
  await ana.getByLabel('Reply by e-mail').fill('Olá Joana! Sim, aos sábados das 9h às 12h.');
  await ana.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Send reply' && !b.disabled));
  await shot(ana, 'left-messages');
  await ana.getByRole('button', { name: 'Send reply' }).click();

  const mail = await sink.waitFor((m) => m.to.includes('joana@example.com'));
  expect(mail.replyTo).toBe(SUPORTE_MAIL);
  expect(mail.text).toContain('Olá Joana! Sim, aos sábados das 9h às 12h.');
  await ana.getByText('Reply sent by e-mail to joana@example.com').waitFor();
  expect((await chatRow(started.chatId)).status).toBe('answered');

  // the history finds every chat; a transcript shows the messages and the files
  await nav(ana, 'History').click();
  await ana.getByRole('heading', { name: 'Chat history' }).waitFor();
  await ana.getByTestId('history-row').filter({ hasText: 'Joana Dias' }).waitFor();
  await ana.getByTestId('history-row').filter({ hasText: 'Maria Silva' }).waitFor();
  await shot(ana, 'history');
  await ana.getByLabel('Text').fill('pedido 123');
  await ana.getByRole('button', { name: 'Search' }).click();
  await ana.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 1);
  await ana.getByTestId('history-row').filter({ hasText: 'Maria Silva' }).click();
  await ana.getByTestId('transcript').getByText('Oi Maria! Vou verificar o pedido 123.').waitFor();
  await ana.getByTestId('transcript').getByRole('link', { name: /sample\.pdf/ }).waitFor();
  await ana.getByTestId('transcript').getByText('Cliente recorrente, prioridade.').waitFor();
});

test('a new chat alerts a hidden tab: a tone, a browser notification, the count in the title; a refused file never leaves', async () => {
  // the tab is in the background; notifications were allowed; the sound card is a recorder
  const page = await agentPage('ana@example.com', () => {
    const w = window as any;
    w.__alerts = [];
    Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
    document.hasFocus = () => false;
    w.Notification = class {
      static permission = 'granted';
      static requestPermission = async () => 'granted';
      constructor(title: string) {
        w.__alerts.push(['notification', title]);
      }
    };
    const node = () => ({ connect: (n: unknown) => n ?? node(), frequency: { value: 0 }, gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, start: () => w.__alerts.push(['tone']), stop() {} });
    w.AudioContext = class {
      currentTime = 0;
      destination = {};
      createOscillator = node;
      createGain = node;
      close = async () => undefined;
    };
  });
  await setPresence(page, 'Online');
  const before = await page.evaluate(() => (window as any).__alerts.length);

  const started = await startChat(app.strapi, { departmentId: suporte, name: 'Rita Alves', email: 'rita@example.com', question: 'Alguém aí?' });
  await queueItem(page, started.chatId).waitFor();
  await page.waitForFunction(() => document.title === '(1) Live chat console');
  const alerts = (await page.evaluate(() => (window as any).__alerts)).slice(before);
  expect(alerts).toContainEqual(['notification', '1 new chat(s) waiting']);
  expect(alerts.filter((a: string[]) => a[0] === 'tone').length).toBeGreaterThan(0);

  // a file the visitor could not send either is refused before any byte is uploaded
  const visitor = visitorSocket(base, { chatId: started.chatId, token: started.token });
  await next(visitor, 'chat:state');
  await queueItem(page, started.chatId).getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('heading', { name: 'Rita Alves' }).waitFor();
  const uploads: string[] = [];
  page.on('request', (r) => r.url().includes('/files') && uploads.push(r.url()));
  await page.getByTestId('attach-input').setInputFiles(path.join(FIXTURES, 'program.exe'));
  await page.getByText(/Files of this type are not accepted\. Allowed: gif, jpeg/).waitFor();
  expect(uploads).toEqual([]);
});
