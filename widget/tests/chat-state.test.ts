import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatState } from '../src/lib/chat-state.svelte';
import { chatView, deps, fakeFetch, flush, MemoryStorage, msg, queue, socketFactory, widgetConfig } from './helpers/fakes';

const SESSION = 'live-chat:session';
let states: ChatState[] = [];
afterEach(() => {
  states.forEach((s) => s.destroy());
  states = [];
});

function setup(opts: { storage?: MemoryStorage; startStatus?: string; startResponse?: any } = {}) {
  const sockets = socketFactory();
  const api = fakeFetch({
    'GET /api/live-chat/widget-config': () => ({ status: 200, body: widgetConfig() }),
    'POST /api/live-chat/chats': () =>
      opts.startResponse ?? {
        status: 201,
        body: { chatId: 12, token: 'tok-12', status: opts.startStatus ?? 'waiting', queue: opts.startStatus === 'left_message' ? null : queue(1) },
      },
    'POST /api/live-chat/chats/12/rating': (init) => ({ status: 200, body: { rating: JSON.parse(String(init.body)).rating, comment: null } }),
    'POST /api/live-chat/chats/12/transcript': () => ({ status: 200, body: { sentAt: '2026-11-24T13:00:00Z' } }),
  });
  const notify = vi.fn();
  const d = deps({ createSocket: sockets.create, fetch: api.fn, notify, ...(opts.storage ? { storage: opts.storage } : {}) });
  const state = new ChatState(d);
  states.push(state);
  return { state, sockets, api, storage: d.storage, notify };
}

async function started(opts = {}) {
  const ctx = setup(opts);
  await ctx.state.init();
  Object.assign(ctx.state.form, { name: 'Maria', email: 'maria@example.com', question: 'Como faço?' });
  await ctx.state.start();
  return ctx;
}

