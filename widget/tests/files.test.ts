import { afterEach, describe, expect, it } from 'vitest';
import { ChatState } from '../src/lib/chat-state.svelte';
import { DEFAULT_UPLOAD_RULES, formatBytes, precheckFile } from '../src/lib/files';
import { strings } from '../src/lib/i18n';
import { deps, fakeFetch, flush, msg, queue, socketFactory, widgetConfig } from './helpers/fakes';

const pt = strings('pt-BR');
const en = strings('en');
const MB = 1024 * 1024;

describe('file pre-checks', () => {
  it('refuses a file over the limit, naming the limit and the allowed types', () => {
    const m = precheckFile({ name: 'backup.zip', size: 11 * MB }, DEFAULT_UPLOAD_RULES, pt)!;
    expect(m).toContain('10 MB');
    expect(m).toContain('11 MB');
    expect(m).toContain('gif, jpeg, jpg, png, zip, rar, xls, xlsx, doc, docx, sql, pdf');
  });
  it('refuses an extension not in the list (.exe, no extension, double extension)', () => {
    for (const name of ['setup.exe', 'LEIAME', 'foto.png.php', '.png']) {
      const m = precheckFile({ name, size: 100 }, DEFAULT_UPLOAD_RULES, pt);
      expect(m, name).toMatch(/não é permitido/);
      expect(m).toContain('pdf');
      expect(m).toContain('10 MB');
    }
  });
  it('accepts allowed files, case-insensitively, exactly at the limit', () => {
    expect(precheckFile({ name: 'Tela.PNG', size: 10 * MB }, DEFAULT_UPLOAD_RULES, pt)).toBeNull();
    expect(precheckFile({ name: 'script.sql', size: 1 }, DEFAULT_UPLOAD_RULES, pt)).toBeNull();
  });
  it('follows the rules the server narrowed, in English too', () => {
    const m = precheckFile({ name: 'a.zip', size: 10 }, { maxBytes: 2 * MB, extensions: ['png', 'pdf'] }, en)!;
    expect(m).toBe('The file type of "a.zip" is not allowed. Allowed types: png, pdf. Limit: 2 MB.');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });
});

class FakeXhr {
  static last: FakeXhr;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  upload: { onprogress: ((e: any) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(b: FormData) {
    this.body = b;
  }
}

describe('upload', () => {
  let state: ChatState;
  afterEach(() => state?.destroy());

  async function chatting(config = widgetConfig()) {
    const sockets = socketFactory();
    const api = fakeFetch({
      'GET /api/live-chat/widget-config': () => ({ status: 200, body: config }),
      'POST /api/live-chat/chats': () => ({ status: 201, body: { chatId: 12, token: 'tok-12', status: 'waiting', queue: queue() } }),
      'GET /api/live-chat/chats/12/attachments/77': () => ({
        status: 200,
        body: { url: '/files/abc.png?exp=1&sig=2', expiresAt: new Date(Date.now() + 300000).toISOString(), name: 'tela.png', mime: 'image/png', size: 3 },
      }),
    });
    state = new ChatState(deps({ createSocket: sockets.create, fetch: api.fn, createXhr: () => new FakeXhr() as any }));
    await state.init();
    Object.assign(state.form, { name: 'Maria', email: 'maria@example.com', question: 'Como faço?' });
    await state.start();
    sockets.last().fire('connect');
    return { api, sockets };
  }

  it('refuses before uploading: nothing is sent', async () => {
    await chatting(widgetConfig({ upload: { maxBytes: MB, extensions: ['png'] } }));
    FakeXhr.last = undefined as any;
    const big = new File([new Uint8Array(MB + 1)], 'big.png');
    expect(state.sendFile(big)).toBe(false);
    expect(state.fileError).toContain('1 MB');
    expect(state.sendFile(new File(['x'], 'virus.exe'))).toBe(false);
    expect(state.fileError).toContain('png');
    expect(FakeXhr.last).toBeUndefined();
    expect(state.uploads).toHaveLength(0);
  });

  it('uploads with XMLHttpRequest, shows the progress up to 100% and adds the message', async () => {
    const { api } = await chatting();
    expect(state.sendFile(new File(['png!'], 'tela.png', { type: 'image/png' }))).toBe(true);
    const x = FakeXhr.last;
    expect(x.method).toBe('POST');
    expect(x.url).toBe('http://chat.test/api/live-chat/chats/12/files');
    expect(x.headers.Authorization).toBe('Bearer tok-12');
    expect((x.body!.get('file') as File).name).toBe('tela.png');
    x.upload.onprogress!({ lengthComputable: true, loaded: 2, total: 4 });
    expect(state.uploads[0].progress).toBe(50);
    x.status = 201;
    const attachment = { id: 77, name: 'tela.png', mime: 'image/png', size: 4, inline: true };
    x.responseText = JSON.stringify({ message: msg({ seq: 3, sender: 'visitor', kind: 'file', body: 'tela.png', attachment }) });
    x.onload!();
    expect(state.uploads[0]).toMatchObject({ progress: 100, done: true });
    expect(state.messages[0].attachment?.id).toBe(77);
    // the signed URL comes from the attachments endpoint, with the chat token
    const url = await state.ensureAttachment(attachment);
    expect(url).toBe('http://chat.test/files/abc.png?exp=1&sig=2');
    const call = api.calls.find((c) => c.url.includes('/attachments/77'))!;
    expect((call.init.headers as Record<string, string>).Authorization).toBe('Bearer tok-12');
    await flush();
  });

  it('shows the server refusal of an upload', async () => {
    await chatting();
    state.sendFile(new File(['MZ'], 'fake.png'));
    const x = FakeXhr.last;
    x.status = 415;
    x.responseText = JSON.stringify({ error: { code: 'validation_failed', message: 'Tipo não permitido' } });
    x.onload!();
    expect(state.uploads[0].error).toBe('Tipo não permitido');
  });

  it('an upload refused for going too fast (429) says how long to wait, in pt-BR', async () => {
    await chatting();
    state.sendFile(new File(['x'], 'foto.png'));
    const x = FakeXhr.last;
    x.status = 429;
    x.responseText = JSON.stringify({ error: { code: 'rate_limited', message: 'Too many messages: wait 9 s and try again', retryAfter: 9 } });
    x.onload!();
    expect(state.uploads[0].error).toBe('Muitas mensagens em pouco tempo. Tente de novo em 9 segundos.');
  });
});
