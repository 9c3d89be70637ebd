// Runs the dashboard's unit tests (tests/ui/unit/*.test.ts: the pure logic under ui/src)
// with node's own test runner, after esbuild has turned each into plain JavaScript.
//   node ui/scripts/run-unit-tests.mjs
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const testDir = resolve(here, '../../tests/ui/unit');
const tests = readdirSync(testDir).filter((f) => f.endsWith('.test.ts'));
if (tests.length === 0) {
  console.error(`no tests in ${testDir}`);
  process.exit(1);
}
const out = mkdtempSync(join(tmpdir(), 'xacoord-ui-unit-'));
await build({
  entryPoints: tests.map((f) => join(testDir, f)),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  external: ['node:*'],
  logLevel: 'warning',
  absWorkingDir: resolve(here, '..'),
});
const run = spawnSync(process.execPath, ['--test', ...tests.map((f) => join(out, f.replace(/\.ts$/, '.mjs')))], { stdio: 'inherit' });
rmSync(out, { recursive: true, force: true });
process.exit(run.status ?? 1);
