/**
 * The chat's file rules, in one place: the help page's twelve types and 10 MB (10 MiB) per file.
 * This module is pure (no Strapi import): config/plugins.ts, config/middlewares.ts, the upload
 * service guard and the live-chat plugin all read the same numbers and lists from here.
 * The configuration sets the ceiling; settings may only narrow it (see narrowRules).
 */

export const MAX_FILE_BYTES_CEILING = 10 * 1024 * 1024;

export type Signature = 'gif' | 'jpeg' | 'png' | 'zip' | 'rar' | 'ole' | 'pdf' | 'text';

export interface FileTypeRule {
  ext: string;
  /** the canonical MIME type the file is stored and served with */
  mime: string;
  /** what the first bytes must be */
  signature: Signature;
  /** true when a browser may show it inline (verified images only) */
  inline: boolean;
}

export const FILE_TYPES: readonly FileTypeRule[] = [
  { ext: 'gif', mime: 'image/gif', signature: 'gif', inline: true },
  { ext: 'jpeg', mime: 'image/jpeg', signature: 'jpeg', inline: true },
  { ext: 'jpg', mime: 'image/jpeg', signature: 'jpeg', inline: true },
  { ext: 'png', mime: 'image/png', signature: 'png', inline: true },
  { ext: 'zip', mime: 'application/zip', signature: 'zip', inline: false },
  { ext: 'rar', mime: 'application/vnd.rar', signature: 'rar', inline: false },
  { ext: 'xls', mime: 'application/vnd.ms-excel', signature: 'ole', inline: false },
  {
    ext: 'xlsx',
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    signature: 'zip',
    inline: false,
  },
  { ext: 'doc', mime: 'application/msword', signature: 'ole', inline: false },
  {
    ext: 'docx',
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    signature: 'zip',
    inline: false,
  },
  { ext: 'sql', mime: 'application/sql', signature: 'text', inline: false },
  { ext: 'pdf', mime: 'application/pdf', signature: 'pdf', inline: false },
];

export const ALLOWED_EXTENSIONS: readonly string[] = FILE_TYPES.map((t) => t.ext);

/**
 * MIME types the upload plugin's content detection (file-type) may report for the allowed files:
 * the upload plugin's `security.allowedTypes`. Office 97 files are detected as
 * application/x-cfb and OOXML files often as application/zip; .sql has no signature and is typed
 * from its extension. The extension-and-signature guard (verify.ts) is what ties each file's
 * content to its name.
 */
export const UPLOAD_ALLOWED_MIME_TYPES: readonly string[] = [
  'image/gif',
  'image/jpeg',
  'image/png',
  'application/zip',
  'application/x-zip-compressed',
  'application/vnd.rar',
  'application/x-rar-compressed',
  'application/x-cfb',
  'application/vnd.ms-excel',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/sql',
  'application/x-sql',
  'text/plain',
  'application/pdf',
];

export const UPLOAD_DENIED_MIME_TYPES: readonly string[] = [
  'image/svg+xml',
  'text/html',
  'application/xhtml+xml',
  'application/javascript',
  'text/javascript',
  'application/x-httpd-php',
  'application/vnd.microsoft.portable-executable',
  'application/x-msdownload',
  'application/x-msdos-program',
  'application/x-executable',
  'application/x-dosexec',
  'application/x-elf',
  'application/x-sh',
  'text/x-shellscript',
  'application/x-mach-binary',
];

/**
 * Extensions that must not appear anywhere in a name, not even before the last dot
 * (`x.php.png`): servers that map handlers by any extension have executed such files.
 */
export const DANGEROUS_EXTENSIONS: ReadonlySet<string> = new Set([
  'php', 'php3', 'php4', 'php5', 'php7', 'phtml', 'phar', 'pht', 'phps',
  'asp', 'aspx', 'ascx', 'ashx', 'asmx', 'jsp', 'jspx', 'cfm', 'cgi', 'pl', 'py', 'rb', 'sh', 'bash',
  'exe', 'com', 'bat', 'cmd', 'msi', 'msp', 'scr', 'dll', 'cpl', 'jar', 'vbs', 'vbe', 'ps1', 'psm1',
  'js', 'mjs', 'cjs', 'wsf', 'hta', 'html', 'htm', 'xhtml', 'shtml', 'svg', 'svgz', 'xml', 'swf',
  'htaccess', 'lnk', 'reg', 'apk', 'app', 'elf', 'so', 'dylib',
]);

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

export const MAX_FILE_NAME_LENGTH = 200;

export type UploadRefusalCode =
  | 'file_too_large'
  | 'file_empty'
  | 'file_type_not_allowed'
  | 'file_content_mismatch'
  | 'file_name_invalid';

export interface UploadRefusal {
  code: UploadRefusalCode;
  status: 400 | 413 | 415;
  message: string;
}

export interface UploadRules {
  maxBytes: number;
  extensions: readonly string[];
}

export const CEILING_RULES: UploadRules = {
  maxBytes: MAX_FILE_BYTES_CEILING,
  extensions: ALLOWED_EXTENSIONS,
};

