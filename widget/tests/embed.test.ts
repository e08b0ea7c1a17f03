import { describe, expect, it, vi } from 'vitest';
import { widgetConfig } from './helpers/fakes';

describe('embed script', () => {
  it('reads its <script> data attributes and mounts into a shadow root with its CSS inside', async () => {
    const script = document.createElement('script');
    Object.assign(script.dataset, { liveChat: '', mode: 'page', server: 'http://chat.test/', locale: 'pt-BR', color: '#0a7' });
    document.head.appendChild(script);
    document.head.insertAdjacentHTML('beforeend', '<style>label { display: none !important }</style>');
    const fetch = vi.fn(async () => new Response(JSON.stringify(widgetConfig()), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const mod = await import('../src/embed');
    expect(mod.widget).toBeDefined();
    expect((fetch.mock.calls[0] as unknown[])[0]).toBe('http://chat.test/api/live-chat/widget-config');
    const host = document.querySelector('[data-live-chat-host]')!;
    const root = host.shadowRoot!;
    await vi.waitFor(() => expect(root.querySelector('label[for=lc-name]')?.textContent).toBe('Nome'));
    // the component styles live in the shadow root, not in the host page
    expect(root.querySelector('style')?.textContent).toContain('.panel');
    expect(document.head.querySelectorAll('style')).toHaveLength(1);
    expect(root.querySelector<HTMLElement>('.lc')!.getAttribute('style')).toMatch(/--lc-color:\s*#0a7/);
    // full-page mode: no launcher
    expect(root.querySelector('.launcher')).toBeNull();
    mod.widget!.destroy();
    expect(document.querySelector('[data-live-chat-host]')).toBeNull();
    vi.unstubAllGlobals();
  });
});
