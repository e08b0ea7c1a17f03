import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { pipeline } from 'stream/promises';
import type { Core } from '@strapi/strapi';

/**
 * Every uploaded file (chat attachments and the admin's media library alike) is stored outside
 * any public folder, under a random name, and served only through short-lived signed URLs
 * (GET /files/<hash><ext>?exp=…&sig=…, see src/middlewares/private-files.ts). The upload plugin
 * keeps doing everything else (its pipeline, the media library, signed URLs in its responses);
 * only its provider's storage methods are replaced, which is what a private upload provider is.
 */
export const FILES_PREFIX = '/files/';

export const uploadsDir = () => path.resolve(process.env.UPLOADS_DIR || path.join(process.cwd(), 'private-uploads'));

const secret = () => {
  const s = process.env.LIVE_CHAT_SECRET || process.env.APP_KEYS;
  if (!s) throw new Error('LIVE_CHAT_SECRET is not set: run `npm start` once to generate it');
  return s;
};

export const urlTtlSeconds = () => Math.max(1, Number(process.env.FILE_URL_TTL_SECONDS ?? 300));

const signature = (pathname: string, exp: number) =>
  crypto.createHmac('sha256', secret()).update(`${pathname}\n${exp}`).digest('base64url');

/** A URL for `pathname` (/files/...) valid until `exp` (unix seconds). */
export function signPath(pathname: string, ttlSeconds = urlTtlSeconds(), now = Date.now()) {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  return { url: `${pathname}?exp=${exp}&sig=${signature(pathname, exp)}`, expiresAt: new Date(exp * 1000).toISOString() };
}

export type SignatureCheck = 'ok' | 'missing' | 'invalid' | 'expired';

export function checkSignature(pathname: string, exp: unknown, sig: unknown, now = Date.now()): SignatureCheck {
  if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) return 'missing';
  const expected = Buffer.from(signature(pathname, Number(exp)));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return 'invalid';
  return Number(exp) * 1000 < now ? 'expired' : 'ok';
}

/** The stored file behind a /files/ name, or null: names are `<hash><ext>` with a safe charset. */
export function storedPath(name: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}\.[a-z0-9]{1,8}$/.test(name)) return null;
  return path.join(uploadsDir(), name);
}

export function installPrivateStorage(strapi: Core.Strapi) {
  const provider = strapi.plugin('upload').provider as any;
  const dir = uploadsDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = (file: { hash: string; ext?: string }) => path.join(dir, `${file.hash}${(file.ext ?? '').toLowerCase()}`);
  const publicUrl = (file: { hash: string; ext?: string }) => `${FILES_PREFIX}${file.hash}${(file.ext ?? '').toLowerCase()}`;
  provider.extend({
    async uploadStream(file: any) {
      await pipeline(file.stream, fs.createWriteStream(target(file), { mode: 0o600 }));
      file.url = publicUrl(file);
    },
    async upload(file: any) {
      if (file.stream) return provider.uploadStream(file);
      await fs.promises.writeFile(target(file), file.buffer, { mode: 0o600 });
      file.url = publicUrl(file);
    },
    async delete(file: any) {
      await fs.promises.rm(target(file), { force: true });
    },
    isPrivate() {
      return true;
    },
    async getSignedUrl(file: any) {
      return { url: signPath(publicUrl(file)).url };
    },
  });
}