describe('ChatState transitions', () => {
  it('start → waiting → chat → closed → Fechar → start', async () => {
    const { state, sockets, api, storage } = await started();
    expect(api.calls[1]).toMatchObject({ method: 'POST', body: { name: 'Maria', email: 'maria@example.com', question: 'Como faço?', departmentId: 1, locale: 'pt-BR' } });
    expect(state.screen).toBe('waiting');
    expect(state.queue?.position).toBe(1);
    const s = sockets.last();
    expect(s.url).toBe('http://chat.test/visitor');
    expect(s.handshake()).toEqual({ chatId: 12, token: 'tok-12', lastSeq: 0 });
    expect(JSON.parse(storage.getItem(SESSION)!)).toMatchObject({ chatId: 12, token: 'tok-12', lastSeq: 0 });

    s.fire('connect');
    s.fire('chat:state', { chat: chatView(), messages: [], queue: queue(2) });
    expect(state.screen).toBe('waiting');
    s.fire('queue:position', queue(1));
    expect(state.queue?.position).toBe(1);

    s.fire('chat:accepted', { agentName: 'Ana', acceptedAt: '2026-11-24T12:01:00Z' });
    expect(state.screen).toBe('chat');
    expect(state.agentName).toBe('Ana');

    s.fire('typing', { from: 'agent', name: 'Ana', typing: true });
    expect(state.agentTyping).toBe('Ana');
    s.fire('message:created', msg({ seq: 1, body: 'Olá!' }));
    expect(state.agentTyping).toBeNull();
    expect(state.messages.map((m) => m.body)).toEqual(['Olá!']);

    s.fire('chat:closed', { closedBy: 'agent', reason: 'resolved', closedAt: '2026-11-24T12:10:00Z', status: 'closed' });
    expect(state.screen).toBe('closed');
    expect(s.disconnected).toBe(true);

    await state.rate(5, 'Ótimo');
    expect(state.ratingDone).toBe(true);
    const rating = api.calls.find((c) => c.url.endsWith('/rating'))!;
    expect(rating.body).toEqual({ rating: 5, comment: 'Ótimo' });
    expect((rating.init.headers as Record<string, string>).Authorization).toBe('Bearer tok-12');
    await state.requestTranscript();
    expect(state.transcriptDone).toBe(true);
    expect(api.calls.find((c) => c.url.endsWith('/transcript'))!.body).toEqual({});

    state.restart();
    expect(state.screen).toBe('start');
    expect(state.messages).toEqual([]);
    expect(state.form.question).toBe('');
    expect(state.form.name).toBe('Maria');
    expect(storage.getItem(SESSION)).toBeNull();
  });

  it('a department nobody can answer: the start leaves a message', async () => {
    const { state, sockets } = setup({ startStatus: 'left_message' });
    await state.init();
    state.form.departmentId = 3;
    expect(state.canAnswer).toBe(false);
    Object.assign(state.form, { name: 'Maria', email: 'maria@example.com', question: 'Liguem-me' });
    await state.start();
    expect(state.screen).toBe('left');
    expect(sockets.sockets).toHaveLength(0);
    state.restart();
    expect(state.screen).toBe('start');
  });

  it('shows the server field errors next to the fields', async () => {
    const { state } = setup({
      startResponse: {
        status: 400,
        body: { error: { code: 'validation_failed', message: 'Dados inválidos', fields: { email: 'E-mail inválido', name: 'Obrigatório' } } },
      },
    });
    await state.init();
    Object.assign(state.form, { name: 'Maria', email: 'maria@example.com', question: 'Como faço?' });
    await state.start();
    expect(state.screen).toBe('start');
    expect(state.fieldErrors).toEqual({ email: 'Informe um e-mail válido, como nome@exemplo.com.', name: 'Informe o seu nome (até 100 caracteres).' });
    expect(state.formError).toBeNull();
  });

  it('a start refused for going too fast (429): a pt-BR sentence with Retry-After; what was typed stays', async () => {
    const { state } = setup({
      startResponse: {
        status: 429,
        headers: { 'Retry-After': '42' },
        body: { error: { code: 'rate_limited', message: 'Too many chats started from your address: try again in 42 s', retryAfter: 42 } },
      },
    });
    await state.init();
    Object.assign(state.form, { name: 'Maria', email: 'maria@example.com', question: 'Como faço?' });
    await state.start();
    expect(state.screen).toBe('start');
    expect(state.formError).toBe('Muitas tentativas seguidas. Tente de novo em 42 segundos.');
    expect(state.form).toMatchObject({ name: 'Maria', email: 'maria@example.com', question: 'Como faço?' });
  });

  it('the offer to leave a message while waiting: prefilled, sent over the socket', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    s.fire('chat:offer-leave-message', { reason: 'waited_too_long' });
    expect(state.offerLeave).toBe('waited_too_long');
    state.typed('Podem me ligar amanhã?');
    state.openLeaveMessage();
    expect(state.screen).toBe('leave-message');
    expect(state.draft).toBe('Podem me ligar amanhã?');
    s.respond = (event) => (event === 'chat:leave-message' ? { ok: true, chat: chatView({ status: 'left_message' }) } : { ok: true });
    await state.leaveMessage(state.draft);
    expect(s.acks.at(-1)).toEqual(['chat:leave-message', { body: 'Podem me ligar amanhã?' }]);
    expect(state.screen).toBe('left');
    expect(s.disconnected).toBe(true);
  });

  it('an agent accepting meanwhile refuses the left message and shows the chat', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    state.openLeaveMessage();
    s.respond = () => ({ ok: false, error: { code: 'invalid_state', message: 'accepted' } });
    await state.leaveMessage('x');
    expect(state.screen).toBe('chat');
  });

  it('ending the chat', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    s.fire('chat:accepted', { agentName: 'Ana', acceptedAt: '' });
    await state.endChat();
    expect(s.acks.at(-1)).toEqual(['chat:end', {}]);
    expect(state.screen).toBe('closed');
  });

  it('requeued after the agent left: waiting again', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('chat:accepted', { agentName: 'Ana', acceptedAt: '' });
    s.fire('chat:requeued', { reason: 'agent_left', queue: queue(1) });
    expect(state.screen).toBe('waiting');
    expect(state.agentName).toBeNull();
  });
});

