// The visitor's side of a chat as one state machine. Components only read its fields and call its
// methods; REST responses and socket events are the only things that move it between screens.
// Types only from the shared contract: nothing from the server is bundled.
import type {
  AppError,
  AttachmentDto,
  ChatStatus,
  DepartmentInfo,
  LeaveOfferReason,
  MessageDto,
  QueueInfo,
  StartChat,
  VisitorAuth,
  VisitorChatView,
  WidgetConfig,
} from '../../../src/plugins/live-chat/shared/contract';
import { DEFAULT_UPLOAD_RULES, precheckFile, type UploadRules } from './files';
import { fill, strings, type Locale, type Strings } from './i18n';

export type Screen = 'start' | 'waiting' | 'chat' | 'closed' | 'leave-message' | 'left';

/** What the state needs from a Socket.IO client socket (a fake in tests). */
export interface VisitorSocket {
  readonly connected: boolean;
  on(event: string, fn: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<any> };
  connect(): unknown;
  disconnect(): unknown;
}
export type SocketFactory = (
  url: string,
  opts: { auth: (cb: (data: VisitorAuth) => void) => void },
) => VisitorSocket;

export interface ChatDeps {
  /** Base URL of the Strapi app, without trailing slash ('' = same origin). */
  server: string;
  locale: Locale;
  createSocket: SocketFactory;
  /** Department id or name chosen by default (`data-department`). */
  defaultDepartment?: string | null;
  fetch?: typeof fetch;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  createXhr?: () => XMLHttpRequest;
  /** Called when an agent message arrives while the panel is minimised (sound). */
  notify?: () => void;
  now?: () => number;
  pageUrl?: string;
  ackTimeoutMs?: number;
}

export interface SavedSession {
  chatId: number;
  token: string;
  lastSeq: number;
  name?: string;
  email?: string;
}

export interface PendingMessage {
  clientId: string;
  body: string;
  createdAt: string;
  error: string | null;
}

export interface Upload {
  id: string;
  name: string;
  progress: number;
  done: boolean;
  error: string | null;
}

type Fields = 'name' | 'email' | 'question' | 'departmentId';
const SESSION_KEY = 'live-chat:session';
const LIVE: Screen[] = ['waiting', 'chat', 'leave-message'];

let counter = 0;
export function newClientId(): string {
  return `w-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${++counter}`;
}

export class ChatState {
  screen = $state<Screen>('start');
  config = $state.raw<WidgetConfig.Response | null>(null);
  configError = $state(false);
  /** A saved session is being resumed: nothing to show until `chat:state` says where we are. */
  resuming = $state(false);
  busy = $state(false);

  form = $state({ name: '', email: '', question: '', departmentId: 0 });
  fieldErrors = $state<Partial<Record<Fields, string>>>({});
  formError = $state<string | null>(null);

  chat = $state.raw<VisitorChatView | null>(null);
  messages = $state.raw<MessageDto[]>([]);
  pending = $state<PendingMessage[]>([]);
  queue = $state.raw<QueueInfo | null>(null);
  agentName = $state<string | null>(null);
  agentTyping = $state<string | null>(null);
  offerLeave = $state<LeaveOfferReason | null>(null);
  connection = $state<'idle' | 'online' | 'offline'>('idle');
  /** What the visitor is typing in the send box (prefills the leave-a-message form). */
  draft = $state('');
  leaveError = $state<string | null>(null);
  closedStatus = $state<ChatStatus | null>(null);

  uploads = $state<Upload[]>([]);
  fileError = $state<string | null>(null);
  attachmentUrls = $state<Record<number, string>>({});

  panelOpen = $state(true);
  unread = $state(0);

  ratingDone = $state(false);
  transcriptDone = $state(false);
  afterError = $state<string | null>(null);

  now = $state(0);
  private queueAt = 0;

