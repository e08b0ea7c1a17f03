// A WebSocket-only Socket.IO client for the widget: the subset of socket.io-client's API that
// the widget uses (on, emit, timeout().emitWithAck, connect, disconnect, `connected`), speaking
// the Socket.IO v5 protocol over Engine.IO v4's WebSocket transport, text packets only.
//
// Why not socket.io-client: it is 12 KB of the widget's gzip size (polling transports, upgrade
// logic, binary packets, multiplexing), and the budget is 35 KB in all. The widget needs
// none of that: files go over HTTP, one namespace, one socket. Without long-polling there is no
// need for sticky sessions either (docs/operations.md). The server is the standard Socket.IO
// server; tests/io-lite.test.ts checks this client against it, event by event.
//
// Semantics copied from socket.io-client so that ChatState behaves the same with either:
// - connects on creation; a transport failure emits `connect_error` and retries with backoff
//   (1 s doubling to 5 s, ±50 %), each retry calling the `auth` function again;
// - a refusal by the server's middleware (`connect_error` with `err.data`) does not retry;
// - the server disconnecting the socket gives 'io server disconnect' and does not retry;
// - emits made while disconnected are buffered and sent on connection; an ack timeout rejects
//   with an error and drops the buffered packet.

type Handler = (...args: any[]) => void;
type Auth = ((cb: (data: unknown) => void) => void) | Record<string, unknown>;

export interface LiteOptions {
  auth?: Auth;
  /** Engine.IO path on the server (Socket.IO's default). */
  path?: string;
  /** The WebSocket constructor (the browser's by default; `ws` in Node tests). */
  WebSocket?: typeof WebSocket;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
}

export class LiteSocket {
  connected = false;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly acks = new Map<number, Handler>();
  private buffer: { id?: number; packet: string }[] = [];
  private ws: WebSocket | null = null;
  private active = false;
  private attempts = 0;
  private nextId = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setTimeout> | undefined;
  private readonly endpoint: string;
  private readonly nsp: string;
  private pingWindow = 45000;

  constructor(url: string, private readonly opts: LiteOptions = {}) {
    const u = new URL(url, typeof location === 'undefined' ? undefined : location.href);
    this.nsp = u.pathname.replace(/\/+$/, '') || '/';
    const path = (opts.path ?? '/socket.io').replace(/\/+$/, '');
    this.endpoint = `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}${path}/?EIO=4&transport=websocket`;
  }

