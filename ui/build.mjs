// Builds the dashboard into --out DIR: the bundled script and stylesheet under
// content-hashed names, index.html pointing at them, favicon.ico, and assets.json (what
// the coordinator serves at which path, with which type and caching). Offline: it uses
// only ui/node_modules. CMake runs it (ui/CMakeLists.txt); so can `npm run build`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { faviconIco } from './scripts/favicon.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (outIndex < 0 || !args[outIndex + 1]) {
  console.error('usage: node build.mjs --out DIR');
  process.exit(2);
}
const out = resolve(args[outIndex + 1]);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  entryNames: 'app-[hash]',
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: here,
});
if (result.errors.length) process.exit(1);

const built = readdirSync(out);
const js = built.find((f) => f.endsWith('.js'));
const css = built.find((f) => f.endsWith('.css'));
if (!js || !css) {
  console.error(`build.mjs: expected a .js and a .css in ${out}, found ${built.join(', ')}`);
  process.exit(1);
}
const html = readFileSync(join(here, 'src/index.html'), 'utf8').replace('{{JS}}', js).replace('{{CSS}}', css);
writeFileSync(join(out, 'index.html'), html);
writeFileSync(join(out, 'favicon.ico'), faviconIco());

const immutable = 'public, max-age=31536000, immutable'; // the name changes with the content
const assets = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8', cache: 'no-cache' },
  { path: `/ui/${js}`, file: js, type: 'text/javascript; charset=utf-8', cache: immutable },
  { path: `/ui/${css}`, file: css, type: 'text/css; charset=utf-8', cache: immutable },
  { path: '/favicon.ico', file: 'favicon.ico', type: 'image/x-icon', cache: 'public, max-age=86400' },
];
let raw = 0;
let gz = 0;
for (const a of assets) {
  const bytes = readFileSync(join(out, a.file));
  a.etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 20)}"`;
  a.bytes = bytes.length;
  a.gzip_bytes = gzipSync(bytes, { level: 9 }).length;
  raw += a.bytes;
  gz += a.gzip_bytes;
}
writeFileSync(join(out, 'assets.json'), JSON.stringify({ assets, total_bytes: raw, total_gzip_bytes: gz }, null, 2));
const kib = (n) => (n / 1024).toFixed(1);
console.log(`dashboard: ${assets.map((a) => `${basename(a.file)} ${kib(a.bytes)} KiB`).join(', ')}; ` +
  `total ${kib(raw)} KiB, ${kib(gz)} KiB gzipped`);
