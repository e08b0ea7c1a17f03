/**
 * Security (docs/security.md): HTML and script in every visitor field — name, question, page URL,
 * messages — arrive as text in the agent console, and in the e-mails (the department's
 * left-message mail and the visitor's transcript) rendered in real Chromium: nothing runs, no
 * element is injected, and only http(s) links are clickable. (The widget side is in
 * widget.e2e.test.ts; file names with markup are refused at upload, see tests/security.)
 */
import request from 'supertest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { closeAllSockets, departmentId, listen, next, send, startChat, visitorSocket } from '../helpers/realtime';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { ensureAdminBuild } from '../helpers/admin-build';
import { createAdminWithCli, launchChromium, loginToAdmin } from '../helpers/admin-e2e';

const PASSWORD = 'Visitor-text-2024';
const TEAM_MAIL = 'suporte-equipe@example.com';

// each payload sets a different flag if it ever runs
const NAME = '<img src=x onerror="window.__xss=1">Maria';
const QUESTION = '<script>window.__xss=2</script><b>negrito</b> <iframe src="javascript:window.__xss=3"></iframe>';
const PAGE_URL = 'https://www.example.com/?q=<svg/onload=window.__xss=4>';
const MESSAGES = [
  '<img src=x onerror=window.__xss=5>',
  'javascript:window.__xss=6',
  '[clique](javascript:window.__xss=7)',
  'veja https://www.example.com/"onmouseover="window.__xss=8" agora',
  '<a href="javascript:window.__xss=9">link</a> &lt;escaped&gt; &amp;',
];

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
      LIVE_CHAT_RATE_MESSAGE_POINTS: '1000',
    },
  });
  base = await listen(app.strapi);
  suporte = await departmentId(app.strapi, 'Suporte');
  await app.strapi.db.query('api::department.department').update({ where: { id: suporte }, data: { notificationEmail: TEAM_MAIL } });
  await createAdminWithCli('Ana', 'ana-xss@example.com', PASSWORD);
  browser = await launchChromium();
}, 300000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  closeAllSockets();
  await app?.stop();
  await sink?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  contexts.push(context);
  const page = await context.newPage();
  // a dialog would be a script running: fail loudly instead of blocking
  page.on('dialog', (d) => {
    (page as any).__dialog = d.message();
    void d.dismiss();
  });
  return page;
}

/** Nothing ran and nothing was injected into the page. */
async function expectInert(page: Page) {
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
  expect((page as any).__dialog).toBeUndefined();
  expect(await page.locator('img[src="x"], iframe[src^="javascript"], svg[onload]').count()).toBe(0);
  expect(await page.locator('a[href^="javascript" i]').count()).toBe(0);
  // links made of visitor text (the payloads' domain; the admin's own links are not ours)
  for (const { href, rel } of await page.locator('a[href*="example.com"]').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel') ?? '' })))) {
    expect({ href, rel }).toEqual({ href: expect.stringMatching(/^https?:\/\//), rel: expect.stringMatching(/noopener.*noreferrer|noreferrer.*noopener/) });
  }
}

/** An e-mail's HTML part as a page, with scripts allowed: anything not escaped would run. */
async function renderMail(html: string) {
  const page = await newPage();
  await page.setContent(html, { waitUntil: 'load' });
  await expectInert(page);
  return page;
}

test('the department e-mail of a left message shows every visitor field as text', async () => {
  // nobody online yet: the chat becomes a left message and the team is e-mailed
  const started = await startChat(app.strapi, { departmentId: suporte, name: NAME, email: 'maria@example.com', question: QUESTION, pageUrl: PAGE_URL });
  expect(started.status).toBe('left_message');
  const mail = await sink.waitFor((m) => m.to.includes(TEAM_MAIL));
  const page = await renderMail(mail.html);
  const text = await page.locator('body').innerText();
  expect(text).toContain(NAME);
  expect(text).toContain('<script>window.__xss=2</script>');
});

test('the agent console shows the name, question, page and messages as text; nothing runs', async () => {
  const ana = await newPage();
  await loginToAdmin(ana, base, 'ana-xss@example.com', PASSWORD);
  await ana.getByRole('link', { name: 'Live chat' }).click();
  await ana.getByRole('heading', { name: 'Live chat console' }).waitFor();
  await ana.getByRole('combobox', { name: 'Presence' }).click();
  await ana.getByRole('option', { name: 'Online' }).click();
  await ana.getByTestId('presence-badge').filter({ hasText: 'Online' }).waitFor();

  const started = await startChat(app.strapi, { departmentId: suporte, name: NAME, email: 'maria@example.com', question: QUESTION, pageUrl: PAGE_URL });
  expect(started.status).toBe('waiting');
  const visitor = visitorSocket(base, { chatId: started.chatId, token: started.token });
  await next(visitor, 'chat:state');

  // in the queue
  const item = ana.locator(`[data-testid="queue-item"][data-chat-id="${started.chatId}"]`);
  await item.getByText(NAME, { exact: false }).waitFor();
  await expectInert(ana);

  // in the conversation, with the visitor's details
  const accepted = next(visitor, 'chat:accepted');
  await item.getByRole('button', { name: 'Accept' }).click();
  await accepted;
  await ana.getByRole('heading', { name: NAME }).waitFor();
  for (const [i, body] of MESSAGES.entries()) {
    expect((await send(visitor, 'message:send', { clientId: `x${i}`, body })).ok).toBe(true);
    await ana.waitForFunction((b) => document.body.innerText.includes(b), body, { timeout: 10000 });
  }
  await ana.waitForFunction((q) => document.body.innerText.includes(q), '<script>window.__xss=2</script>');
  await expectInert(ana);
  // the only links made of the messages are http(s) ones
  const hrefs = await ana.locator('a[href^="https://www.example.com/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of hrefs) expect(href).toMatch(/^https:\/\/www\.example\.com\//);
  // hovering it runs nothing either
  if (hrefs.length) await ana.locator('a[href^="https://www.example.com/"]').last().hover();
  await expectInert(ana);

  // the transcript e-mail to the visitor, rendered
  const closed = next(visitor, 'chat:closed');
  await ana.getByRole('button', { name: 'Close', exact: true }).click();
  await ana.getByRole('button', { name: 'Close chat' }).click();
  await closed;
  await request(app.strapi.server.httpServer).post(`/api/live-chat/chats/${started.chatId}/transcript`).set('Authorization', `Bearer ${started.token}`).send({}).expect(200);
  const mail = await sink.waitFor((m) => m.to.includes('maria@example.com') && m.subject.includes(`#${started.chatId}`));
  const page = await renderMail(mail.html);
  const text = await page.locator('body').innerText();
  for (const body of MESSAGES) expect(text).toContain(body);
});
