/**
 * The visitor's side in real Chromium (Debian's package, driven by playwright-core), against the
 * running app on a fresh SQLite database; the agent is played by a socket.io-client script.
 * - the help page's scenario on the standalone page /chat, in pt-BR, with a PNG upload both ways;
 * - the leave-a-message flows; files refused before uploading; a reload and a dropped
 *   connection mid-chat; the widget embedded in a third-party page on another port (and refused
 *   on a page whose origin is not allowed).
 * Every screen is photographed at desktop size and 375 px wide (docs/screenshots/) and scanned
 * with axe-core: no serious or critical violation.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import type { AddressInfo } from 'net';
import { spawnSync } from 'child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStrapi, APP_DIR, type TestApp } from '../helpers/strapi';
import { agentSocket, closeAllSockets, createAgent, listen, next, send, type AnySocket } from '../helpers/realtime';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(APP_DIR, 'docs', 'screenshots');
const FIXTURES = path.join(APP_DIR, 'tests', 'fixtures', 'uploads');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

let app: TestApp;
let base: string;
let browser: Browser;
let agent: AnySocket;
let agentToken: string;
let allowedSite: http.Server;
let allowedOrigin: string;
let forbiddenSite: http.Server;
let forbiddenOrigin: string;

/** A plain third-party page that embeds the widget with one script tag, and styles that would
 * wreck any unprotected UI (the widget lives in a Shadow DOM). */
const thirdPartyPage = (widgetSrc: string) => `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Loja Exemplo</title>
<style>
  body { font: 16px Georgia, serif; background: #fafaf5; }
  button, input, select, textarea, label, p { all: unset; color: hotpink !important; font-size: 40px !important; }
</style></head>
<body><main><h1>Loja Exemplo</h1><p>Uma página qualquer de outro site.</p></main>
<script src="${widgetSrc}" data-locale="pt-BR" data-color="#0f766e"></script>
</body></html>`;

async function site(html: () => string): Promise<[http.Server, string]> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP_DIR, 'widget', 'dist', 'widget.js'))) {
    const built = spawnSync(process.execPath, [path.join(APP_DIR, 'scripts', 'build-widget.js')], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('could not build the widget');
  }
  fs.mkdirSync(SHOTS, { recursive: true });
  // The third-party sites exist before the app so the allowed one can be configured.
  [allowedSite, allowedOrigin] = await site(() => thirdPartyPage(`${base}/widget.js`));
  [forbiddenSite, forbiddenOrigin] = await site(() => thirdPartyPage(`${base}/widget.js`));
  app = await startStrapi({ env: { LIVE_CHAT_GRACE_SECONDS: '60', LIVE_CHAT_ORIGINS: allowedOrigin } });
  base = await listen(app.strapi);
  const ana = await createAgent(app.strapi, { firstname: 'Ana' });
  agentToken = ana.token;
  agent = agentSocket(base, ana.token);
  await next(agent, 'agent:state');
  await presence('online');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  closeAllSockets();
  await app?.stop();
  for (const s of [allowedSite, forbiddenSite]) {
    s?.closeAllConnections();
    s?.close();
  }
});

let context: BrowserContext;
afterEach(async () => {
  await context?.close();
  await presence('online');
});

async function presence(p: 'online' | 'away') {
  expect((await send(agent, 'presence:set', { presence: p })).ok).toBe(true);
}

async function newPage(): Promise<Page> {
  context = await browser.newContext({ viewport: DESKTOP, locale: 'pt-BR', bypassCSP: true });
  return context.newPage();
}

/** Screenshot at desktop size and 375 px wide, then an axe-core scan of the screen as it is. */
async function capture(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`) });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`) });
  await page.setViewportSize(DESKTOP);
  await axeClean(page, name);
}

