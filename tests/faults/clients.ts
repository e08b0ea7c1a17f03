/**
 * Test clients that behave as the protocol asks (docs/protocol.md): they de-duplicate by seq,
 * remember the highest seq the server gave them and send it when they reconnect (auth is a
 * function), and retry a send whose acknowledgement failed or never came with the same clientId.
 */
import type { MessageDto } from '../../src/plugins/live-chat/shared/contract';
import { agentSocket, next, visitorSocket, type AnySocket } from '../helpers/realtime';

/** Error codes a sender may retry: the server could not store the message this time. */
const RETRYABLE = new Set(['internal_error']);

export interface SendOutcome {
  message: MessageDto;
  /** acknowledgements that said no (error code), and attempts whose ack never came */
  errors: string[];
  timeouts: number;
  attempts: number;
}

/** Sends until acknowledged with ok (same clientId each time), or throws at `deadlineMs`. */
async function sendUntilStored(
  socket: AnySocket,
  event: string,
  payload: Record<string, unknown>,
  ackTimeoutMs: number,
  deadlineMs: number,
  onFail: (what: string) => void = () => undefined
): Promise<SendOutcome> {
  const until = Date.now() + deadlineMs;
  const errors: string[] = [];
  let timeouts = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const ack = (await socket.timeout(ackTimeoutMs).emitWithAck(event, payload)) as any;
      if (ack.ok) return { message: ack.message, errors, timeouts, attempts };
      errors.push(ack.error.code);
      onFail(ack.error.code);
      if (!RETRYABLE.has(ack.error.code)) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
    } catch (e) {
      // no answer: the ack timed out, or the connection dropped under it (socket.io-client
      // rejects pending acks on disconnect); either way the message may or may not be stored
      if (!/timed out|disconnected/.test((e as Error).message)) throw e;
      timeouts++;
      onFail('no answer');
    }
    if (Date.now() > until) throw new Error(`${event} ${String(payload.clientId)} not stored after ${deadlineMs} ms (${attempts} attempts: ${errors.join(',')} ${timeouts} timeouts)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface SayOptions {
  ackTimeoutMs?: number;
  deadlineMs?: number;
  /** called after each attempt that did not store the message (error code, or 'no answer') */
  onFail?: (what: string) => void;
}

class Tracker {
  /** every message the server delivered (live or replayed), once per seq */
  readonly bySeq = new Map<number, MessageDto>();
  /** how many times each seq arrived (live and replays): more than once is a replay overlap */
  readonly arrivals = new Map<number, number>();
  /** highest seq received from the server (not counting own acknowledgements) */
  lastSeq = 0;
  see(m: MessageDto) {
    this.arrivals.set(m.seq, (this.arrivals.get(m.seq) ?? 0) + 1);
    if (!this.bySeq.has(m.seq)) this.bySeq.set(m.seq, m);
    this.lastSeq = Math.max(this.lastSeq, m.seq);
  }
  seqs() {
    return [...this.bySeq.keys()].sort((a, b) => a - b);
  }
}

export class VisitorClient {
  readonly socket: AnySocket;
  readonly got = new Tracker();
  readonly own: MessageDto[] = [];
  readonly states: any[] = [];
  readonly closed: any[] = [];
  readonly requeued: any[] = [];
  lastQueue: any = null;
  connects = 0;

  constructor(base: string, readonly chatId: number, readonly token: string, opts: object = {}) {
    this.socket = visitorSocket(base, () => ({ chatId, token, lastSeq: this.got.lastSeq }), opts);
    this.socket.on('connect', () => this.connects++);
    this.socket.on('chat:state', (s: any) => {
      this.states.push(s);
      s.messages.forEach((m: MessageDto) => this.got.see(m));
      this.lastQueue = s.queue;
    });
    this.socket.on('message:created', (m: MessageDto) => this.got.see(m));
    this.socket.on('chat:closed', (p: any) => this.closed.push(p));
    this.socket.on('chat:requeued', (p: any) => {
      this.requeued.push(p);
      this.lastQueue = p.queue;
    });
    this.socket.on('queue:position', (q: any) => (this.lastQueue = q));
  }

  /** the next chat:state (a connection or a reconnection) */
  state(timeoutMs = 15000) {
    return next(this.socket, 'chat:state', () => true, timeoutMs);
  }

  async say(clientId: string, body: string, opts: SayOptions = {}) {
    const out = await sendUntilStored(this.socket, 'message:send', { clientId, body }, opts.ackTimeoutMs ?? 3000, opts.deadlineMs ?? 30000, opts.onFail);
    this.own.push(out.message);
    return out;
  }

  /** everything public the visitor knows: what it received and what it sent */
  knownSeqs() {
    return [...new Set([...this.got.seqs(), ...this.own.map((m) => m.seq)])].sort((a, b) => a - b);
  }

  close() {
    this.socket.close();
  }
}

export class AgentClient {
  readonly socket: AnySocket;
  /** per chat: what the server delivered */
  readonly got = new Map<number, Tracker>();
  readonly own: MessageDto[] = [];
  readonly states: any[] = [];
  readonly requeued: any[] = [];
  readonly assigned: any[] = [];
  connects = 0;

  constructor(base: string, readonly agent: { id: number; name: string; token: string }, opts: object = {}) {
    this.socket = agentSocket(base, agent.token, opts);
    this.socket.on('connect', () => this.connects++);
    this.socket.on('agent:state', (s: any) => this.states.push(s));
    this.socket.on('message:created', (m: MessageDto) => this.tracker(m.chatId).see(m));
    this.socket.on('chat:requeued', (p: any) => this.requeued.push(p));
    this.socket.on('chat:assigned', (p: any) => {
      this.assigned.push(p);
      p.messages.forEach((m: MessageDto) => this.tracker(p.chat.id).see(m));
    });
  }

  tracker(chatId: number) {
    let t = this.got.get(chatId);
    if (!t) this.got.set(chatId, (t = new Tracker()));
    return t;
  }

  /** the next agent:state (a connection or a reconnection) */
  state(timeoutMs = 15000) {
    return next(this.socket, 'agent:state', () => true, timeoutMs);
  }

  async online() {
    const ack = await this.socket.timeout(10000).emitWithAck('presence:set', { presence: 'online' });
    if (!ack.ok) throw new Error(`presence:set: ${JSON.stringify(ack.error)}`);
  }

  async accept(chatId: number) {
    const ack = (await this.socket.timeout(10000).emitWithAck('chat:accept', { chatId })) as any;
    if (!ack.ok) throw new Error(`chat:accept ${chatId}: ${ack.error.code}`);
    ack.messages.forEach((m: MessageDto) => this.tracker(chatId).see(m));
    return ack;
  }

  async say(chatId: number, clientId: string, body: string, opts: SayOptions & { visibility?: 'public' | 'agents' } = {}) {
    const out = await sendUntilStored(
      this.socket,
      'message:send',
      { chatId, clientId, body, visibility: opts.visibility ?? 'public' },
      opts.ackTimeoutMs ?? 3000,
      opts.deadlineMs ?? 30000,
      opts.onFail
    );
    this.own.push(out.message);
    return out;
  }

  /** What the console does after agent:state: fetch what it missed in each chat. */
  async sync(chatId: number) {
    const t = this.tracker(chatId);
    const ack = (await this.socket.timeout(10000).emitWithAck('messages:sync', { chatId, afterSeq: t.lastSeq })) as any;
    if (!ack.ok) throw new Error(`messages:sync: ${ack.error.code}`);
    ack.messages.forEach((m: MessageDto) => t.see(m));
    return ack.messages as MessageDto[];
  }

  async close(chatId: number) {
    const ack = (await this.socket.timeout(10000).emitWithAck('chat:close', { chatId, reason: 'resolved' })) as any;
    if (!ack.ok) throw new Error(`chat:close: ${ack.error.code}`);
  }

  knownSeqs(chatId: number) {
    return [...new Set([...this.tracker(chatId).seqs(), ...this.own.filter((m) => m.chatId === chatId).map((m) => m.seq)])].sort((a, b) => a - b);
  }

  close_() {
    this.socket.close();
  }
}
