import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import Widget from '../src/components/Widget.svelte';
import { ChatState } from '../src/lib/chat-state.svelte';
import { chatView, dept, deps, fakeFetch, flush, msg, queue, socketFactory, widgetConfig } from './helpers/fakes';

let state: ChatState;
afterEach(() => state?.destroy());

function setup(opts: { locale?: 'pt-BR' | 'en'; mode?: 'page' | 'widget'; start?: any; config?: any } = {}) {
  const sockets = socketFactory();
  const api = fakeFetch({
    'GET /api/live-chat/widget-config': () => ({ status: 200, body: opts.config ?? widgetConfig() }),
    'POST /api/live-chat/chats': () => opts.start ?? { status: 201, body: { chatId: 12, token: 'tok-12', status: 'waiting', queue: queue(1) } },
  });
  state = new ChatState(deps({ locale: opts.locale ?? 'pt-BR', createSocket: sockets.create, fetch: api.fn }));
  state.setPanelOpen(opts.mode !== 'widget');
  const r = render(Widget, { props: { app: state, mode: opts.mode ?? 'page' } });
  void state.init();
  return { ...r, sockets, api };
}

async function fillStart() {
  await screen.findByLabelText('Nome');
  await fireEvent.input(screen.getByLabelText('Nome'), { target: { value: 'Maria' } });
  await fireEvent.input(screen.getByLabelText('E-mail'), { target: { value: 'maria@example.com' } });
  await fireEvent.input(screen.getByLabelText('Sua pergunta'), { target: { value: 'Como faço?' } });
}

async function toChat() {
  const ctx = setup();
  await fillStart();
  await fireEvent.click(screen.getByRole('button', { name: 'Iniciar Chat' }));
  await screen.findByText(/Aguardando a participação/);
  const s = ctx.sockets.last();
  s.fire('connect');
  s.fire('chat:accepted', { agentName: 'Ana', acceptedAt: '' });
  await flush();
  return { ...ctx, s };
}

