/**
 * The widget shows the server's rate-limit refusals, in real Chromium (the standalone page /chat,
 * pt-BR), against the running app with low limits: messages past the per-chat limit and a chat
 * start past the per-address limit each show a clear sentence with the seconds the server says
 * to wait, and nothing the visitor typed is lost — the refused message stays in the conversation
 * with "Reenviar" (and is delivered once the wait is over), the start form keeps its fields.
 * Takes no screenshots (docs/screenshots/ is widget.e2e.test.ts's); each screen is scanned with
 * axe-core.
 */
import fs from 'fs';
import path from 'path';
import { spawnSync } from 'child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStrapi, APP_DIR, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, departmentId, listen, next, send, type AnySocket } from '../helpers/realtime';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const MESSAGE_POINTS = 3;
const MESSAGE_SECONDS = 8; // long enough that four quick messages surely fall in one window on a busy machine
const START_POINTS = 2;

let app: TestApp;
let base: string;
let browser: Browser;
let agent: AnySocket;
let context: BrowserContext | undefined;

beforeAll(async () => {
  // the widget served at /widget.js is widget/dist: build it when missing (CI); a local run after
  // changing widget/src needs `npm run build:widget` first
  if (!fs.existsSync(path.join(APP_DIR, 'widget', 'dist', 'widget.js'))) {
    const built = spawnSync(process.execPath, [path.join(APP_DIR, 'scripts', 'build-widget.js')], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('could not build the widget');
  }
  app = await startStrapi({
    env: {
      LIVE_CHAT_GRACE_SECONDS: '60',
      LIVE_CHAT_RATE_START_POINTS: String(START_POINTS),
      LIVE_CHAT_RATE_START_SECONDS: '600',
      LIVE_CHAT_RATE_MESSAGE_POINTS: String(MESSAGE_POINTS),
      LIVE_CHAT_RATE_MESSAGE_SECONDS: String(MESSAGE_SECONDS),
    },
  });
  base = await listen(app.strapi);
  const ana = await createAgent(app.strapi, { firstname: 'Ana' });
  agent = agentSocket(base, ana.token);
  await next(agent, 'agent:state');
  expect((await send(agent, 'presence:set', { presence: 'online' })).ok).toBe(true);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  closeAllSockets();
  await app?.stop();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function newPage(): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'pt-BR', bypassCSP: true });
  return context.newPage();
}

async function axeClean(page: Page, name: string) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const serious: unknown[] = await page.evaluate(async () => {
    const result = await (window as any).axe.run({ include: [['[data-live-chat-host]']] }, { resultTypes: ['violations'] });
    return result.violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n: any) => n.target.join(' ') + ' ' + n.failureSummary) }));
  });
  expect({ screen: name, serious }).toEqual({ screen: name, serious: [] });
}

async function fillStart(page: Page, question: string) {
  await page.getByLabel('Nome').fill('Maria Silva');
  await page.getByLabel('E-mail').fill('maria@example.com');
  await page.getByLabel('Sua pergunta').fill(question);
  await page.getByLabel('Departamento').selectOption({ label: 'Financeiro' });
}

const RATE_MESSAGES = /Muitas mensagens em pouco tempo\. Tente de novo em (\d+) segundos?\./;
const RATE_STARTS = /Muitas tentativas seguidas\. Tente de novo em (\d+) segundos?\./;

test('messages past the limit: a pt-BR sentence with the seconds to wait; the text stays and Reenviar delivers it', async () => {
  const page = await newPage();
  await page.goto(`${base}/chat`);
  await fillStart(page, 'Quantas mensagens posso mandar?');
  const queued = next(agent, 'queue:added', (q) => q.question === 'Quantas mensagens posso mandar?');
  await page.getByRole('button', { name: 'Iniciar Chat' }).click();
  const { chatId } = await queued;
  expect((await send(agent, 'chat:accept', { chatId })).ok).toBe(true);
  await page.getByText('Você está falando com').waitFor();

  const box = page.getByLabel('Sua mensagem');
  const typed = (i: number) => `Mensagem número ${i} — com acentuação`;
  for (let i = 1; i <= MESSAGE_POINTS; i++) {
    const arrived = next(agent, 'message:created', (m) => m.chatId === chatId && m.body === typed(i));
    await box.fill(typed(i));
    await box.press('Enter');
    await arrived;
  }
  // one more inside the window: refused by the server
  const over = 'Esta passou do limite, mas não pode se perder';
  await box.fill(over);
  await box.press('Enter');
  const alert = page.getByRole('alert').filter({ hasText: RATE_MESSAGES });
  await alert.waitFor();
  const seconds = Number(RATE_MESSAGES.exec((await alert.textContent()) ?? '')![1]);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(MESSAGE_SECONDS);
  // the text is still in the conversation, marked as not sent, with Reenviar; no English leaks
  const bubble = page.locator('li.pending', { hasText: over });
  await bubble.getByText('Não enviado').waitFor();
  expect(await page.locator('li.pending').count()).toBe(1);
  expect(await page.getByText(/Too many/).count()).toBe(0);
  await axeClean(page, 'message rate limited');

  // once the wait is over, Reenviar sends the very same text
  await page.waitForTimeout(seconds * 1000 + 300);
  const delivered = next(agent, 'message:created', (m) => m.chatId === chatId && m.body === over);
  await bubble.getByRole('button', { name: 'Reenviar' }).click();
  expect((await delivered).sender).toBe('visitor');
  await page.locator('li.pending').waitFor({ state: 'detached' });
  await page.locator('li.msg', { hasText: over }).waitFor();
  expect(await page.getByText(RATE_MESSAGES).count()).toBe(0);
  expect((await send(agent, 'chat:close', { chatId, reason: 'resolved' })).ok).toBe(true);
});

test('a chat start past the limit: a pt-BR sentence with the seconds from Retry-After; the form keeps what was typed', async () => {
  // spend what is left of this address's starts (the browser and this test are both 127.0.0.1)
  const suporte = await departmentId(app.strapi, 'Suporte');
  let status = 0;
  for (let i = 0; i < START_POINTS && status !== 429; i++) {
    const res = await fetch(`${base}/api/live-chat/chats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Outra', email: 'outra@example.com', question: 'gasta o limite', departmentId: suporte }),
    });
    status = res.status;
  }
  const page = await newPage();
  await page.goto(`${base}/chat`);
  const question = 'Minha pergunta longa, que eu não quero digitar de novo';
  await fillStart(page, question);
  await page.getByRole('button', { name: 'Iniciar Chat' }).click();
  const alert = page.getByText(RATE_STARTS);
  await alert.waitFor();
  const seconds = Number(RATE_STARTS.exec((await alert.textContent()) ?? '')![1]);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(600);
  // still on the start form, every field as the visitor left it
  expect(await page.getByLabel('Nome').inputValue()).toBe('Maria Silva');
  expect(await page.getByLabel('E-mail').inputValue()).toBe('maria@example.com');
  expect(await page.getByLabel('Sua pergunta').inputValue()).toBe(question);
  expect(await page.getByRole('button', { name: 'Iniciar Chat' }).isVisible()).toBe(true);
  expect(await page.getByText(/Too many/).count()).toBe(0);
  await axeClean(page, 'start rate limited');
});
