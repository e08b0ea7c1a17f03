import { fill, type Strings } from './i18n';

export interface UploadRules {
  maxBytes: number;
  extensions: string[];
}

/** The help page's list; the server's widget-config may only narrow it. */
export const DEFAULT_UPLOAD_RULES: UploadRules = {
  maxBytes: 10 * 1024 * 1024,
  extensions: ['gif', 'jpeg', 'jpg', 'png', 'zip', 'rar', 'xls', 'xlsx', 'doc', 'docx', 'sql', 'pdf'],
};

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${round(n / 1024)} KB`;
  return `${round(n / (1024 * 1024))} MB`;
}
const round = (x: number) => String(Math.round(x * 10) / 10);

export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

/** Refuse before uploading: the message names the limit and the allowed types. Null = fine. */
export function precheckFile(file: { name: string; size: number }, rules: UploadRules, t: Strings): string | null {
  const values = {
    name: file.name,
    size: formatBytes(file.size),
    max: formatBytes(rules.maxBytes),
    types: rules.extensions.join(', '),
  };
  if (!rules.extensions.includes(extensionOf(file.name))) return fill(t.fileBadType, values);
  if (file.size > rules.maxBytes) return fill(t.fileTooLarge, values);
  return null;
}