/** Settings may only narrow the ceiling: a larger size or an unknown type is ignored. */
export function narrowRules(ceiling: UploadRules, wanted: Partial<UploadRules> | undefined | null): UploadRules {
  const maxBytes =
    wanted && Number.isInteger(wanted.maxBytes) && (wanted.maxBytes as number) > 0
      ? Math.min(wanted.maxBytes as number, ceiling.maxBytes)
      : ceiling.maxBytes;
  const wantedExt = Array.isArray(wanted?.extensions)
    ? new Set(wanted!.extensions.map((e) => String(e).toLowerCase().replace(/^\./, '')))
    : null;
  const extensions = wantedExt ? ceiling.extensions.filter((e) => wantedExt.has(e)) : ceiling.extensions;
  return { maxBytes, extensions };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

export function typeRefusalMessage(rules: UploadRules): string {
  return `This type of file is not accepted. Allowed types: ${rules.extensions.join(', ')}.`;
}

export function sizeRefusalMessage(rules: UploadRules): string {
  return `The file is larger than ${formatBytes(rules.maxBytes)}, the maximum size allowed.`;
}

export function ruleForExtension(ext: string): FileTypeRule | undefined {
  return FILE_TYPES.find((t) => t.ext === ext);
}

/** Checks of the name and size alone (no content): a refusal, or the rule the content must meet. */
export function checkNameAndSize(
  name: unknown,
  size: number,
  rules: UploadRules = CEILING_RULES
): { ok: true; rule: FileTypeRule; ext: string } | { ok: false; refusal: UploadRefusal } {
  const refuse = (code: UploadRefusalCode, status: UploadRefusal['status'], message: string) =>
    ({ ok: false, refusal: { code, status, message } }) as const;

  if (typeof name !== 'string' || name.length === 0) {
    return refuse('file_name_invalid', 400, 'The file has no name.');
  }
  if (name.length > MAX_FILE_NAME_LENGTH) {
    return refuse('file_name_invalid', 400, `The file name is longer than ${MAX_FILE_NAME_LENGTH} characters: rename it and try again.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\:*?"<>|]/.test(name) || name.includes('%00') || /^\.+$/.test(name) || name.startsWith('.')) {
    return refuse('file_name_invalid', 400, 'The file name contains characters that are not allowed: rename it and try again.');
  }
  const parts = name.split('.');
  if (parts.length < 2 || parts[parts.length - 1] === '') {
    return refuse('file_type_not_allowed', 415, typeRefusalMessage(rules));
  }
  const ext = parts[parts.length - 1].toLowerCase();
  const base = parts[0].trim();
  if (WINDOWS_RESERVED.test(base)) {
    return refuse('file_name_invalid', 400, 'The file name is reserved by the system: rename it and try again.');
  }
  const inner = parts.slice(1, -1).map((p) => p.toLowerCase().trim());
  if (inner.some((p) => DANGEROUS_EXTENSIONS.has(p))) {
    return refuse('file_type_not_allowed', 415, typeRefusalMessage(rules));
  }
  const rule = ruleForExtension(ext);
  if (!rule || !rules.extensions.includes(ext)) {
    return refuse('file_type_not_allowed', 415, typeRefusalMessage(rules));
  }
  if (!Number.isFinite(size) || size <= 0) {
    return refuse('file_empty', 400, 'The file is empty.');
  }
  if (size > rules.maxBytes) {
    return refuse('file_too_large', 413, sizeRefusalMessage(rules));
  }
  return { ok: true, rule, ext };
}

const startsWith = (head: Uint8Array, bytes: number[], offset = 0) =>
  head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);

/** Is `head` (the first bytes of the file, 4 KiB or more when the file has them) of this kind? */
export function matchesSignature(signature: Signature, head: Uint8Array): boolean {
  switch (signature) {
    case 'gif':
      return startsWith(head, [0x47, 0x49, 0x46, 0x38]) && (head[4] === 0x37 || head[4] === 0x39) && head[5] === 0x61;
    case 'jpeg':
      return startsWith(head, [0xff, 0xd8, 0xff]);
    case 'png':
      return startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'zip':
      // local file header, or the end-of-central-directory record of an empty archive
      return startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]);
    case 'rar':
      // RAR 4 and RAR 5 both begin with "Rar!\x1a\x07"
      return startsWith(head, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]);
    case 'ole':
      return startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    case 'pdf':
      return startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d]);
    case 'text':
      return isPlainText(head);
    default:
      return false;
  }
}

/** UTF-8 text with no NUL and no control characters other than tab, CR, LF and form feed. */
export function isPlainText(head: Uint8Array): boolean {
  // the head may end in the middle of a multi-byte character: ignore an incomplete tail
  let end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = head[end - back];
    if ((b & 0xc0) === 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      if (back < need) end -= back;
      break;
    }
    if ((b & 0x80) === 0) break;
  }
  const slice = head.subarray(0, end);
  for (const b of slice) {
    if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) || b === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(slice);
    return true;
  } catch {
    return false;
  }
}

/** The whole verdict for a file whose name, size and first bytes are known. */
export function checkFile(
  name: unknown,
  size: number,
  head: Uint8Array,
  rules: UploadRules = CEILING_RULES
): { ok: true; rule: FileTypeRule; ext: string } | { ok: false; refusal: UploadRefusal } {
  const named = checkNameAndSize(name, size, rules);
  if (!named.ok) return named;
  if (!matchesSignature(named.rule.signature, head)) {
    return {
      ok: false,
      refusal: {
        code: 'file_content_mismatch',
        status: 415,
        message: `The content of this file is not a real .${named.ext} file. ${typeRefusalMessage(rules)}`,
      },
    };
  }
  return named;
}
