import type { AppError, ErrorCode } from '../../../shared/contract';

export const err = (code: ErrorCode, message: string, fields?: Record<string, string>): AppError =>
  fields ? { code, message, fields } : { code, message };

/** A handshake refusal the client sees as `connect_error` with `data.code`. */
export const handshakeError = (code: ErrorCode, message: string) => {
  const e = new Error(message) as Error & { data: { code: ErrorCode; message: string } };
  e.data = { code, message };
  return e;
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