async function axeClean(page: Page, name: string) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> = await page.evaluate(async () => {
    // the widget only (on a third-party page the host's own markup is not ours to judge)
    const result = await (window as any).axe.run({ include: [['[data-live-chat-host]']] }, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => ({ target: n.target })) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect({ screen: name, serious }).toEqual({ screen: name, serious: [] });
}

async function fillStart(page: Page, question = 'Como emito a segunda via do boleto?') {
  await page.getByLabel('Nome').fill('Maria Silva');
  await page.getByLabel('E-mail').fill('maria@example.com');
  await page.getByLabel('Sua pergunta').fill(question);
  await page.getByLabel('Departamento').selectOption({ label: 'Financeiro' });
}

/** Start form → Iniciar Chat → waiting; returns the queue item the agent saw. */
async function startFromPage(page: Page, question?: string) {
  await fillStart(page, question);
  const queued = next(agent, 'queue:added', (q) => q.question === (question ?? 'Como emito a segunda via do boleto?'));
  await page.getByRole('button', { name: 'Iniciar Chat' }).click();
  const item = await queued;
  await page.getByText('Posição na fila').first().waitFor();
  return item;
}

async function accept(page: Page, chatId: number) {
  expect((await send(agent, 'chat:accept', { chatId })).ok).toBe(true);
  await page.getByText('Você está falando com').waitFor();
}

async function agentFetch(pathname: string, init: RequestInit = {}) {
  return fetch(`${base}${pathname}`, { ...init, headers: { authorization: `Bearer ${agentToken}`, ...(init.headers ?? {}) } });
}

test('the help page: Iniciar Chat → waiting → accepted → messages and files both ways → closed → Fechar', async () => {
  const page = await newPage();
  await page.goto(`${base}/chat`);
  await page.getByRole('button', { name: 'Iniciar Chat' }).click();
  // an empty form is refused next to each field, in pt-BR, before anything is sent
  await page.getByText('Informe o seu nome (até 100 caracteres).').waitFor();
  await capture(page, 'start-errors');
  await fillStart(page);
  await capture(page, 'start');

  const queued = next(agent, 'queue:added');
  await page.getByRole('button', { name: 'Iniciar Chat' }).click();
  const item = await queued;
  expect(item).toMatchObject({ visitorName: 'Maria Silva', question: 'Como emito a segunda via do boleto?' });
  await page.getByText('Posição na fila').first().waitFor();
  await page.getByText('1 de 1').waitFor();
  await capture(page, 'waiting');

  await accept(page, item.chatId);
  await page.getByText('Ana Test').first().waitFor();
  expect((await send(agent, 'message:send', { chatId: item.chatId, clientId: 'a1', body: 'Olá Maria! Veja https://example.com/boleto' })).ok).toBe(true);
  await page.getByText('Olá Maria! Veja').waitFor();
  // links are clickable, http(s) only, and open away from the chat
  const link = page.getByRole('link', { name: 'https://example.com/boleto' });
  expect(await link.getAttribute('href')).toBe('https://example.com/boleto');
  expect(await link.getAttribute('rel')).toContain('noopener');

  const fromVisitor = next(agent, 'message:created', (m) => m.sender === 'visitor' && m.kind !== 'file');
  await page.getByLabel('Sua mensagem').fill('Obrigada! <b>não é negrito</b>');
  await page.getByLabel('Sua mensagem').press('Enter');
  expect((await fromVisitor).body).toBe('Obrigada! <b>não é negrito</b>');
  await page.getByText('Obrigada! <b>não é negrito</b>').waitFor(); // shown as text, never as HTML

  // The visitor attaches a PNG through the file picker; the progress bar reaches 100 % and the
  // agent receives the very same bytes.
  const png = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
  const fileArrived = next(agent, 'message:created', (m) => m.kind === 'file');
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Anexar arquivo' }).click();
  await (await chooser).setFiles(path.join(FIXTURES, 'sample.png'));
  await page.locator('.upload > span', { hasText: '100%' }).waitFor();
  expect(await page.locator('.upload progress').evaluate((p: HTMLProgressElement) => p.value)).toBe(100);
  await capture(page, 'upload');
  const fileMessage = await fileArrived;
  expect(fileMessage).toMatchObject({ sender: 'visitor', attachment: { name: 'sample.png', mime: 'image/png', size: png.length, inline: true } });
  const signed = await (await agentFetch(`/api/live-chat/chats/${item.chatId}/attachments/${fileMessage.attachment.id}`)).json();
  const bytes = Buffer.from(await (await fetch(`${base}${signed.url}`)).arrayBuffer());
  expect(bytes.equals(png)).toBe(true);

  // The agent sends a file back: the visitor sees it as a thumbnail with a download link.
  const form = new FormData();
  form.append('file', new Blob([fs.readFileSync(path.join(FIXTURES, 'sample.jpg'))], { type: 'image/jpeg' }), 'segunda-via.jpg');
  form.append('clientId', 'a-file-1');
  expect((await agentFetch(`/api/live-chat/chats/${item.chatId}/files`, { method: 'POST', body: form })).status).toBe(201);
  await page.getByRole('link', { name: /Baixar segunda-via\.jpg/ }).waitFor();
  await page.locator('img.thumb').nth(1).waitFor();
  await capture(page, 'chat');

  expect((await send(agent, 'chat:close', { chatId: item.chatId, reason: 'resolved', tags: ['boleto'] })).ok).toBe(true);
  await page.getByText('O atendimento foi encerrado.').waitFor();
  await capture(page, 'closed');
  // the optional rating, stored with the chat
  await page.getByText('★').nth(3).click();
  await page.getByLabel('Comentário (opcional)').fill('Resolvido rápido');
  await page.getByRole('button', { name: 'Enviar avaliação' }).click();
  await page.getByText('Obrigado pela avaliação!').waitFor();
  const rated = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: item.chatId } });
  expect(rated).toMatchObject({ rating: 4, ratingComment: 'Resolvido rápido' });
  await page.getByRole('button', { name: 'Fechar' }).click();
  await page.getByRole('button', { name: 'Iniciar Chat' }).waitFor();
  // ready for a new chat: the question is empty, the visitor's name and e-mail are kept
  expect(await page.getByLabel('Sua pergunta').inputValue()).toBe('');
  expect(await page.getByLabel('Nome').inputValue()).toBe('Maria Silva');
});

