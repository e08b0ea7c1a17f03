// The embed entry: <script src=".../widget.js" data-server data-locale data-department data-color
// data-position data-mode="page">. A plain class wraps the Svelte app, so the public API
// (window.LiveChat) does not depend on Svelte.
import { io } from './lib/io-lite';
import { mount, unmount } from 'svelte';
import Widget from './components/Widget.svelte';
import { ChatState, type SocketFactory } from './lib/chat-state.svelte';
import { beep } from './lib/beep';
import { pickLocale } from './lib/i18n';

export interface WidgetOptions {
  server?: string;
  locale?: string;
  department?: string;
  color?: string;
  position?: 'left' | 'right';
  mode?: 'widget' | 'page';
  /** Where to put the host element (default: document.body). */
  target?: HTMLElement;
}

const createSocket: SocketFactory = (url, opts) => io(url, { ...opts, path: '/socket.io' });

export class LiveChatWidget {
  readonly state: ChatState;
  readonly host: HTMLElement;
  private app: Record<string, unknown>;

  constructor(options: WidgetOptions = {}) {
    const mode = options.mode === 'page' ? 'page' : 'widget';
    this.state = new ChatState({
      server: (options.server ?? '').replace(/\/+$/, ''),
      locale: pickLocale(options.locale, navigator.language),
      defaultDepartment: options.department,
      createSocket,
      storage: safeSession(),
      notify: beep,
      pageUrl: location.href,
    });
    this.state.setPanelOpen(mode === 'page');
    this.host = document.createElement('div');
    this.host.setAttribute('data-live-chat-host', '');
    (options.target ?? document.body).appendChild(this.host);
    // Open shadow root: the host page's CSS cannot reach in, ours cannot leak out.
    const root = this.host.attachShadow({ mode: 'open' });
    this.app = mount(Widget, {
      target: root,
      props: {
        app: this.state,
        mode,
        position: options.position === 'left' ? 'left' : 'right',
        color: /^#[0-9a-f]{3,8}$|^[a-z]+$|^rgb/i.test(options.color ?? '') ? options.color : '',
      },
    });
    void this.state.init();
  }

  open() {
    this.state.setPanelOpen(true);
  }
  close() {
    this.state.setPanelOpen(false);
  }
  toggle() {
    this.state.setPanelOpen(!this.state.panelOpen);
  }
  destroy() {
    this.state.destroy();
    void unmount(this.app);
    this.host.remove();
  }
}

function safeSession(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** Reads the options from the <script> tag that loaded us (module scripts: data-live-chat). */
function fromScript(): WidgetOptions | null {
  const el = (document.currentScript ?? document.querySelector('script[data-live-chat]')) as HTMLScriptElement | null;
  if (!el || el.dataset.manual !== undefined) return null;
  const d = el.dataset;
  let server = d.server;
  if (!server && el.src) server = new URL(el.src, location.href).origin;
  return {
    server,
    locale: d.locale,
    department: d.department,
    color: d.color,
    position: d.position === 'left' ? 'left' : 'right',
    mode: d.mode === 'page' ? 'page' : 'widget',
  };
}

export let widget: LiveChatWidget | undefined;
const options = fromScript();
if (options) {
  const go = () => (widget = new LiveChatWidget(options));
  if (document.body) go();
  else document.addEventListener('DOMContentLoaded', go, { once: true });
}
