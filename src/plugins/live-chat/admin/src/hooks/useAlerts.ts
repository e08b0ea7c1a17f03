import * as React from 'react';
import { tabTitle, type ConsoleState } from '../store/console-store';

/** A short two-tone chime made on the spot (no audio file to ship or fetch). */
function chime() {
  try {
    const Ctx = window.AudioContext ?? (window as any).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const tones: [number, number][] = [
      [880, 0],
      [1320, 0.15],
    ];
    for (const [freq, at] of tones) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + at + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.3);
    }
    setTimeout(() => void ctx.close(), 1000);
  } catch {
    /* autoplay refused before any click: the title and the notification still tell */
  }
}

/**
 * New chats in the queue: a sound, a browser notification (when the agent allowed them) and the
 * count in the tab's title; the count clears when the agent looks at the tab again.
 */
export function useAlerts(state: ConsoleState, onSeen: () => void, baseTitle: string, notificationText: (n: number) => string) {
  const previous = React.useRef(state.newInQueue);
  React.useEffect(() => {
    if (state.newInQueue > previous.current) {
      chime();
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
        try {
          new Notification(notificationText(state.newInQueue), { tag: 'live-chat-queue' });
        } catch {
          /* some browsers allow notifications only from a service worker */
        }
      }
    }
    previous.current = state.newInQueue;
  }, [state.newInQueue, notificationText]);

  React.useEffect(() => {
    document.title = tabTitle(baseTitle, state);
  });
  React.useEffect(() => () => void (document.title = baseTitle), [baseTitle]);

  React.useEffect(() => {
    const seen = () => {
      if (document.visibilityState === 'visible' && document.hasFocus()) onSeen();
    };
    window.addEventListener('focus', seen);
    document.addEventListener('visibilitychange', seen);
    window.addEventListener('pointerdown', seen);
    return () => {
      window.removeEventListener('focus', seen);
      document.removeEventListener('visibilitychange', seen);
      window.removeEventListener('pointerdown', seen);
    };
  }, [onSeen]);
}
