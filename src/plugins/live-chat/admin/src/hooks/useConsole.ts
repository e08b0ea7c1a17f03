import * as React from 'react';
import { io, type Socket } from 'socket.io-client';
import { attemptTokenRefresh, useAuth, useFetchClient } from '@strapi/strapi/admin';
import type { Ack, AgentClientToServer, AgentServerToClient, AppError, CannedResponses, MessageDto, Presence, Visibility, WidgetConfig } from '../../../shared/contract';
import {
  consoleReducer,
  initialState,
  newClientId,
  sendsToResume,
  syncRequests,
  uploadRefusal,
  type ConsoleAction,
  type ConsoleState,
  type PendingSend,
} from '../store/console-store';
import { backendURL, formatBytes } from '../utils/backend';

type AgentSocket = Socket<AgentServerToClient, AgentClientToServer>;

const NO_ANSWER: AppError = { code: 'internal_error', message: 'No answer from the server: check the connection and retry' };

/** The server events the reducer takes as they come. */
const FORWARDED = [
  'queue:added',
  'queue:removed',
  'queue:changed',
  'chat:assigned',
  'chat:requeued',
  'chat:closed',
  'message:created',
  'typing',
  'visitor:presence',
] as const;

export interface ConsoleApi {
  state: ConsoleState;
  dispatch: React.Dispatch<ConsoleAction>;
  setPresence(p: Presence): Promise<void>;
  accept(chatId: number): Promise<void>;
  send(chatId: number, body: string, visibility: Visibility): void;
  retry(clientId: string): void;
  typing(chatId: number, typing: boolean): void;
  close(chatId: number, reason: string, tags: string[]): Promise<AppError | null>;
  transfer(chatId: number, to: { departmentId?: number; agentId?: number }): Promise<AppError | null>;
  /** `describe` turns a refusal into the agent's language */
  upload(chatId: number, file: File, describe?: (r: NonNullable<ReturnType<typeof uploadRefusal>>) => string): void;
  openFile(chatId: number, attachmentId: number): Promise<void>;
}

/**
 * The console's imperative shell: one /agent socket (auth as a function, so that every
 * reconnection sends the admin's current access token), events into the reducer, commands with
 * acknowledgements. After every (re)connection it asks for the messages it missed and resends
 * what was not acknowledged (same client ids: the server stores each once).
 */
