// Watches the dashboard of a coordinator under `xacoord chaos` (docs/dashboard.md,
// "Under chaos"): Debian's chromium on its in-doubt view, polling as a person's page
// would; every 500 ms it records what the page shows (in-doubt transactions, the branches
// XA RECOVER lists per server, recovery's pending count) and the coordinator's /healthz,
// and screenshots the page the first few times branches are in doubt.
//
//   xacoord chaos ... &   node ui/scripts/observe-chaos.mjs --chaos-pid $! --out DIR
//   node ui/scripts/observe-chaos.mjs --url http://127.0.0.1:PORT --seconds 60 --out DIR
//
// With --chaos-pid it finds the `xacoord serve` that chaos started (a child of that pid)
// by its --listen, and follows it across chaos's kills and restarts until chaos exits.
// Writes DIR/timeline.json and DIR/in-doubt-N.png; prints a summary.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const out = resolve(arg('--out', 'observe-chaos'));
const chaosPid = Number(arg('--chaos-pid', '0'));
const seconds = Number(arg('--seconds', '600'));
const maxShots = Number(arg('--shots', '6'));
mkdirSync(out, { recursive: true });

// The --listen of a `serve` process that descends from `root`.
function serveUnder(root) {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes('serve')) continue;
      for (let p = Number(pid), hops = 0; p > 1 && hops < 6; hops++) {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (p === root) {
          const i = cmd.indexOf('--listen');
          if (i >= 0) return `http://${cmd[i + 1]}`;
        }
      }
    } catch { /* gone meanwhile */ }
  }
  return null;
}

const alive = (pid) => existsSync(`/proc/${pid}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let url = arg('--url', null);
for (let i = 0; !url && i < 600; i++) {
  if (chaosPid && !alive(chaosPid)) break;
  url = chaosPid ? serveUnder(chaosPid) : null;
  if (!url) await sleep(200);
}
if (!url) {
  console.error('no coordinator to watch: give --url, or --chaos-pid of a running xacoord chaos');
  process.exit(2);
}
console.log(`watching ${url}`);

const { chromium } = await import(pathToFileURL(join(here, '../node_modules/playwright-core/index.mjs')).href);
const { launch } = await import(pathToFileURL(join(here, '../../tests/ui/support/browser.mjs')).href);
const { context } = await launch(chromium);
const page = context.pages()[0] ?? (await context.newPage());
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

async function openPage() {
  try {
    await page.goto(`${url}/?lang=en#/in-doubt`, { timeout: 5000 });
    return true;
  } catch {
    return false; // the coordinator is down right now (chaos killed it): try again later
  }
}
let open = await openPage();

const timeline = [];
let shots = 0;
const until = Date.now() + seconds * 1000;
while (Date.now() < until && (!chaosPid || alive(chaosPid))) {
  const sample = { t: new Date().toISOString() };
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1500) });
    const body = await r.json();
    sample.healthz = r.status;
    sample.in_doubt_branches = body.in_doubt_branches;
  } catch {
    sample.healthz = 0; // not answering: killed, paused, or restarting
  }
  if (!open && sample.healthz) open = await openPage();
  if (open) {
    try {
      sample.page = await page.evaluate(() => ({
        decided_rows: document.querySelectorAll('#in-doubt-table tbody tr').length,
        recover_rows: [...document.querySelectorAll('.server')].map((s) => s.querySelectorAll('tbody tr').length),
        pending: document.querySelector('#in-doubt-pending')?.textContent ?? null,
      }));
    } catch {
      sample.page = null;
    }
  }
  timeline.push(sample);
  const shown = sample.page ? sample.page.decided_rows + sample.page.recover_rows.reduce((a, b) => a + b, 0) : 0;
  if ((shown > 0 || sample.in_doubt_branches > 0) && shots < maxShots) {
    shots++;
    await page.screenshot({ path: join(out, `in-doubt-${shots}.png`), fullPage: true }).catch(() => {});
    console.log(`${sample.t} in doubt: page ${JSON.stringify(sample.page)}, /healthz ${sample.in_doubt_branches} -> in-doubt-${shots}.png`);
  }
  await sleep(500);
}
await page.screenshot({ path: join(out, 'in-doubt-final.png'), fullPage: true }).catch(() => {});
await context.close();
writeFileSync(join(out, 'timeline.json'), JSON.stringify({ url, timeline, consoleErrors }, null, 1));
const withDoubt = timeline.filter((s) => s.in_doubt_branches > 0 || (s.page && (s.page.decided_rows > 0 || s.page.recover_rows.some((n) => n > 0))));
const down = timeline.filter((s) => !s.healthz).length;
const last = timeline[timeline.length - 1];
console.log(JSON.stringify({
  samples: timeline.length,
  samples_with_in_doubt: withDoubt.length,
  max_in_doubt_branches: Math.max(0, ...timeline.map((s) => s.in_doubt_branches ?? 0)),
  max_recover_rows: Math.max(0, ...timeline.map((s) => (s.page ? s.page.recover_rows.reduce((a, b) => a + b, 0) : 0))),
  samples_coordinator_down: down,
  last_sample: last,
  console_errors: consoleErrors.length,
  screenshots: shots,
}, null, 1));
