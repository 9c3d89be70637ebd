// `xacoord serve` as a child process for the browser test, on the suite's MariaDB pair
// (scripts/run-tests exports XA_TEST_ORDERS_PORT / XA_TEST_PAYMENTS_PORT), like
// tests/support/coordinator_process.h does for the C++ tests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function sharedPair() {
  const orders = process.env.XA_TEST_ORDERS_PORT;
  const payments = process.env.XA_TEST_PAYMENTS_PORT;
  if (!orders || !payments) return null;
  return {
    orders: `mysql://root@127.0.0.1:${orders}/xa_orders`,
    payments: `mysql://root@127.0.0.1:${payments}/xa_payments`,
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts serve and waits for /healthz 200. Returns { url, stop(), logPath }.
export async function startCoordinator({ binary, pair, dir, adminToken, extraArgs = [] }) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // [A-Za-z0-9_]{1,12}, unique among the coordinators sharing the pair.
  const nodeId = `ui${process.pid % 1000000}`;
  // `serve --help` prints its flags (on stdout, exit status 0).
  const shown = spawnSync(binary, ['serve', '--help'], { encoding: 'utf8' });
  const help = `${shown.stdout}${shown.stderr}`;
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--log-dir', join(dir, 'log'), '--orders', pair.orders,
    '--payments', pair.payments, '--node-id', nodeId, '--admin-token', adminToken, ...extraArgs];
  // The demo routes (ui/API-NEEDS.md) exist only on coordinators that have the flag.
  if (/--demo\b/.test(help)) args.push('--demo');
  const logPath = join(dir, 'serve.stderr');
  const log = openSync(logPath, 'w');
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  // A test that fails on its way out must not leave the coordinator behind.
  process.on('exit', () => { if (!exited) child.kill('SIGKILL'); });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60000;
  for (;;) {
    if (exited) throw new Error(`xacoord serve exited (${JSON.stringify(exited)}); see ${logPath}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`xacoord serve was not ready within 60 s; see ${logPath}`);
    await sleep(100);
  }
  return {
    url,
    logPath,
    args,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    },
  };
}
