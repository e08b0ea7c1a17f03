import fs from 'fs';
import type { Core } from '@strapi/strapi';
import { checkSignature, FILES_PREFIX, storedPath } from '../upload/private-storage';
import { ruleForExtension } from '../upload/rules';

/**
 * Serves stored files by signed URL only. Images verified as gif/jpeg/png (every stored file
 * passed the upload gate's signature check) may show inline; everything else is a download.
 * Always with nosniff and a sandboxing CSP, so that no stored file can run as a page.
 */
export default (_config: unknown, { strapi }: { strapi: Core.Strapi }) => {
  return async (ctx: any, next: () => Promise<void>) => {
    if (!ctx.path.startsWith(FILES_PREFIX) || !['GET', 'HEAD'].includes(ctx.method)) return next();
    const name = ctx.path.slice(FILES_PREFIX.length);
    const file = storedPath(name);
    const check = file ? checkSignature(ctx.path, ctx.query.exp, ctx.query.sig) : 'invalid';
    const refuse = (status: number, code: string, message: string) => {
      ctx.status = status;
      ctx.body = { data: null, error: { status, name: 'FileAccessError', message, details: { code } } };
    };
    if (check === 'expired') return refuse(403, 'link_expired', 'This file link has expired: open the file again from the chat');
    if (check !== 'ok') return refuse(403, 'link_invalid', 'This file link is not valid');
    const dot = name.lastIndexOf('.');
    const [hash, ext] = [name.slice(0, dot), name.slice(dot)];
    // stored names have a lower-cased extension; the row keeps the one the file came with (.PNG)
    const row = await strapi.db.query('plugin::upload.file').findOne({ where: { hash } });
    if (!row || String(row.ext ?? '').toLowerCase() !== ext || !fs.existsSync(file!)) return refuse(404, 'not_found', 'This file no longer exists');
    const rule = ruleForExtension(ext.slice(1).toLowerCase());
    const inline = !!rule?.inline;
    const downloadName = String(row.name ?? name).replace(/["\\\r\n]/g, '_');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set(
      'Content-Disposition',
      `${inline ? 'inline' : 'attachment'}; filename="${downloadName.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(downloadName)}`
    );
    ctx.type = rule?.mime ?? 'application/octet-stream';
    ctx.length = fs.statSync(file!).size;
    ctx.status = 200;
    ctx.body = ctx.method === 'HEAD' ? null : fs.createReadStream(file!);
  };
};