test('files that are too large or of a type not in the list are refused before uploading, with the limit and the types', async () => {
  const page = await newPage();
  await page.goto(`${base}/chat`);
  const item = await startFromPage(page, 'Posso mandar arquivos?');
  await accept(page, item.chatId);
  const countAttachments = async () => Number(((await app.strapi.db.connection('attachments').count({ n: '*' }))[0] as { n: number }).n);
  const attachmentsBefore = await countAttachments();
  const uploads: string[] = [];
  page.on('request', (r) => r.url().includes('/files') && r.method() === 'POST' && uploads.push(r.url()));

  const pick = async (file: Parameters<Awaited<ReturnType<Page['waitForEvent']>>['setFiles']>[0]) => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Anexar arquivo' }).click();
    await (await chooser).setFiles(file);
  };
  await pick({ name: 'planilha.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.alloc(11 * 1024 * 1024, 1) });
  const tooLarge = page.getByRole('alert').filter({ hasText: 'planilha.xlsx' });
  await tooLarge.waitFor();
  expect(await tooLarge.textContent()).toMatch(/grande demais.*O limite é 10 MB\. Tipos permitidos: .*png.*pdf/);
  await capture(page, 'file-refused');

  await pick(path.join(FIXTURES, 'program.exe'));
  const badType = page.getByRole('alert').filter({ hasText: 'program.exe' });
  await badType.waitFor();
  expect(await badType.textContent()).toMatch(/não é permitido\. Tipos permitidos: gif, jpeg, jpg, png, zip, rar, xls, xlsx, doc, docx, sql, pdf/);
  expect(uploads).toEqual([]);
  expect(await countAttachments()).toBe(attachmentsBefore);
});

test('leave a message: offered while waiting (prefilled with what was typed), and from the start form when nobody can answer', async () => {
  const page = await newPage();
  await page.goto(`${base}/chat`);
  const item = await startFromPage(page, 'Vocês entregam no sábado?');
  await page.getByLabel('Sua mensagem').fill('Podem me ligar amanhã de manhã?');
  // the sweeper's check, run as if the waiting limit had passed
  await app.strapi.plugin('live-chat').service('chats').offerLeaveToLongWaits(new Date(Date.now() + 24 * 3600 * 1000));
  await page.getByText('A espera está mais longa que o normal.').waitFor();
  await capture(page, 'waiting-offer');
  const removed = next(agent, 'queue:removed', (q) => q.chatId === item.chatId);
  await page.getByRole('button', { name: 'Deixar mensagem' }).click();
  expect(await page.getByLabel('Mensagem', { exact: true }).inputValue()).toBe('Podem me ligar amanhã de manhã?');
  expect(await page.getByLabel('E-mail').inputValue()).toBe('maria@example.com');
  await capture(page, 'leave-message');
  await page.getByRole('button', { name: 'Deixar mensagem' }).click();
  await page.getByText('Mensagem recebida!').waitFor();
  await capture(page, 'left');
  await removed;
  const chat = await app.strapi.db.query('api::chat.chat').findOne({ where: { id: item.chatId } });
  expect(chat.status).toBe('left_message');
  const bodies = (await app.strapi.db.connection('messages').where({ chat_id: item.chatId }).select('body')).map((m: { body: string }) => m.body);
  expect(bodies).toContain('Podem me ligar amanhã de manhã?');

  // Nobody online: the start screen says so and its button leaves the question as a message.
  await presence('away');
  await page.getByRole('button', { name: 'Fechar' }).click();
  await page.reload();
  await page.getByText('Ninguém pode responder agora.').waitFor();
  await fillStart(page, 'Qual o prazo de entrega para Manaus?');
  await capture(page, 'start-nobody');
  await page.getByRole('button', { name: 'Deixar mensagem' }).click();
  await page.getByText('Mensagem recebida!').waitFor();
  const left = await app.strapi.db.query('api::chat.chat').findOne({ where: { question: 'Qual o prazo de entrega para Manaus?' } });
  expect(left.status).toBe('left_message');
});

test('a reload mid-chat resumes the same chat; a dropped connection is shown, recovered, and nothing is shown twice or lost', async () => {
  const page = await newPage();
  await page.goto(`${base}/chat`);
  const item = await startFromPage(page, 'Meu pedido não chegou');
  await accept(page, item.chatId);
  expect((await send(agent, 'message:send', { chatId: item.chatId, clientId: 'r1', body: 'Qual o número do pedido?' })).ok).toBe(true);
  const first = next(agent, 'message:created', (m) => m.sender === 'visitor');
  await page.getByLabel('Sua mensagem').fill('É o 4521');
  await page.getByLabel('Sua mensagem').press('Enter');
  await first;

  await page.reload();
  await page.getByText('Você está falando com').waitFor();
  await page.getByText('É o 4521').waitFor();
  expect(await page.getByText('Qual o número do pedido?').count()).toBe(1);
  expect(await page.getByText('É o 4521').count()).toBe(1);

  // The server drops the visitor's transport; the agent writes meanwhile.
  const visitors = app.strapi.plugin('live-chat').service('notifier').visitors();
  const sockets = await visitors.in(`chat:${item.chatId}`).fetchSockets();
  expect(sockets.length).toBe(1);
  (visitors.sockets.get(sockets[0].id) as any).conn.close();
  await page.getByText('Conexão perdida. Reconectando…').waitFor();
  expect((await send(agent, 'message:send', { chatId: item.chatId, clientId: 'r2', body: 'Encontrei, sai hoje.' })).ok).toBe(true);
  await page.getByText('Encontrei, sai hoje.').waitFor();
  await page.getByText('Conexão perdida. Reconectando…').waitFor({ state: 'detached' });
  const after = next(agent, 'message:created', (m) => m.sender === 'visitor');
  await page.getByLabel('Sua mensagem').fill('Obrigada!');
  await page.getByLabel('Sua mensagem').press('Enter');
  expect((await after).body).toBe('Obrigada!');
  for (const text of ['Qual o número do pedido?', 'É o 4521', 'Encontrei, sai hoje.', 'Obrigada!']) expect(await page.getByText(text, { exact: true }).count()).toBe(1);
});

test('embedded in a third-party page on another port: launcher, chat, unread badge; refused on a site not allowed', async () => {
  const page = await newPage();
  await page.goto(allowedOrigin);
  const launcher = page.getByRole('button', { name: 'Abrir o chat' });
  await launcher.waitFor();
  await capture(page, 'embed-launcher');
  await launcher.click();
  // the host page's hostile CSS does not reach inside the widget
  const nameBox = page.getByLabel('Nome');
  expect(await nameBox.evaluate((el) => getComputedStyle(el).fontSize)).not.toBe('40px');
  const item = await startFromPage(page, 'Comprei pelo site de vocês');
  await accept(page, item.chatId);
  expect((await send(agent, 'message:send', { chatId: item.chatId, clientId: 'e1', body: 'Olá! Em que posso ajudar?' })).ok).toBe(true);
  await page.getByText('Olá! Em que posso ajudar?').waitFor();
  await capture(page, 'embed-chat');

  await page.getByRole('button', { name: 'Minimizar' }).click();
  expect((await send(agent, 'message:send', { chatId: item.chatId, clientId: 'e2', body: 'Ainda está aí?' })).ok).toBe(true);
  await page.getByRole('button', { name: /^Abrir o chat: ?1 ?mensagem não lida$/ }).waitFor();
  await capture(page, 'embed-unread');
  await page.getByRole('button', { name: /Abrir o chat/ }).click();
  await page.getByText('Ainda está aí?').waitFor();

  // The same page on an origin that is not in LIVE_CHAT_ORIGINS: the API refuses it (CORS).
  const other = await context.newPage();
  await other.goto(forbiddenOrigin);
  await other.getByRole('button', { name: 'Abrir o chat' }).click();
  await other.getByText('Não foi possível carregar o chat.').waitFor();
});

/** Presses Tab until the focused control (inside the widget's shadow root) is the one named. */
async function tabTo(page: Page, name: string, max = 20) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      let el = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      if (!el) return '';
      const label = el.id ? (el.getRootNode() as ParentNode).querySelector(`label[for="${el.id}"]`) : null;
      return (el.getAttribute('aria-label') ?? label?.textContent ?? el.textContent ?? '').trim();
    });
    if (focused === name) return;
  }
  throw new Error(`"${name}" cannot be reached with the Tab key`);
}

