// @vitest-environment node
// A check against a running Strapi, run by its own command (not part of `npm test`):
//   LIVE_CHAT_URL=http://127.0.0.1:1337 LIVE_CHAT_ADMIN_TOKEN=<admin access token> npm run test:live
// The agent side is played by a socket.io-client script; the visitor is the real ChatState with
// the real socket.io-client (Node build) and fetch. Long-polling only: under vitest's workers the
// Node build's WebSocket transport never opened (plain node is fine), which is a test-runner matter.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ChatState, type SocketFactory } from '../../src/lib/chat-state.svelte';
import { MemoryStorage } from '../helpers/fakes';

const URL_ = process.env.LIVE_CHAT_URL;
const TOKEN = process.env.LIVE_CHAT_ADMIN_TOKEN;
const { io } = createRequire(import.meta.url)('socket.io-client') as typeof import('socket.io-client');
const until = async (cond: () => unknown, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

if (!URL_ || !TOKEN) throw new Error('Set LIVE_CHAT_URL and LIVE_CHAT_ADMIN_TOKEN (see the comment at the top of this file)');

describe('against a running server', () => {
  it('start → waiting → accepted → messages both ways → reload resumes → closed → rating → Fechar', async () => {
    const agent = io(`${URL_}/agent`, { auth: { token: TOKEN }, transports: ['polling'] });
    const agentGot: any[] = [];
    agent.on('message:created', (m: any) => agentGot.push(m));
    await until(() => agent.connected);
    expect((await agent.timeout(3000).emitWithAck('presence:set', { presence: 'online' })).ok).toBe(true);

    const storage = new MemoryStorage();
    const createSocket: SocketFactory = (url, opts) => io(url, { ...opts, transports: ['polling'] }) as any;
    const make = () => new ChatState({ server: URL_!, locale: 'pt-BR', createSocket, storage });
    const v = make();
    await v.init();
    expect(v.departments.length).toBeGreaterThan(0);
    expect(v.canAnswer).toBe(true);
    Object.assign(v.form, { name: 'Visitante Teste', email: 'visitante@example.com', question: 'Olá, preciso de ajuda com meu site' });
    const queued = new Promise<any>((r) => agent.once('queue:added', r));
    await v.start();
    expect(v.screen).toBe('waiting');
    await until(() => v.connection === 'online' && v.queue);
    expect(v.queue!.position).toBe(1);
    v.send('Escrevendo enquanto espero');
    await until(() => v.messages.length === 1 && v.pending.length === 0);

    const item = await queued;
    const acc = await agent.timeout(3000).emitWithAck('chat:accept', { chatId: item.chatId });
    expect(acc.ok).toBe(true);
    await until(() => v.screen === 'chat');
    expect(v.agentName).toBeTruthy();

    await agent.timeout(3000).emitWithAck('message:send', { chatId: item.chatId, clientId: 'a-1', body: 'Olá! veja https://example.com' });
    await agent.timeout(3000).emitWithAck('message:send', { chatId: item.chatId, clientId: 'a-note', body: 'nota', visibility: 'agents' });
    await until(() => v.messages.some((m) => m.body.startsWith('Olá! veja')));
    v.send('Obrigado');
    await until(() => agentGot.some((m) => m.body === 'Obrigado'));

    // a reload within the grace period: same tab storage, new state, nothing twice
    v.destroy();
    const r = make();
    await r.init();
    await until(() => r.screen === 'chat' && !r.resuming);
    await agent.timeout(3000).emitWithAck('message:send', { chatId: item.chatId, clientId: 'a-2', body: 'Ainda aqui' });
    await until(() => r.messages.some((m) => m.body === 'Ainda aqui'));
    const seqs = r.messages.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(r.messages.some((m) => m.body === 'nota')).toBe(false);

    expect((await agent.timeout(3000).emitWithAck('chat:close', { chatId: item.chatId, reason: 'resolved' })).ok).toBe(true);
    await until(() => r.screen === 'closed');
    await r.rate(5, 'Ótimo atendimento');
    expect(r.afterError).toBeNull();
    expect(r.ratingDone).toBe(true);
    r.restart();
    expect(r.screen).toBe('start');
    r.destroy();
    agent.disconnect();
  }, 30000);
  it('nobody online: the start form leaves a message', async () => {
    const agent = io(`${URL_}/agent`, { auth: { token: TOKEN }, transports: ['polling'] });
    await until(() => agent.connected);
    await agent.timeout(3000).emitWithAck('presence:set', { presence: 'offline' });
    const createSocket: SocketFactory = (url, opts) => io(url, { ...opts, transports: ['polling'] }) as any;
    const v = new ChatState({ server: URL_!, locale: 'pt-BR', createSocket, storage: new MemoryStorage() });
    await v.init();
    expect(v.canAnswer).toBe(false);
    Object.assign(v.form, { name: 'Visitante', email: 'deixou@example.com', question: 'Podem me ligar?' });
    await v.start();
    expect(v.formError).toBeNull();
    expect(v.screen).toBe('left');
    v.destroy();
    agent.disconnect();
  }, 15000);
});