describe('messages', () => {
  it('de-duplicates by seq and keeps seq order; private notes never shown', async () => {
    const { state, sockets, storage } = await started();
    const s = sockets.last();
    s.fire('connect');
    s.fire('chat:state', { chat: chatView({ status: 'active', agentName: 'Ana' }), messages: [msg({ seq: 1 }), msg({ seq: 2 })], queue: null });
    s.fire('message:created', msg({ seq: 2 }));
    s.fire('message:created', msg({ seq: 4 }));
    s.fire('message:created', msg({ seq: 3, visibility: 'agents' }));
    s.fire('message:created', msg({ seq: 1 }));
    // a reconnection replays what came after lastSeq, possibly overlapping
    s.fire('chat:state', { chat: chatView({ status: 'active', agentName: 'Ana' }), messages: [msg({ seq: 4 }), msg({ seq: 5 })], queue: null });
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 4, 5]);
    expect(state.lastSeq).toBe(5);
    expect(JSON.parse(storage.getItem(SESSION)!).lastSeq).toBe(5);
    expect(s.handshake().lastSeq).toBe(5);
  });

  it('sends with a clientId, shows it pending, settles it by the ack and ignores the echo', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    let sent: any;
    s.respond = (event, p) => {
      sent = p;
      return { ok: true, message: msg({ seq: 7, sender: 'visitor', senderName: 'Maria', clientId: p.clientId, body: p.body }) };
    };
    expect(state.send('  Olá, preciso de ajuda  ')).toBe(true);
    expect(state.pending).toHaveLength(1);
    await flush();
    expect(sent.body).toBe('Olá, preciso de ajuda');
    expect(sent.clientId).toMatch(/^[A-Za-z0-9_\-:.]{1,64}$/);
    expect(state.pending).toHaveLength(0);
    s.fire('message:created', msg({ seq: 7, sender: 'visitor', clientId: sent.clientId, body: sent.body }));
    expect(state.messages.map((m) => m.body)).toEqual(['Olá, preciso de ajuda']);
  });

  it('a message refused for going too fast: a pt-BR sentence with the seconds to wait; the text is kept and resent', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    s.respond = () => ({ ok: false, error: { code: 'rate_limited', message: 'Too many messages: wait 7 s and try again', retryAfter: 7 } });
    state.send('Mais uma pergunta');
    await flush();
    expect(state.pending).toMatchObject([{ body: 'Mais uma pergunta', error: 'Muitas mensagens em pouco tempo. Tente de novo em 7 segundos.' }]);
    // one second, said in the singular; an old server without retryAfter: a minute
    s.respond = () => ({ ok: false, error: { code: 'rate_limited', message: 'wait', retryAfter: 1 } });
    state.retry(state.pending[0].clientId);
    await flush();
    expect(state.pending[0].error).toBe('Muitas mensagens em pouco tempo. Tente de novo em 1 segundo.');
    s.respond = () => ({ ok: false, error: { code: 'rate_limited', message: 'wait' } });
    state.retry(state.pending[0].clientId);
    await flush();
    expect(state.pending[0].error).toBe('Muitas mensagens em pouco tempo. Tente de novo em 60 segundos.');
    // Reenviar once the wait is over: the same text, the same clientId, delivered
    const clientId = state.pending[0].clientId;
    s.respond = (_e, p) => ({ ok: true, message: msg({ seq: 3, sender: 'visitor', clientId: p.clientId, body: p.body }) });
    state.retry(clientId);
    await flush();
    expect(s.acks.at(-1)![1]).toEqual({ clientId, body: 'Mais uma pergunta' });
    expect(state.pending).toHaveLength(0);
    expect(state.messages.map((m) => m.body)).toEqual(['Mais uma pergunta']);
  });

  it('a left message refused for going too fast says so in pt-BR', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    s.respond = () => ({ ok: false, error: { code: 'rate_limited', message: 'Too many messages left: wait 30 s and try again', retryAfter: 30 } });
    await state.leaveMessage('Podem me ligar?');
    expect(state.leaveError).toBe('Muitas mensagens em pouco tempo. Tente de novo em 30 segundos.');
  });

  it('a message written while offline is sent on reconnection with the same clientId', async () => {
    const { state, sockets } = await started();
    const s = sockets.last();
    s.fire('connect');
    s.fire('disconnect', 'transport close');
    expect(state.connection).toBe('offline');
    state.send('ainda aí?');
    await flush();
    expect(s.acks).toHaveLength(0);
    s.fire('connect');
    await flush();
    expect(state.connection).toBe('online');
    expect(s.acks[0][0]).toBe('message:send');
    expect(s.acks[0][1].clientId).toBe(state.pending[0]?.clientId ?? s.acks[0][1].clientId);
  });

  it('counts unread agent messages while minimised and plays the sound', async () => {
    const { state, sockets, notify } = await started();
    const s = sockets.last();
    state.setPanelOpen(false);
    s.fire('message:created', msg({ seq: 1 }));
    s.fire('message:created', msg({ seq: 2, sender: 'visitor' }));
    expect(state.unread).toBe(1);
    expect(notify).toHaveBeenCalledTimes(1);
    state.setPanelOpen(true);
    expect(state.unread).toBe(0);
  });
});

