// `npm run size`: builds dist/widget.js and prints its raw and gzip -9 sizes, plus the biggest parts
// (pre-minification rendered length of each module, grouped) of that build.
import { build } from 'vite';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const modules = [];
const collect = {
  name: 'collect-module-sizes',
  generateBundle(_o, bundle) {
    for (const c of Object.values(bundle)) if (c.modules) for (const [id, m] of Object.entries(c.modules)) modules.push([id, m.renderedLength]);
  },
};
const size = (file) => {
  const b = readFileSync(file);
  return `${(b.length / 1024).toFixed(1)} KB raw, ${(gzipSync(b, { level: 9 }).length / 1024).toFixed(1)} KB gzip -9`;
};

await build({ logLevel: 'warn', plugins: [collect] });
console.log(`dist/widget.js: ${size('dist/widget.js')}`);

const group = (id) =>
  /node_modules\/svelte\//.test(id) ? 'svelte runtime'
  : /io-lite/.test(id) ? 'Socket.IO client (src/lib/io-lite.ts)'
  : id.includes('node_modules') ? 'other dependencies'
  : id.replace(/^.*\/widget\//, '');
const totals = new Map();
for (const [id, n] of modules) totals.set(group(id), (totals.get(group(id)) ?? 0) + n);
console.log('\nrendered length before minification:');
for (const [k, n] of [...totals].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(8)}  ${k}`);
