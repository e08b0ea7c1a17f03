import fs from 'fs';
import path from 'path';
import { checkFile, checkNameAndSize, narrowRules, CEILING_RULES, MAX_FILE_BYTES_CEILING, isPlainText } from '../../src/upload/rules';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'uploads');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8')).files as Record<string, string>;

describe('upload rules (pure)', () => {
  it.each(Object.entries(MANIFEST))('%s gets the verdict %s', (name, verdict) => {
    const bytes = fs.readFileSync(path.join(FIXTURES, name));
    const res = checkFile(name, bytes.length, bytes.subarray(0, 4100));
    expect(res.ok).toBe(verdict !== 'refuse');
  });

  it.each([
    ['x.jpg.php', 'file_type_not_allowed'],
    ['X.PhP', 'file_type_not_allowed'],
    ['x.php%00.jpg', 'file_name_invalid'],
    ['../../etc/passwd.png', 'file_name_invalid'],
    ['..\\x.png', 'file_name_invalid'],
    ['CON.png', 'file_name_invalid'],
    ['lpt1.pdf', 'file_name_invalid'],
    ['.htaccess', 'file_name_invalid'],
    ['noextension', 'file_type_not_allowed'],
    ['trailingdot.', 'file_type_not_allowed'],
    [`${'a'.repeat(1000)}.png`, 'file_name_invalid'],
    ['report.exe', 'file_type_not_allowed'],
    ['image.svg', 'file_type_not_allowed'],
  ])('refuses the name %s (%s)', (name, code) => {
    const res = checkNameAndSize(name, 10);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.refusal.code).toBe(code);
  });

  it('accepts up to exactly 10 MiB and refuses one byte more with 413', () => {
    expect(checkNameAndSize('a.pdf', MAX_FILE_BYTES_CEILING).ok).toBe(true);
    const over = checkNameAndSize('a.pdf', MAX_FILE_BYTES_CEILING + 1);
    expect(over.ok).toBe(false);
    if (!over.ok) {
      expect(over.refusal.status).toBe(413);
      expect(over.refusal.message).toMatch(/10 MB/);
    }
    const empty = checkNameAndSize('a.pdf', 0);
    expect(!empty.ok && empty.refusal.code).toBe('file_empty');
  });

  it('settings may narrow the rules but never widen them', () => {
    expect(narrowRules(CEILING_RULES, { maxBytes: 50 * 1024 * 1024, extensions: ['png', 'exe'] })).toEqual({
      maxBytes: MAX_FILE_BYTES_CEILING,
      extensions: ['png'],
    });
    expect(narrowRules(CEILING_RULES, { maxBytes: 1024 })).toEqual({ maxBytes: 1024, extensions: CEILING_RULES.extensions });
    expect(narrowRules(CEILING_RULES, null)).toEqual(CEILING_RULES);
  });

  it('tells text from binary, even when the head cuts a UTF-8 character', () => {
    expect(isPlainText(Buffer.from('SELECT * FROM usuários;\n'))).toBe(true);
    expect(isPlainText(Buffer.from('ção', 'utf8').subarray(0, 2))).toBe(true);
    expect(isPlainText(Buffer.from([0x53, 0x00, 0x51]))).toBe(false);
    expect(isPlainText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});