  readonly t: Strings;
  readonly locale: Locale;
  private session: SavedSession | null = null;
  private socket: VisitorSocket | null = null;
  private seen = new Set<number>();
  private urlExpiry = new Map<number, number>();
  private urlLoading = new Set<number>();
  private typingSent = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly clock: () => number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly deps: ChatDeps) {
    this.t = strings(deps.locale);
    this.locale = deps.locale;
    this.clock = deps.now ?? (() => Date.now());
    this.fetchFn = deps.fetch ?? ((...a) => fetch(...a));
    this.now = this.clock();
  }

  // ------------------------------------------------------------------ derived

  get departments(): DepartmentInfo[] {
    return this.config?.departments ?? [];
  }
  get department(): DepartmentInfo | undefined {
    return this.departments.find((d) => d.id === this.form.departmentId);
  }
  /** False when the chosen department cannot answer: the start form leaves a message. */
  get canAnswer(): boolean {
    return this.department?.canAnswer !== false;
  }
  get uploadRules(): UploadRules {
    return this.config?.settings.upload ?? DEFAULT_UPLOAD_RULES;
  }
  get maxMessageLength(): number {
    return this.config?.settings.maxMessageLength ?? 5000;
  }
  get privacyNotice(): string {
    return this.config?.settings.privacyNotice ?? '';
  }
  get waitedSeconds(): number {
    if (!this.queue) return 0;
    return this.queue.waitingSeconds + Math.max(0, Math.floor((this.now - this.queueAt) / 1000));
  }
  get lastSeq(): number {
    return this.session?.lastSeq ?? 0;
  }
  get chatId(): number | null {
    return this.session?.chatId ?? null;
  }

  // ------------------------------------------------------------------ start-up

  /** Loads the configuration and resumes a chat saved in this tab (a reload within the grace). */
  async init(): Promise<void> {
    const saved = this.load();
    if (saved) {
      this.session = saved;
      this.form.name = saved.name ?? '';
      this.form.email = saved.email ?? '';
      this.resuming = true;
      this.connect();
    }
    this.ticker ??= setInterval(() => {
      if (this.screen === 'waiting') this.now = this.clock();
    }, 1000);
    await this.loadConfig();
  }

  async loadConfig(): Promise<void> {
    this.configError = false;
    try {
      const res = await this.request('GET', '/api/live-chat/widget-config');
      if (!res.ok) throw new Error(String(res.status));
      this.config = res.body as WidgetConfig.Response;
      this.pickDepartment();
    } catch {
      this.configError = true;
    }
  }

  private pickDepartment() {
    const list = this.departments;
    if (list.some((d) => d.id === this.form.departmentId)) return;
    const want = (this.deps.defaultDepartment ?? '').trim().toLowerCase();
    const chosen =
      (want && list.find((d) => String(d.id) === want || d.name.toLowerCase() === want)) ||
      list.find((d) => d.canAnswer) ||
      list[0];
    this.form.departmentId = chosen?.id ?? 0;
  }

  // ------------------------------------------------------------------ start screen

  async start(): Promise<void> {
    if (this.busy) return;
    this.fieldErrors = {};
    this.formError = null;
    const f = this.form;
    const body: StartChat.Request = {
      name: f.name.trim(),
      email: f.email.trim(),
      question: f.question.trim(),
      departmentId: f.departmentId,
      locale: this.deps.locale,
    };
    if (this.deps.pageUrl && /^https?:/.test(this.deps.pageUrl) && this.deps.pageUrl.length <= 2048) {
      body.pageUrl = this.deps.pageUrl;
    }
    // The obvious mistakes are caught here, in the visitor's language; the server checks it all again.
    const wrong: Fields[] = [];
    if (!body.name || body.name.length > 100) wrong.push('name');
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email) || body.email.length > 254) wrong.push('email');
    if (!body.question || body.question.length > 2000) wrong.push('question');
    if (!(body.departmentId > 0)) wrong.push('departmentId');
    if (wrong.length) return void (this.fieldErrors = this.fieldMessages(wrong));
    this.busy = true;
    try {
      const res = await this.request('POST', '/api/live-chat/chats', body);
      if (!res.ok) return this.showFormError(res.body?.error, res.retryAfter);
      const r = res.body as StartChat.Response;
      this.resetChat();
      if (r.status === 'left_message') {
        this.screen = 'left';
        return;
      }
      this.session = { chatId: r.chatId, token: r.token, lastSeq: 0, name: body.name, email: body.email };
      this.persist();
      this.setQueue(r.queue);
      this.screen = 'waiting';
      this.connect();
    } catch {
      this.formError = this.t.genericError;
    } finally {
      this.busy = false;
    }
  }

  /** Each field's error in the visitor's language (the server's field messages are English). */
  private fieldMessages(fields: Fields[]): Partial<Record<Fields, string>> {
    const t = this.t;
    const text: Record<Fields, string> = { name: t.errName, email: t.errEmail, question: t.errQuestion, departmentId: t.errDepartment };
    return Object.fromEntries(fields.map((f) => [f, text[f]]));
  }

  private showFormError(error: AppError | undefined, retryAfter?: string | null) {
    const fields = Object.keys(error?.fields ?? {});
    const known: Fields[] = ['name', 'email', 'question', 'departmentId'];
    const mine = known.filter((k) => fields.includes(k));
    this.fieldErrors = this.fieldMessages(mine);
    const rest = fields.length > mine.length || !mine.length;
    const code = error?.code;
    if (rest)
      this.formError =
        code === 'rate_limited' ? this.waitText(this.t.errRateLimited, error, retryAfter)
        : code === 'department_inactive' ? this.t.errDepartmentInactive
        : (error?.message ?? this.t.genericError) + (retryAfter ? ` (${retryAfter}s)` : '');
    if (error?.code === 'department_inactive') void this.loadConfig();
  }

  /** A refusal for going too fast, in the visitor's language, with the seconds to wait: the
   * error's `retryAfter`, else the `Retry-After` header, else a minute. */
  private waitText(template: string, error?: AppError, header?: string | null): string {
    const s = Math.max(1, Math.ceil(Number(error?.retryAfter ?? header) || 60));
    return fill(template, { s, u: s === 1 ? this.t.second : this.t.seconds });
  }

  /** A message, file or left message refused: `rate_limited` as a sentence, otherwise the server's message. */
  private sendError(error: AppError | undefined, fallback: string, header?: string | null): string {
    return error?.code === 'rate_limited' ? this.waitText(this.t.errMessagesRateLimited, error, header) : (error?.message ?? fallback);
  }

  // ------------------------------------------------------------------ socket

  private connect() {
    const s = this.deps.createSocket(`${this.deps.server}/visitor`, {
      // A function, so that every reconnection sends the last seq seen and gets only what it missed.
      auth: (cb) => cb({ chatId: this.session!.chatId, token: this.session!.token, lastSeq: this.lastSeq }),
    });
    this.socket = s;
    s.on('connect', () => {
      if (this.socket !== s) return;
      this.connection = 'online';
      this.flushPending();
    });
    s.on('disconnect', (reason: string) => {
      if (this.socket !== s) return;
      this.connection = 'offline';
      // The server hung up on a live chat (e.g. a restart): socket.io will not retry by itself.
      if (reason === 'io server disconnect' && LIVE.includes(this.screen)) s.connect();
    });
    s.on('connect_error', (err: { data?: { code?: string } }) => {
      if (this.socket !== s) return;
      const code = err?.data?.code;
      if (code === 'unauthorized' || code === 'chat_closed') {
        // The saved chat is gone for good: start afresh.
        this.forget();
        this.resetChat();
        this.screen = 'start';
      } else {
        this.connection = 'offline';
      }
    });
    s.on('chat:state', (p: { chat: VisitorChatView; messages: MessageDto[]; queue: QueueInfo | null }) => {
      this.resuming = false;
      this.chat = p.chat;
      this.agentName = p.chat.agentName;
      this.merge(p.messages, false);
      this.setQueue(p.queue);
      this.applyStatus(p.chat.status);
    });
    s.on('queue:position', (q: QueueInfo) => this.setQueue(q));
    s.on('chat:accepted', (p: { agentName: string }) => {
      this.agentName = p.agentName;
      this.offerLeave = null;
      this.screen = 'chat';
    });
    s.on('chat:requeued', (p: { queue: QueueInfo | null }) => {
      this.agentName = null;
      this.agentTyping = null;
      this.setQueue(p.queue);
      this.screen = 'waiting';
    });
    s.on('message:created', (m: MessageDto) => this.merge([m], true));
    s.on('typing', (p: { name: string | null; typing: boolean }) => {
      clearTimeout(this.agentTypingTimer);
      this.agentTyping = p.typing ? p.name || this.agentName || this.t.agent : null;
      // Never let a lost "stopped typing" leave the indicator on.
      if (p.typing) this.agentTypingTimer = setTimeout(() => (this.agentTyping = null), 15000);
    });
    s.on('chat:closed', (p: { status: ChatStatus }) => this.toClosed(p.status));
    s.on('chat:offer-leave-message', (p: { reason: LeaveOfferReason }) => {
      if (this.screen === 'waiting' || this.screen === 'leave-message') this.offerLeave = p.reason;
    });
  }

  private applyStatus(status: ChatStatus) {
    if (status === 'waiting') {
      if (this.screen !== 'leave-message') this.screen = 'waiting';
    } else if (status === 'active') this.screen = 'chat';
    else if (status === 'left_message') this.toLeft();
    else this.toClosed(status);
  }

  private toClosed(status: ChatStatus) {
    this.closedStatus = status;
    this.agentTyping = null;
    this.offerLeave = null;
    this.screen = 'closed';
    this.dropSocket();
  }

  private toLeft() {
    this.screen = 'left';
    this.dropSocket();
  }

  private dropSocket() {
    const s = this.socket;
    this.socket = null;
    this.connection = 'idle';
    s?.disconnect();
  }

  private setQueue(q: QueueInfo | null) {
    this.queue = q;
    this.queueAt = this.clock();
    this.now = this.queueAt;
  }

  /** Adds messages once each (by seq), in seq order, and settles the pending ones they answer. */
  private merge(list: MessageDto[], live: boolean) {
    let added = false;
    for (const m of list) {
      if (m.clientId) {
        const i = this.pending.findIndex((p) => p.clientId === m.clientId);
        if (i >= 0) this.pending.splice(i, 1);
      }
      if (m.visibility === 'agents' || this.seen.has(m.seq)) continue;
      this.seen.add(m.seq);
      added = true;
      if (this.session && m.seq > this.session.lastSeq) this.session.lastSeq = m.seq;
      if (live && m.sender === 'agent') {
        this.agentTyping = null;
        if (!this.panelOpen) this.unread++;
        if (!this.panelOpen || (typeof document !== 'undefined' && document.hidden)) this.deps.notify?.();
      }
    }
    if (!added) return;
    const next = this.messages.slice();
    for (const m of list) if (!next.some((n) => n.seq === m.seq) && m.visibility !== 'agents') next.push(m);
    next.sort((a, b) => a.seq - b.seq);
    this.messages = next;
    this.persist();
  }

  // ------------------------------------------------------------------ waiting / chat

  /** Sends a message (waiting or chatting). Kept as pending until the server stores it. */
  send(text: string): boolean {
    const body = text.trim();
    if (!body || !this.session) return false;
    if (body.length > this.maxMessageLength) return false;
    this.pending.push({ clientId: newClientId(), body, createdAt: new Date(this.clock()).toISOString(), error: null });
    this.draft = '';
    this.setTyping(false);
    void this.push(this.pending[this.pending.length - 1].clientId);
    return true;
  }

  retry(clientId: string) {
    const p = this.pending.find((x) => x.clientId === clientId);
    if (p) p.error = null;
    void this.push(clientId);
  }

  private flushPending() {
    for (const p of this.pending) if (!p.error) void this.push(p.clientId);
  }

  private async push(clientId: string) {
    const s = this.socket;
    const p = this.pending.find((x) => x.clientId === clientId);
    if (!s || !p || !s.connected) return; // sent on (re)connection; the clientId makes retries safe
    try {
      const ack = await s.timeout(this.deps.ackTimeoutMs ?? 10000).emitWithAck('message:send', { clientId, body: p.body });
      if (ack?.ok) { if (ack.message) this.merge([ack.message], false); }
      else {
        const still = this.pending.find((x) => x.clientId === clientId);
        // the text stays in the list, with the reason and "Reenviar"
        if (still) still.error = this.sendError(ack?.error, this.t.failed);
        if (ack?.error?.code === 'chat_closed') this.toClosed('closed');
      }
    } catch {
      // No answer in time: the next connection sends it again with the same clientId.
    }
  }

  /** Called on every keystroke in the send box. */
  typed(value: string) {
    this.draft = value;
    this.setTyping(value.trim().length > 0);
  }

  private setTyping(typing: boolean) {
    clearTimeout(this.typingTimer);
    if (typing) this.typingTimer = setTimeout(() => this.setTyping(false), 3000);
    if (typing === this.typingSent || !this.socket?.connected) return;
    this.typingSent = typing;
    this.socket.emit('typing:set', { typing });
  }

  async endChat(): Promise<void> {
    const s = this.socket;
    if (!s) return this.toClosed('closed');
    try {
      const ack = await s.timeout(this.deps.ackTimeoutMs ?? 10000).emitWithAck('chat:end', {});
      if (ack?.ok || ack?.error?.code === 'chat_closed') this.toClosed(this.closedStatus ?? 'closed');
      else this.afterError = ack?.error?.message ?? this.t.genericError;
    } catch {
      this.afterError = this.t.genericError;
    }
  }

  // ------------------------------------------------------------------ leaving a message

  /** The visitor accepts the offer: the form is prefilled with what was already typed. */
  openLeaveMessage() {
    this.leaveError = null;
    this.screen = 'leave-message';
  }

  cancelLeaveMessage() {
    this.screen = this.chat?.status === 'active' ? 'chat' : 'waiting';
  }

  async leaveMessage(text: string): Promise<void> {
    const s = this.socket;
    if (!s || this.busy) return;
    const body = text.trim();
    this.busy = true;
    this.leaveError = null;
    try {
      const ack = await s
        .timeout(this.deps.ackTimeoutMs ?? 10000)
        .emitWithAck('chat:leave-message', body ? { body } : {});
      if (ack?.ok) {
        this.chat = ack.chat;
        this.draft = '';
        this.toLeft();
      } else if (ack?.error?.code === 'invalid_state') {
        this.screen = 'chat';
      } else if (ack?.error?.code === 'chat_closed') {
        this.toClosed('closed');
      } else {
        this.leaveError = this.sendError(ack?.error, this.t.genericError);
      }
    } catch {
      this.leaveError = this.t.genericError;
    } finally {
      this.busy = false;
    }
  }

  // ------------------------------------------------------------------ files

  /** Checks the file against the server's rules and uploads it with a progress bar. */
  sendFile(file: File): boolean {
    this.fileError = precheckFile(file, this.uploadRules, this.t);
    if (this.fileError || !this.session) return false;
    const { chatId, token } = this.session;
    const id = newClientId();
    this.uploads.push({ id, name: file.name, progress: 0, done: false, error: null });
    const find = () => this.uploads.find((u) => u.id === id);
    const xhr = (this.deps.createXhr ?? (() => new XMLHttpRequest()))();
    xhr.open('POST', `${this.deps.server}/api/live-chat/chats/${chatId}/files`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      const u = find();
      if (u && e.lengthComputable && e.total > 0) u.progress = Math.min(99, Math.round((e.loaded * 100) / e.total));
    };
    xhr.onload = () => {
      const u = find();
      const body = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && body?.message) {
        if (u) Object.assign(u, { progress: 100, done: true });
        this.merge([body.message], false);
        setTimeout(() => (this.uploads = this.uploads.filter((x) => x.id !== id)), 4000);
      } else if (u) {
        u.error = this.sendError(body?.error, this.t.genericError, xhr.getResponseHeader?.('Retry-After'));
      }
    };
    xhr.onerror = () => {
      const u = find();
      if (u) u.error = this.t.genericError;
    };
    const data = new FormData();
    data.append('clientId', id);
    data.append('file', file);
    xhr.send(data);
    return true;
  }

  dismissUpload(id: string) {
    this.uploads = this.uploads.filter((u) => u.id !== id);
  }

  /** Makes sure a fresh signed URL is known for an attachment (they live a few minutes). */
  async ensureAttachment(a: AttachmentDto, force = false): Promise<string | null> {
    const known = this.attachmentUrls[a.id];
    if (!force && known && (this.urlExpiry.get(a.id) ?? 0) > this.clock() + 5000) return known;
    if (this.urlLoading.has(a.id) || !this.session) return known ?? null;
    this.urlLoading.add(a.id);
    try {
      const res = await this.request('GET', `/api/live-chat/chats/${this.session.chatId}/attachments/${a.id}`);
      if (!res.ok || !res.body?.url) return null;
      const url = new URL(res.body.url, this.deps.server || location.href).href;
      const exp = Date.parse(res.body.expiresAt);
      this.urlExpiry.set(a.id, Number.isFinite(exp) ? exp : this.clock() + 60000);
      this.attachmentUrls[a.id] = url;
      return url;
    } catch {
      return null;
    } finally {
      this.urlLoading.delete(a.id);
    }
  }

  attachmentExpired(id: number): boolean {
    return (this.urlExpiry.get(id) ?? 0) <= this.clock() + 5000;
  }

  // ------------------------------------------------------------------ after the closing

  async rate(rating: number, comment: string): Promise<void> {
    const body: { rating: number; comment?: string } = { rating };
    if (comment.trim()) body.comment = comment.trim();
    const res = await this.afterClose('rating', body);
    if (res) this.ratingDone = true;
  }

  async requestTranscript(): Promise<void> {
    const res = await this.afterClose('transcript', {});
    if (res) this.transcriptDone = true;
  }

  private async afterClose(what: string, body: object): Promise<boolean> {
    if (!this.session) return false;
    this.afterError = null;
    try {
      const res = await this.request('POST', `/api/live-chat/chats/${this.session.chatId}/${what}`, body);
      if (!res.ok) this.afterError = res.body?.error?.message ?? this.t.genericError;
      return res.ok;
    } catch {
      this.afterError = this.t.genericError;
      return false;
    }
  }

  /** **Fechar**: back to the start form, ready for a new chat. */
  restart() {
    this.dropSocket();
    this.forget();
    this.resetChat();
    this.form.question = '';
    this.screen = 'start';
    void this.loadConfig();
  }

  private resetChat() {
    this.chat = null;
    this.messages = [];
    this.pending = [];
    this.seen.clear();
    this.queue = null;
    this.agentName = null;
    this.agentTyping = null;
    this.offerLeave = null;
    this.uploads = [];
    this.fileError = null;
    this.attachmentUrls = {};
    this.urlExpiry.clear();
    this.closedStatus = null;
    this.ratingDone = false;
    this.transcriptDone = false;
    this.afterError = null;
    this.leaveError = null;
    this.draft = '';
    this.resuming = false;
  }

  // ------------------------------------------------------------------ embedding

  setPanelOpen(open: boolean) {
    this.panelOpen = open;
    if (open) this.unread = 0;
  }

  destroy() {
    clearInterval(this.ticker);
    clearTimeout(this.typingTimer);
    clearTimeout(this.agentTypingTimer);
    this.dropSocket();
  }

  // ------------------------------------------------------------------ plumbing

  private async request(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.session && path.startsWith('/api/live-chat/chats/')) headers.Authorization = `Bearer ${this.session.token}`;
    const res = await this.fetchFn(`${this.deps.server}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { ok: res.ok, status: res.status, body: parseJson(text), retryAfter: res.headers?.get?.('Retry-After') };
  }

  private persist() {
    if (!this.session) return;
    try {
      this.deps.storage?.setItem(SESSION_KEY, JSON.stringify(this.session));
    } catch {
      /* storage full or blocked: the chat still works, it just won't survive a reload */
    }
  }

  private load(): SavedSession | null {
    try {
      const v = JSON.parse(this.deps.storage?.getItem(SESSION_KEY) ?? 'null');
      // The messages themselves are not kept across a reload: the replay starts from the first one.
      return v && typeof v.chatId === 'number' && typeof v.token === 'string' ? { ...v, lastSeq: 0 } : null;
    } catch {
      return null;
    }
  }

  private forget() {
    this.session = null;
    try {
      this.deps.storage?.removeItem(SESSION_KEY);
    } catch {
      /* ignore */
    }
  }
}

function parseJson(text: string): any {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
