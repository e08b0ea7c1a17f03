import type { AppError, ErrorCode } from '../../../shared/contract';

/** What every domain decision returns: a value, or the error the client will see in its ack. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const appError = (code: ErrorCode, message: string, fields?: Record<string, string>): AppError =>
  fields ? { code, message, fields } : { code, message };

export const fail = (code: ErrorCode, message: string, fields?: Record<string, string>) =>
  ({ ok: false, error: appError(code, message, fields) }) as const;
