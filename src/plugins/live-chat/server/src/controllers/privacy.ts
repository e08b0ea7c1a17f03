import type { Core } from '@strapi/strapi';
import type { Analytics } from '../../../shared/analytics';
import { getService } from '../utils';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** POST /privacy/erase — body { email }: deletes everything stored of that visitor. */
const createPrivacyController = ({ strapi }: { strapi: Core.Strapi }) => ({
  async erase(ctx: any) {
    const fail = (status: number, error: Analytics.Error) => {
      ctx.status = status;
      ctx.body = { error };
    };
    const body = ctx.request.body ?? {};
    const keys = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : ['?'];
    if (keys.some((k) => k !== 'email')) return fail(400, { code: 'validation_failed', message: 'Send { "email": "…" } only', fields: { email: 'Required, alone' } });
    const email = body.email;
    if (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email)) {
      return fail(400, { code: 'validation_failed', message: 'email: An e-mail address (254 characters at most)', fields: { email: 'An e-mail address' } });
    }
    const user = ctx.state?.user;
    if (!user?.id) return fail(401, { code: 'unauthorized', message: 'Sign in to the admin again' });
    ctx.body = { ok: true, ...(await getService(strapi, 'retention').eraseEmail(email, { id: user.id })) };
  },
});

export default createPrivacyController;
