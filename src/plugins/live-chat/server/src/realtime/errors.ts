import type { AppError, ErrorCode } from '../../../shared/contract';

export const err = (code: ErrorCode, message: string, fields?: Record<string, string>): AppError =>
  fields ? { code, message, fields } : { code, message };

/** `rate_limited` with the seconds to wait, in the message and as `retryAfter` (for clients to show). */
export const rateLimited = (message: string, retryAfter: number): AppError => ({ code: 'rate_limited', message, retryAfter });

/** A handshake refusal the client sees as `connect_error` with `data.code`. */
export const handshakeError = (code: ErrorCode, message: string) => {
  const e = new Error(message) as Error & { data: { code: ErrorCode; message: string } };
  e.data = { code, message };
  return e;
};

/**
 * A connection we could not set up because of a failure on our side (the database is down or
 * restarting): not a refusal. A `connect_error` from the middleware, or a server-side
 * disconnect, would stop socket.io-client, the widget's io-lite and the console for good (they
 * retry only after a transport failure); dropping the transport instead makes each of them
 * retry with its randomized back-off, and the handshake is checked again when it comes back.
 */
export const dropForRetry = (socket: { conn: { close(): unknown } }) => {
  socket.conn.close();
};

/**
 * Wraps a command handler: the last argument must be the acknowledgement callback; whatever
 * happens (bad payload, thrown error) the client gets `{ ok: false, error }` and the process
 * stays up. A command sent without a callback is ignored: there is nobody to answer.
 */
export const command =
  (log: { error: (m: string) => void }, handler: (payload: unknown) => Promise<object>) =>
  async (...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    const payload = args.length > 1 ? args[0] : undefined;
    try {
      ack(await handler(payload));
    } catch (e) {
      log.error(`[live-chat] command failed: ${(e as Error).stack ?? e}`);
      ack({ ok: false, error: err('internal_error', 'Something went wrong on our side: please try again') });
    }
  };
