import { open } from 'node:fs/promises';
// http-errors is pinned to the exact version @strapi/utils uses, so that Strapi's error middleware
// recognises these as HTTP errors (status kept, not logged as internal errors).
import createError from 'http-errors';
import type { Core } from '@strapi/strapi';
import { CEILING_RULES, checkFile, type UploadRefusal, type UploadRules } from './rules';

/**
 * The upload plugin checks the MIME type detected from the content against
 * `security.allowedTypes`, but not the extension, and it types a file it cannot recognise (HTML,
 * plain text) from its name: an HTML page named `.png` passes. This guard wraps the upload
 * service so that every path into the media library (content API, admin, the live-chat plugin)
 * also checks the name, the extension and that the first bytes are what the extension says.
 */

interface IncomingFile {
  filepath?: string;
  originalFilename?: string | null;
  name?: string;
  size?: number;
  mimetype?: string | null;
  detectedMimeType?: string;
}

const HEAD_BYTES = 4100;

export async function readHead(filepath: string, bytes = HEAD_BYTES): Promise<Uint8Array> {
  const handle = await open(filepath, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function refusalError(refusal: UploadRefusal, rules: UploadRules = CEILING_RULES) {
  const err = createError(refusal.status, refusal.message) as ReturnType<typeof createError> & { details?: unknown };
  err.details = {
    code: refusal.code,
    maxBytes: rules.maxBytes,
    allowedExtensions: rules.extensions,
  };
  return err;
}

/** Throws an HTTP error (400/413/415) for the first file that breaks the rules. */
export async function assertFilesAllowed(files: IncomingFile | IncomingFile[] | undefined, rules: UploadRules = CEILING_RULES) {
  const list = Array.isArray(files) ? files : files ? [files] : [];
  for (const file of list) {
    const name = file.originalFilename ?? file.name;
    const size = typeof file.size === 'number' ? file.size : NaN;
    const head = file.filepath && size > 0 ? await readHead(file.filepath) : new Uint8Array();
    const verdict = checkFile(name, size, head, rules);
    if (!verdict.ok) throw refusalError(verdict.refusal, rules);
    // store and serve it with the canonical type of its (verified) extension
    file.mimetype = verdict.rule.mime;
    file.detectedMimeType = verdict.rule.mime;
  }
}

export function installUploadGuard(strapi: Core.Strapi) {
  const service = strapi.plugin('upload').service('upload') as Record<string, any>;
  if (service.__liveChatGuarded) return;
  const upload = service.upload.bind(service);
  const replace = service.replace.bind(service);
  service.upload = async (args: { data: unknown; files: IncomingFile | IncomingFile[] }, opts?: unknown) => {
    await assertFilesAllowed(args?.files);
    return upload(args, opts);
  };
  service.replace = async (id: unknown, args: { data: unknown; file: IncomingFile }, opts?: unknown) => {
    await assertFilesAllowed(args?.file);
    return replace(id, args, opts);
  };
  service.__liveChatGuarded = true;

  // A chat file is kept exactly as it was sent: no thumbnails, no responsive copies, no
  // re-encoding (the widget and the console scale verified images themselves).
  const images = strapi.plugin('upload').service('image-manipulation') as Record<string, any>;
  images.generateThumbnail = async () => null;
  images.generateResponsiveFormats = async () => [];
  images.optimize = async (file: unknown) => file;
}
