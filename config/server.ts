import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Server => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  url: env('PUBLIC_URL', ''),
  // Behind TRUST_PROXY_HOPS trusted proxies (default one), the client address is the one the
  // outermost of them saw: X-Forwarded-For's entries to the left of those are written by the
  // client itself, and keying rate limits on them would let anyone pick a fresh address.
  proxy: { koa: env.bool('TRUST_PROXY', false), maxIpsCount: env.int('TRUST_PROXY_HOPS', 1) },
  http: {
    serverOptions: {
      // the longest an HTTP request may take to arrive whole (a 10 MB upload on a slow line
      // included); a request that never ends is cut off and its temporary file removed
      requestTimeout: env.int('HTTP_REQUEST_TIMEOUT_MS', 300000),
      connectionsCheckingInterval: env.int('HTTP_CONNECTIONS_CHECK_MS', 30000),
    },
  },
  dirs: {
    // where the local upload provider writes and strapi::public serves from
    public: env('PUBLIC_DIR', './public'),
  },
  app: {
    keys: env.array('APP_KEYS')!,
  },
  webhooks: {
    populateRelations: env.bool('WEBHOOKS_POPULATE_RELATIONS', false),
  },
});

export default config;
