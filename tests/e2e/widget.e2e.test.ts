/**
 * The help page's scenario in real Chromium (Debian's package, driven by playwright-core): the
 * visitor on the standalone chat page (/chat, pt-BR), the agent played by a socket.io-client.
 * Screenshots of each screen go to docs/screenshots/.
 */
import fs from 'fs';
import path from 'path';
import { spawnSync } from 'child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startStrapi, APP_DIR, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, listen, next, send, type AnySocket } from '../helpers/realtime';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(APP_DIR, 'docs', 'screenshots');

let app: TestApp;
let base: string;
let browser: Browser;
let agent: AnySocket;

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP_DIR, 'widget', 'dist', 'widget.js'))) {
    const built = spawnSync(process.execPath, [path.join(APP_DIR, 'scripts', 'build-widget.js')], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('could not build the widget');
  }
  app = await startStrapi({ env: { LIVE_CHAT_GRACE_SECONDS: '60' } });
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
  await browser?.close();
  closeAllSockets();
  await app?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

test('Iniciar Chat → waiting with a position → accepted → messages both ways → closed → Fechar', async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'pt-BR' });
  await page.goto(`${base}/chat`);
  await page.getByLabel('Nome').fill('Maria Silva');
  await page.getByLabel('E-mail').fill('maria@example.com');
  await page.getByLabel('Sua pergunta').fill('Como emito a segunda via do boleto?');
  await page.getByLabel('Departamento').selectOption({ label: 'Financeiro' });
  await shot(page, 'start-desktop');

  const queued = next(agent, 'queue:added');
  await page.getByRole('button', { name: 'Iniciar Chat' }).click();
  const item = await queued;
  expect(item).toMatchObject({ visitorName: 'Maria Silva', question: 'Como emito a segunda via do boleto?' });
  await page.getByText('Posição na fila').first().waitFor();
  await shot(page, 'waiting-desktop');

  expect((await send(agent, 'chat:accept', { chatId: item.chatId })).ok).toBe(true);
  await page.getByText('Ana Test').first().waitFor();
  expect((await send(agent, 'message:send', { chatId: item.chatId, clientId: 'a1', body: 'Olá Maria! Vou gerar o boleto.' })).ok).toBe(true);
  await page.getByText('Olá Maria! Vou gerar o boleto.').waitFor();

  const fromVisitor = next(agent, 'message:created', (m) => m.sender === 'visitor');
  await page.getByLabel('Sua mensagem').fill('Obrigada! <b>não é negrito</b>');
  await page.getByLabel('Sua mensagem').press('Enter');
  expect((await fromVisitor).body).toBe('Obrigada! <b>não é negrito</b>');
  // user text is shown as text, never as HTML
  await page.getByText('Obrigada! <b>não é negrito</b>').waitFor();
  await shot(page, 'chat-desktop');

  expect((await send(agent, 'chat:close', { chatId: item.chatId, reason: 'resolved', tags: ['boleto'] })).ok).toBe(true);
  await page.getByText('O atendimento foi encerrado.').waitFor();
  await shot(page, 'closed-desktop');
  await page.getByRole('button', { name: 'Fechar' }).click();
  await page.getByRole('button', { name: 'Iniciar Chat' }).waitFor();
  await page.close();
});
