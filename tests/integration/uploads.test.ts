import fs from 'fs';
import path from 'path';
import request from 'supertest';
import { startStrapi, type TestApp, createApiToken, listFiles } from '../helpers/strapi';
import { MAX_FILE_BYTES_CEILING } from '../../src/upload/rules';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'uploads');
const MANIFEST: { files: Record<string, 'accept' | 'refuse' | 'accept-download-only'> } = JSON.parse(
  fs.readFileSync(path.join(FIXTURES, 'MANIFEST.json'), 'utf8')
);

let app: TestApp;
let token: string;
const http = () => request(app.strapi.server.httpServer);

beforeAll(async () => {
  app = await startStrapi();
  token = await createApiToken(app.strapi, 'full-access');
});
afterAll(async () => {
  await app?.stop();
});

const upload = (buffer: Buffer, filename: string, contentType?: string) =>
  http()
    .post('/api/upload')
    .set('Authorization', `Bearer ${token}`)
    .attach('files', buffer, contentType ? { filename, contentType } : { filename });

const storedFiles = () => [...listFiles(app.uploadsDir), ...listFiles(path.join(app.publicDir, 'uploads'))];
const mediaCount = () => app.strapi.db.query('plugin::upload.file').count();

/** a valid PNG padded with trailing bytes (ignored by decoders) up to `size` bytes */
const pngOfSize = (size: number) => {
  const png = fs.readFileSync(path.join(FIXTURES, 'sample.png'));
  return Buffer.concat([png, Buffer.alloc(size - png.length, 0)]);
};

describe('upload pipeline: the help page file rules', () => {
  const accepted = Object.entries(MANIFEST.files).filter(([, v]) => v !== 'refuse');
  const refused = Object.entries(MANIFEST.files).filter(([, v]) => v === 'refuse');

  it.each(accepted)('accepts %s (%s) and stores it byte for byte, once, without resized copies', async (name) => {
    const before = storedFiles().length;
    const bytes = fs.readFileSync(path.join(FIXTURES, name));
    const res = await upload(bytes, name);
    expect(res.status).toBe(201);
    const [file] = res.body;
    expect(file.size).toBeGreaterThan(0);
    expect(file.formats ?? null).toBeNull();
    const after = storedFiles();
    expect(after.length).toBe(before + 1);
    // stored outside the public folder, served by a signed URL only
    expect(listFiles(path.join(app.publicDir, 'uploads'))).toEqual([]);
    expect(file.url).toMatch(/^\/files\/[^?]+\?exp=\d+&sig=/);
    const served = await http().get(file.url).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(served.status).toBe(200);
    expect((served.body as Buffer).equals(bytes)).toBe(true);
    await http().get(file.url.replace(/\?.*$/, '')).expect(403);
  });

  it.each(refused)('refuses %s with a clear 4xx and leaves nothing behind', async (name) => {
    const files = storedFiles();
    const media = await mediaCount();
    const res = await upload(fs.readFileSync(path.join(FIXTURES, name)), name);
    expect([400, 413, 415]).toContain(res.status);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.body.error.message.length).toBeGreaterThan(10);
    expect(storedFiles()).toEqual(files);
    expect(await mediaCount()).toBe(media);
    expect(listFiles(app.uploadTmpDir)).toEqual([]);
  });

  it('refuses a forbidden type with 415 and names the allowed types', async () => {
    const res = await upload(fs.readFileSync(path.join(FIXTURES, 'script.php')), 'script.php');
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/gif, jpeg, jpg, png, zip, rar, xls, xlsx, doc, docx, sql, pdf/);
    expect(res.body.error.details.code).toBe('file_type_not_allowed');
  });

  it.each([
    ['a PNG name over zip content', 'zip-disguised.png', 'sample.zip'],
    ['a PNG name over an executable', 'x.png', 'program.exe'],
    ['a PNG name over HTML', 'x.png', 'page.html'],
    ['a PNG name over SVG', 'x.png', 'image.svg'],
    ['a double extension', 'x.php.png', 'sample.png'],
    ['an executable', 'program.exe', 'program.exe'],
    ['x.jpg.php', 'x.jpg.php', 'sample.jpg'],
    ['X.PhP', 'X.PhP', 'script.php'],
    ['a NUL trick', 'x.php%00.jpg', 'sample.jpg'],
    ['a reserved device name', 'CON.png', 'sample.png'],
    ['a 1,000-character name', `${'a'.repeat(996)}.png`, 'sample.png'],
    ['a .sql that is binary', 'dump.sql', 'sample.zip'],
    ['a .docx that is not a zip', 'report.docx', 'sample.doc'],
    ['a .doc that is not an OLE file', 'report.doc', 'sample.docx'],
  ])('refuses %s', async (_label, filename, source) => {
    const files = storedFiles();
    const res = await upload(fs.readFileSync(path.join(FIXTURES, source)), filename, 'application/octet-stream');
    expect([400, 415]).toContain(res.status);
    expect(storedFiles()).toEqual(files);
    expect(listFiles(app.uploadTmpDir)).toEqual([]);
  });

  it('accepts exactly 10 MiB', async () => {
    const res = await upload(pngOfSize(MAX_FILE_BYTES_CEILING), 'big.png');
    expect(res.status).toBe(201);
    expect(res.body[0].size).toBeCloseTo(MAX_FILE_BYTES_CEILING / 1000, 0);
  });

  it('refuses 10 MiB + 1 byte with 413 and keeps nothing', async () => {
    const files = storedFiles();
    const media = await mediaCount();
    const res = await upload(pngOfSize(MAX_FILE_BYTES_CEILING + 1), 'too-big.png');
    expect(res.status).toBe(413);
    expect(res.body.error.status).toBe(413);
    expect(storedFiles()).toEqual(files);
    expect(await mediaCount()).toBe(media);
    // formidable removes the partial temporary file asynchronously after the refusal
    await waitFor(() => listFiles(app.uploadTmpDir).length === 0);
  });

  it('serves uploaded files with X-Content-Type-Options: nosniff, as downloads unless verified images', async () => {
    const res = await upload(fs.readFileSync(path.join(FIXTURES, 'html-disguised.sql')), 'html-disguised.sql');
    expect(res.status).toBe(201);
    const served = await http().get(res.body[0].url).expect(200);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['content-type']).not.toMatch(/html/);
    expect(served.headers['content-disposition']).toMatch(/^attachment/);
    const png = await upload(fs.readFileSync(path.join(FIXTURES, 'sample.png')), 'sample.png');
    const image = await http().get(png.body[0].url).expect(200);
    expect(image.headers['content-disposition']).toMatch(/^inline/);
    expect(image.headers['x-content-type-options']).toBe('nosniff');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