export function useConsole(): ConsoleApi {
  const token = useAuth('LiveChatConsole', (s) => s.token);
  const tokenRef = React.useRef(token);
  tokenRef.current = token;
  const { get } = useFetchClient();
  const [state, setState] = React.useState<ConsoleState>(initialState);
  // the latest state, also between renders: socket handlers run outside React's render
  const stateRef = React.useRef(state);
  const socketRef = React.useRef<AgentSocket | null>(null);

  const dispatch = React.useCallback((action: ConsoleAction) => {
    stateRef.current = consoleReducer(stateRef.current, action);
    setState(stateRef.current);
  }, []);

  const deliver = React.useCallback(
    async (p: Pick<PendingSend, 'chatId' | 'clientId' | 'body' | 'visibility'>) => {
      const socket = socketRef.current;
      if (!socket?.connected) return; // resumed after the reconnection
      try {
        const ack = (await socket.timeout(10000).emitWithAck('message:send', { chatId: p.chatId, clientId: p.clientId, body: p.body, visibility: p.visibility })) as Ack<{ message: MessageDto }>;
        if (ack.ok) dispatch({ type: 'send:acked', clientId: p.clientId, message: ack.message });
        else dispatch({ type: 'send:failed', clientId: p.clientId, error: ack.error });
      } catch {
        dispatch({ type: 'send:failed', clientId: p.clientId, error: NO_ANSWER });
      }
    },
    [dispatch]
  );

  React.useEffect(() => {
    const socket: AgentSocket = io(`${backendURL()}/agent`, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: (cb) => cb({ token: tokenRef.current ?? '' }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    socketRef.current = socket;

    socket.on('disconnect', () => dispatch({ type: 'connection', status: 'reconnecting' }));
    socket.on('connect_error', async (err: Error & { data?: { code?: string } }) => {
      if (err.data?.code !== 'unauthorized') return; // network: socket.io retries by itself
      dispatch({ type: 'connection', status: 'unauthorized' });
      try {
        // the access token is short-lived: renew it as the admin does, then try again
        tokenRef.current = await attemptTokenRefresh(tokenRef.current);
        socket.connect();
      } catch {
        /* the admin sends the user to the login page */
      }
    });
    socket.on('agent:state', (payload) => {
      dispatch({ type: 'agent:state', payload });
      for (const req of syncRequests(stateRef.current)) {
        socket
          .timeout(10000)
          .emitWithAck('messages:sync', req)
          .then((ack: Ack<{ messages: MessageDto[] }>) => {
            if (ack.ok) dispatch({ type: 'messages:synced', chatId: req.chatId, messages: ack.messages });
          })
          .catch(() => undefined);
      }
      for (const p of sendsToResume(stateRef.current)) void deliver(p);
    });
    for (const event of FORWARDED) {
      socket.on(event as any, (payload: any) => dispatch({ type: event, payload } as ConsoleAction));
    }
    return () => {
      socket.close();
      socketRef.current = null;
    };
  }, [dispatch, deliver]);

  // the same upload rules as the visitor's (the widget's configuration), checked before sending
  const rulesRef = React.useRef<WidgetConfig.Response['settings']['upload'] | null>(null);
  React.useEffect(() => {
    fetch(`${backendURL()}/api/live-chat/widget-config`)
      .then((r) => (r.ok ? r.json() : null))
      .then((cfg: WidgetConfig.Response | null) => {
        rulesRef.current = cfg?.settings?.upload ?? null;
      })
      .catch(() => undefined);
  }, []);

  // canned responses of the agent's departments, once
  React.useEffect(() => {
    get<CannedResponses.Response>('/live-chat/canned-responses')
      .then(({ data }) => dispatch({ type: 'canned:loaded', canned: data.results }))
      .catch(() => undefined);
  }, [get, dispatch]);

  const ack = async <T extends object>(event: keyof AgentClientToServer, payload: unknown): Promise<Ack<T>> => {
    const socket = socketRef.current;
    if (!socket?.connected) return { ok: false, error: { code: 'internal_error', message: 'Not connected: wait for the console to reconnect' } };
    try {
      return (await (socket.timeout(10000) as any).emitWithAck(event, payload)) as Ack<T>;
    } catch {
      return { ok: false, error: NO_ANSWER };
    }
  };

  return {
    state,
    dispatch,
    async setPresence(presence) {
      const res = await ack<{ presence: Presence }>('presence:set', { presence });
      if (res.ok) dispatch({ type: 'presence:changed', presence: res.presence });
      else dispatch({ type: 'notice', notice: { kind: 'danger', code: 'console.notice.error', values: { message: res.error.message } } });
    },
    async accept(chatId) {
      dispatch({ type: 'accept:started', chatId });
      const res = await ack<{ chat: any; messages: MessageDto[] }>('chat:accept', { chatId });
      if (res.ok) {
        dispatch({ type: 'chat:assigned', payload: { chat: res.chat, messages: res.messages } });
        dispatch({ type: 'select', chatId });
      } else dispatch({ type: 'accept:failed', chatId, error: res.error });
    },
    send(chatId, body, visibility) {
      const pending = { chatId, clientId: newClientId(), body, visibility, createdAt: new Date().toISOString() };
      dispatch({ type: 'send:queued', pending });
      void deliver(pending);
    },
    retry(clientId) {
      const p = stateRef.current.pending.find((x) => x.clientId === clientId);
      if (!p) return;
      dispatch({ type: 'send:retry', clientId });
      void deliver(p);
    },
    typing(chatId, typing) {
      socketRef.current?.emit('typing:set', { chatId, typing });
    },
    async close(chatId, reason, tags) {
      const res = await ack('chat:close', { chatId, reason, tags });
      if (!res.ok) return res.error;
      const c = stateRef.current.conversations[chatId];
      if (c && !c.ended) {
        dispatch({ type: 'chat:closed', payload: { chatId, closedBy: 'agent', reason: reason || 'agent_closed', closedAt: new Date().toISOString(), status: 'closed' } });
      }
      return null;
    },
    async transfer(chatId, to) {
      const res = await ack('chat:transfer', { chatId, ...to });
      if (!res.ok) return res.error;
      dispatch({ type: 'chat:requeued', payload: { chatId, reason: 'transferred' } });
      return null;
    },
    upload(chatId, file, describe) {
      const id = newClientId();
      dispatch({ type: 'upload:started', upload: { id, chatId, name: file.name, total: file.size } });
      const refused = uploadRefusal(file, rulesRef.current);
      if (refused) {
        const fallback =
          refused.code === 'type' ? `Files of this type are not accepted (${refused.extensions})` : refused.code === 'size' ? `Files are limited to ${formatBytes(refused.maxBytes!)}` : 'The file is empty';
        dispatch({ type: 'upload:failed', id, error: describe?.(refused) ?? fallback });
        return;
      }
      const form = new FormData();
      form.append('clientId', id);
      form.append('file', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${backendURL()}/api/live-chat/chats/${chatId}/files`);
      xhr.setRequestHeader('Authorization', `Bearer ${tokenRef.current ?? ''}`);
      xhr.upload.onprogress = (e) => dispatch({ type: 'upload:progress', id, loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
      xhr.onload = () => {
        let body: any = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON */
        }
        if (xhr.status === 201 && body?.message) dispatch({ type: 'upload:done', id, message: body.message });
        else dispatch({ type: 'upload:failed', id, error: body?.error?.message ?? `Upload failed (${xhr.status})` });
      };
      xhr.onerror = () => dispatch({ type: 'upload:failed', id, error: 'Network error: the file was not sent' });
      xhr.send(form);
    },
    async openFile(chatId, attachmentId) {
      try {
        const { data } = await get<{ url: string }>(`/api/live-chat/chats/${chatId}/attachments/${attachmentId}`);
        window.open(`${backendURL()}${data.url}`, '_blank', 'noopener,noreferrer');
      } catch {
        dispatch({ type: 'notice', notice: { kind: 'danger', code: 'console.notice.fileUnavailable' } });
      }
    },
  };
}
