import type { ChatDeps, SocketFactory, VisitorSocket } from '../../src/lib/chat-state.svelte';
import type { DepartmentInfo, MessageDto, WidgetConfig } from '../../../src/plugins/live-chat/shared/contract';

type Handler = (...args: any[]) => void;
type Responder = (event: string, payload: any) => any;

/** An EventEmitter-like stand-in for a socket.io-client socket. */
export class FakeSocket implements VisitorSocket {
  connected = false;
  handlers = new Map<string, Handler[]>();
  emitted: Array<[string, any]> = [];
  acks: Array<[string, any]> = [];
  disconnected = false;
  /** Answers commands sent with emitWithAck; default: `{ ok: true }`. */
  respond: Responder = () => ({ ok: true });

  constructor(
    public url: string,
    public auth: (cb: (d: any) => void) => void,
  ) {}

  on(event: string, fn: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
    return this;
  }
  emit(event: string, payload?: any) {
    this.emitted.push([event, payload]);
    return this;
  }
  timeout(_ms: number) {
    return {
      emitWithAck: async (event: string, payload: any) => {
        this.acks.push([event, payload]);
        return this.respond(event, payload);
      },
    };
  }
  connect() {
    this.disconnected = false;
    return this;
  }
  disconnect() {
    this.disconnected = true;
    this.connected = false;
    return this;
  }
  /** What the handshake would send now. */
  handshake(): any {
    let data: any;
    this.auth((d) => (data = d));
    return data;
  }
  /** The server sends an event to this socket. */
  fire(event: string, ...args: any[]) {
    if (event === 'connect') this.connected = true;
    if (event === 'disconnect') this.connected = false;
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
}

export function socketFactory() {
  const sockets: FakeSocket[] = [];
  const create: SocketFactory = (url, opts) => {
    const s = new FakeSocket(url, opts.auth);
    sockets.push(s);
    return s;
  };
  return { sockets, create, last: () => sockets[sockets.length - 1] };
}

export class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, String(v));
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

export function dept(over: Partial<DepartmentInfo> = {}): DepartmentInfo {
  return {
    id: 1,
    name: 'Comercial',
    description: null,
    online: true,
    open: true,
    timezone: 'America/Sao_Paulo',
    businessHours: null,
    canAnswer: true,
    ...over,
  };
}

export function widgetConfig(over: Partial<WidgetConfig.Response['settings']> = {}, departments?: DepartmentInfo[]): WidgetConfig.Response {
  return {
    departments: departments ?? [dept(), dept({ id: 2, name: 'Suporte' }), dept({ id: 3, name: 'Financeiro', online: false, canAnswer: false })],
    settings: {
      gracePeriodSeconds: 60,
      waitingLimitSeconds: 300,
      maxMessageLength: 5000,
      privacyNotice: 'Seus dados são usados apenas para este atendimento.',
      idleSeconds: 1800,
      postCloseWindowSeconds: 86400,
      upload: {
        maxBytes: 10 * 1024 * 1024,
        extensions: ['gif', 'jpeg', 'jpg', 'png', 'zip', 'rar', 'xls', 'xlsx', 'doc', 'docx', 'sql', 'pdf'],
      },
      ...over,
    },
  };
}

type Route = (init: RequestInit, url: string) => { status: number; body?: unknown; headers?: Record<string, string> };

/** A fetch whose answers are keyed by "METHOD /path"; every call is recorded. */
export function fakeFetch(routes: Record<string, Route>) {
  const calls: Array<{ method: string; url: string; init: RequestInit; body: any }> = [];
  const fn = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = init.method ?? 'GET';
    const path = new URL(url, 'http://x').pathname;
    calls.push({ method, url, init, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const route = routes[`${method} ${path}`];
    const r = route ? route(init, url) : { status: 404, body: { error: { code: 'not_found', message: 'not found' } } };
    return new Response(r.body === undefined ? '' : JSON.stringify(r.body), { status: r.status, headers: r.headers });
  }) as typeof fetch;
  return { fn, calls };
}

let seq = 0;
export function msg(over: Partial<MessageDto> = {}): MessageDto {
  const s = over.seq ?? ++seq;
  return {
    id: s + 1000,
    chatId: 12,
    seq: s,
    clientId: null,
    sender: 'agent',
    senderName: 'Ana',
    kind: 'text',
    visibility: 'public',
    body: `mensagem ${s}`,
    createdAt: '2026-11-24T12:00:00.000Z',
    ...over,
  };
}

export function chatView(over: Record<string, unknown> = {}) {
  return {
    id: 12,
    status: 'waiting',
    departmentId: 1,
    departmentName: 'Comercial',
    visitorName: 'Maria',
    question: 'Como faço?',
    agentName: null,
    queuedAt: '2026-11-24T12:00:00.000Z',
    acceptedAt: null,
    closedAt: null,
    closedBy: null,
    closeReason: null,
    lastSeq: 0,
    ...over,
  } as any;
}

export const queue = (position = 1, over: Record<string, unknown> = {}) => ({
  position,
  queueLength: 2,
  waitingSeconds: 0,
  estimatedWaitSeconds: 120,
  ...over,
});

export function deps(over: Partial<ChatDeps> = {}): ChatDeps & { storage: MemoryStorage } {
  return {
    server: 'http://chat.test',
    locale: 'pt-BR',
    createSocket: socketFactory().create,
    storage: new MemoryStorage(),
    ...over,
  } as ChatDeps & { storage: MemoryStorage };
}

export const flush = () => new Promise((r) => setTimeout(r, 0));