  on(event: string, fn: Handler): this {
    (this.handlers.get(event) ?? this.handlers.set(event, []).get(event)!).push(fn);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Handler) : undefined;
    let id: number | undefined;
    if (ack) this.acks.set((id = this.nextId++), ack);
    const packet = `42${this.prefix()}${id ?? ''}${JSON.stringify([event, ...args])}`;
    if (this.connected) this.send(packet);
    else this.buffer.push({ id, packet });
    return this;
  }

  timeout(ms: number) {
    return {
      emitWithAck: (event: string, ...args: unknown[]): Promise<any> =>
        new Promise((resolve, reject) => {
          const id = this.nextId;
          const timer = setTimeout(() => {
            this.acks.delete(id);
            this.buffer = this.buffer.filter((b) => b.id !== id);
            reject(new Error('operation has timed out'));
          }, ms);
          this.emit(event, ...args, (value: unknown) => {
            clearTimeout(timer);
            resolve(value);
          });
        }),
    };
  }

  connect(): this {
    if (this.active) return this;
    this.active = true;
    this.open();
    return this;
  }

  disconnect(): this {
    this.active = false;
    clearTimeout(this.retryTimer);
    if (this.connected) this.send(`41${this.prefix()}`);
    this.closeTransport('io client disconnect');
    return this;
  }

  // ---------------------------------------------------------------------------------- internals

  private prefix() {
    return this.nsp === '/' ? '' : `${this.nsp},`;
  }

  private fire(event: string, ...args: unknown[]) {
    for (const fn of [...(this.handlers.get(event) ?? [])]) fn(...args);
  }

  private send(packet: string) {
    if (this.ws?.readyState === 1) this.ws.send(packet);
  }

  private open() {
    const WS = this.opts.WebSocket ?? WebSocket;
    let ws: WebSocket;
    try {
      ws = new WS(this.endpoint);
    } catch (e) {
      this.fire('connect_error', e);
      return this.retry();
    }
    this.ws = ws;
    ws.onmessage = (e) => this.onFrame(typeof e.data === 'string' ? e.data : '');
    ws.onclose = () => this.lost(ws, 'transport close');
  }

  /** The transport died (closed, or silent for too long): tell, then retry. */
  private lost(ws: WebSocket, reason: string) {
    if (this.ws !== ws) return;
    const was = this.connected;
    this.closeTransport(reason);
    if (!was) this.fire('connect_error', new Error('websocket error'));
    this.retry();
  }

  private retry() {
    if (!this.active) return;
    const base = Math.min(this.opts.reconnectionDelayMax ?? 5000, (this.opts.reconnectionDelay ?? 1000) * 2 ** this.attempts++);
    this.retryTimer = setTimeout(() => this.active && this.open(), base * (0.5 + Math.random()));
  }

  private closeTransport(reason: string) {
    clearTimeout(this.heartbeat);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
    if (this.connected) {
      this.connected = false;
      this.fire('disconnect', reason);
    }
  }

  private armHeartbeat(ms: number) {
    clearTimeout(this.heartbeat);
    // No ping from the server in pingInterval + pingTimeout: the connection is dead.
    const ws = this.ws;
    this.heartbeat = setTimeout(() => ws && this.lost(ws, 'ping timeout'), ms);
  }

  private onFrame(frame: string) {
    switch (frame[0]) {
      case '0': {
        // Engine.IO open: {sid, pingInterval, pingTimeout, maxPayload}; now connect the namespace.
        const o = JSON.parse(frame.slice(1));
        this.pingWindow = o.pingInterval + o.pingTimeout;
        this.armHeartbeat(this.pingWindow);
        const auth = this.opts.auth;
        const connect = (data: unknown) => this.send(`40${this.prefix()}${data ? JSON.stringify(data) : ''}`);
        if (typeof auth === 'function') auth(connect);
        else connect(auth);
        return;
      }
      case '2':
        this.armHeartbeat(this.pingWindow);
        return this.send('3');
      case '1':
        return this.ws && this.lost(this.ws, 'transport close');
      case '4':
        return this.onPacket(frame.slice(1));
    }
  }

  private onPacket(s: string) {
    const type = s[0];
    let i = 1;
    let nsp = '/';
    if (s[i] === '/') {
      const comma = s.indexOf(',', i);
      nsp = comma < 0 ? s.slice(i) : s.slice(i, comma);
      i = comma < 0 ? s.length : comma + 1;
    }
    if (nsp !== this.nsp) return;
    let id = '';
    while (i < s.length && s[i] >= '0' && s[i] <= '9') id += s[i++];
    const data = i < s.length ? JSON.parse(s.slice(i)) : undefined;
    switch (type) {
      case '0': // CONNECT
        this.connected = true;
        this.attempts = 0;
        for (const b of this.buffer.splice(0)) this.send(b.packet);
        return this.fire('connect');
      case '1': // DISCONNECT by the server
        this.active = false;
        return this.closeTransport('io server disconnect');
      case '2': {
        // EVENT, with an ack callback when the server asks for one
        const args: unknown[] = Array.isArray(data) ? data.slice(1) : [];
        if (id) args.push((...reply: unknown[]) => this.send(`43${this.prefix()}${id}${JSON.stringify(reply)}`));
        return this.fire(String(data?.[0]), ...args);
      }
      case '3': {
        // ACK
        const fn = this.acks.get(Number(id));
        this.acks.delete(Number(id));
        return fn?.(...(Array.isArray(data) ? data : []));
      }
      case '4': {
        // CONNECT_ERROR from the server's middleware: no automatic retry (as socket.io-client)
        this.active = false;
        this.closeTransport('io server disconnect');
        const err = Object.assign(new Error(data?.message ?? 'connect_error'), { data: data?.data });
        return this.fire('connect_error', err);
      }
    }
  }
}

/** socket.io-client's `io(url, opts)`: the socket connects at once. */
export const io = (url: string, opts?: LiteOptions) => new LiteSocket(url, opts).connect();