describe('resume after a reload', () => {
  it('after a reload, reconnects with the saved chat, replays from the first message and lands on the right screen', async () => {
    const storage = new MemoryStorage();
    storage.setItem(SESSION, JSON.stringify({ chatId: 12, token: 'tok-12', lastSeq: 3, name: 'Maria', email: 'maria@example.com' }));
    const { state, sockets } = setup({ storage });
    await state.init();
    expect(state.resuming).toBe(true);
    const s = sockets.last();
    expect(s.handshake()).toEqual({ chatId: 12, token: 'tok-12', lastSeq: 0 }); // nothing shown yet: everything
    s.fire('connect');
    s.fire('chat:state', { chat: chatView({ status: 'active', agentName: 'Ana', lastSeq: 4 }), messages: [msg({ seq: 4 })], queue: null });
    expect(state.resuming).toBe(false);
    expect(state.screen).toBe('chat');
    expect(state.agentName).toBe('Ana');
    expect(state.lastSeq).toBe(4);
  });

  it('a saved chat the server refuses starts afresh', async () => {
    const storage = new MemoryStorage();
    storage.setItem(SESSION, JSON.stringify({ chatId: 12, token: 'bad', lastSeq: 0 }));
    const { state, sockets } = setup({ storage });
    await state.init();
    sockets.last().fire('connect_error', Object.assign(new Error('unauthorized'), { data: { code: 'unauthorized', message: 'x' } }));
    expect(state.screen).toBe('start');
    expect(state.resuming).toBe(false);
    expect(storage.getItem(SESSION)).toBeNull();
  });

  it('a transient connection error shows the banner and keeps the chat', async () => {
    const { state, sockets, storage } = await started();
    sockets.last().fire('connect_error', new Error('xhr poll error'));
    expect(state.connection).toBe('offline');
    expect(storage.getItem(SESSION)).not.toBeNull();
  });
});

describe('waiting time', () => {
  it('ticks from the queue information', async () => {
    let now = 1_000_000;
    const sockets = socketFactory();
    const api = fakeFetch({ 'GET /api/live-chat/widget-config': () => ({ status: 200, body: widgetConfig() }) });
    const state = new ChatState(deps({ createSocket: sockets.create, fetch: api.fn, now: () => now }));
    states.push(state);
    await state.init();
    (state as any).setQueue(queue(1, { waitingSeconds: 30 }));
    now += 12_000;
    state.now = now;
    expect(state.waitedSeconds).toBe(42);
  });
});