test('the whole flow with the keyboard alone', async () => {
  const page = await newPage();
  await page.goto(`${base}/chat`);
  await page.getByLabel('Nome').waitFor();
  await tabTo(page, 'Nome');
  await page.keyboard.type('João Teclado');
  await tabTo(page, 'E-mail');
  await page.keyboard.type('joao@example.com');
  await tabTo(page, 'Sua pergunta');
  await page.keyboard.type('Uso só o teclado');
  await tabTo(page, 'Iniciar Chat');
  const queued = next(agent, 'queue:added', (q) => q.question === 'Uso só o teclado');
  await page.keyboard.press('Enter');
  const item = await queued;
  await accept(page, item.chatId);

  await tabTo(page, 'Sua mensagem');
  const fromVisitor = next(agent, 'message:created', (m) => m.sender === 'visitor');
  await page.keyboard.type('Enviado com Enter');
  await page.keyboard.press('Enter');
  expect((await fromVisitor).body).toBe('Enviado com Enter');

  await tabTo(page, 'Encerrar chat');
  const closed = next(agent, 'chat:closed', (c) => c.chatId === item.chatId);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter'); // "Sim, encerrar" has the focus
  await closed;
  await page.getByText('O atendimento foi encerrado.').waitFor();
  await tabTo(page, 'Fechar');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Iniciar Chat' }).waitFor();
});
