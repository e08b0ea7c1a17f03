import type { ErrorResponse } from '../../../shared/contract';
import { findInvalidText } from '../domain';

/**
 * Route middleware of every admin route of the plugin (routes/admin): a body or query string
 * holding text that is not valid Unicode — bytes that were not UTF-8 (decoded to U+FFFD by the
 * JSON parser) or a lone surrogate (`"\ud800"`) — is refused with 400 before any handler runs, as
 * the visitor endpoints refuse it (domain/validation.ts `hasInvalidText`). Nothing is stored.
 */
export const INVALID_TEXT = 'Contains invalid characters (not valid UTF-8, or a lone surrogate)';

const validText = () => async (ctx: any, next: () => Promise<unknown>) => {
  const inBody = findInvalidText(ctx.request?.body);
  const where = inBody ?? findInvalidText(ctx.query);
  if (where !== null) {
    const field = where || 'body';
    ctx.status = 400;
    ctx.body = { error: { code: 'validation_failed', message: `${field}: ${INVALID_TEXT}`, fields: { [field]: INVALID_TEXT } } } satisfies ErrorResponse;
    return;
  }
  await next();
};

export default validText;