describe('Start screen', () => {
  it('has the help page labels in pt-BR, the departments and the privacy notice', async () => {
    setup();
    expect(await screen.findByLabelText('Nome')).toBeTruthy();
    expect(screen.getByLabelText('E-mail').getAttribute('type')).toBe('email');
    expect(screen.getByLabelText('Sua pergunta').tagName).toBe('TEXTAREA');
    const select = screen.getByLabelText('Departamento') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['Comercial', 'Suporte', 'Financeiro']);
    expect(screen.getByRole('button', { name: 'Iniciar Chat' })).toBeTruthy();
    expect(screen.getByText('Seus dados são usados apenas para este atendimento.')).toBeTruthy();
  });

  it('English by locale', async () => {
    setup({ locale: 'en' });
    expect(await screen.findByLabelText('Name')).toBeTruthy();
    expect(screen.getByLabelText('Your question')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start chat' })).toBeTruthy();
  });

  it('an empty form is refused before any request, each error next to its field, in pt-BR', async () => {
    const { api } = setup();
    await screen.findByLabelText('Nome');
    await fireEvent.input(screen.getByLabelText('E-mail'), { target: { value: 'maria@' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Iniciar Chat' }));
    for (const [label, text] of [
      ['Nome', 'Informe o seu nome (até 100 caracteres).'],
      ['E-mail', 'Informe um e-mail válido, como nome@exemplo.com.'],
      ['Sua pergunta', 'Escreva sua pergunta (até 2000 caracteres).'],
    ]) {
      const input = screen.getByLabelText(label);
      await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
      expect(input.getAttribute('aria-describedby')).toBe(screen.getByText(text).id);
    }
    expect(api.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it("the server's field errors are shown next to the field in the visitor's language", async () => {
    setup({ start: { status: 400, body: { error: { code: 'validation_failed', message: 'Some fields are invalid', fields: { email: 'Invalid email' } } } } });
    await fillStart();
    await fireEvent.click(screen.getByRole('button', { name: 'Iniciar Chat' }));
    const email = screen.getByLabelText('E-mail');
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    expect(email.getAttribute('aria-describedby')).toBe(screen.getByText('Informe um e-mail válido, como nome@exemplo.com.').id);
    expect(screen.queryByText('Invalid email')).toBeNull();
  });

  it('when nobody can answer, says so and the button leaves a message', async () => {
    setup({ config: widgetConfig({}, [dept({ canAnswer: false, online: false })]) });
    expect(await screen.findByText(/Ninguém pode responder agora/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Deixar mensagem' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Iniciar Chat' })).toBeNull();
  });
});

describe('Waiting and chat screens', () => {
  it('waiting shows the position and the estimated wait, and the offer', async () => {
    const { sockets } = setup();
    await fillStart();
    await fireEvent.click(screen.getByRole('button', { name: 'Iniciar Chat' }));
    await screen.findByText(/Aguardando a participação/);
    expect(screen.getByText('1 de 2')).toBeTruthy();
    expect(screen.getByText('~2 min')).toBeTruthy();
    sockets.last().fire('chat:offer-leave-message', { reason: 'nobody_online' });
    await fireEvent.click(await screen.findByRole('button', { name: 'Deixar mensagem' }));
    expect(screen.getByLabelText('Mensagem')).toBeTruthy();
  });

  it('renders user text as text, links http(s) only, in an aria-live log', async () => {
    const { s } = await toChat();
    expect(screen.getByText('Ana')).toBeTruthy();
    s.fire('message:created', msg({ seq: 1, body: '<img src=x onerror="alert(1)"> <b>oi</b>' }));
    s.fire('message:created', msg({ seq: 2, body: 'veja https://example.com/x e javascript:alert(1)' }));
    await flush();
    const log = screen.getByRole('log');
    expect(log.getAttribute('aria-live')).toBe('polite');
    expect(log.querySelector('img, b')).toBeNull();
    expect(screen.getByText('<img src=x onerror="alert(1)"> <b>oi</b>')).toBeTruthy();
    const links = [...log.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/x']);
    expect(links[0].getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(log.textContent).toContain('javascript:alert(1)');
  });

  it('Enter sends; the end needs a confirmation; Fechar goes back to the start form', async () => {
    const { s } = await toChat();
    s.respond = (event, p) =>
      event === 'message:send' ? { ok: true, message: msg({ seq: 5, sender: 'visitor', clientId: p.clientId, body: p.body }) } : { ok: true };
    const box = screen.getByLabelText('Sua mensagem');
    await fireEvent.input(box, { target: { value: 'Olá' } });
    await fireEvent.keyDown(box, { key: 'Enter' });
    await flush();
    expect(s.acks[0]).toEqual(['message:send', expect.objectContaining({ body: 'Olá' })]);
    expect(screen.getByRole('log').textContent).toContain('Olá');

    await fireEvent.click(screen.getByRole('button', { name: 'Encerrar chat' }));
    expect(s.acks.some(([e]) => e === 'chat:end')).toBe(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Sim, encerrar' }));
    await screen.findByText('O atendimento foi encerrado.');
    expect(screen.getByRole('group', { name: 'Avalie o atendimento (opcional)' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Fechar' }));
    expect(await screen.findByRole('button', { name: 'Iniciar Chat' })).toBeTruthy();
  });

  it('refuses a file that is too large with the limit and the types', async () => {
    await toChat();
    const input = screen.getByRole('log').parentElement!.querySelector('input[type=file]') as HTMLInputElement;
    const big = new File([new Uint8Array(11 * 1024 * 1024)], 'grande.pdf');
    Object.defineProperty(input, 'files', { value: [big], configurable: true });
    await fireEvent.change(input);
    const alert = await screen.findByText(/grande demais/);
    expect(alert.textContent).toContain('10 MB');
    expect(alert.textContent).toContain('gif, jpeg, jpg, png');
  });

  it('shows the connection-lost banner while disconnected', async () => {
    const { s } = await toChat();
    s.fire('disconnect', 'transport close');
    expect(await screen.findByText('Conexão perdida. Reconectando…')).toBeTruthy();
    s.fire('connect');
    await waitFor(() => expect(screen.queryByText('Conexão perdida. Reconectando…')).toBeNull());
  });

  it('resumed as a closed chat shows the closed screen', async () => {
    const { sockets } = setup();
    await fillStart();
    await fireEvent.click(screen.getByRole('button', { name: 'Iniciar Chat' }));
    await screen.findByText(/Aguardando a participação/);
    sockets.last().fire('chat:state', { chat: chatView({ status: 'missed' }), messages: [], queue: null });
    expect(await screen.findByText('Nenhum atendente pôde aceitar seu pedido.')).toBeTruthy();
  });
});

describe('widget mode', () => {
  it('the launcher opens and minimises the panel; unread badge while minimised', async () => {
    const { sockets } = setup({ mode: 'widget' });
    const launcher = screen.getByRole('button', { name: 'Abrir o chat' });
    expect(launcher.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(launcher);
    await fillStart();
    await fireEvent.click(screen.getByRole('button', { name: 'Iniciar Chat' }));
    await screen.findByText(/Aguardando a participação/);
    await fireEvent.click(screen.getByRole('button', { name: 'Minimizar' }));
    expect(screen.queryByRole('log')).toBeNull();
    sockets.last().fire('message:created', msg({ seq: 1 }));
    expect(await screen.findByRole('button', { name: /^Abrir o chat: ?1 ?mensagem não lida$/ })).toBeTruthy();
  });
});
