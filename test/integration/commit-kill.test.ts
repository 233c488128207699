import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { type FSWatcher, mkdtempSync, readdirSync, readFileSync, readlinkSync, watch, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spindle, uniqueTag } from './cli-helpers.js';
import { type JobHarness, openHarness, readText } from './job-harness.js';

/**
 * Item 4 of #16 on the real cluster: a save with `overwrite` that is killed in the middle of its
 * commit leaves the old output or the new one complete under the output path, never neither, and
 * nothing a reader would take for output.
 *
 * The commit window is hit by an event, not a sleep, and without test hooks in the product: the
 * application is pointed (--namenode) at a WebHDFS proxy in this process, which forwards every call
 * to the NameNode but holds back the answer to the commit's first step, the rename that moves the
 * old output aside. At that moment the output path is empty: the old output is hidden at the aside
 * path and the new one in the staging directory. The kill is sent then, and the answer released once
 * the kill has reached the driver.
 */

/** A WebHDFS call as the proxy sees it. */
interface Call {
  method: string;
  op: string;
  path: string;
  destination?: string;
}

/** Forwards WebHDFS to the NameNode; the answer to the first call `hold` accepts waits for release. */
class HoldingProxy {
  private server: Server | undefined;
  private holdRule: ((c: Call) => boolean) | undefined;
  private heldResolve: ((release: () => void) => void) | undefined;
  url = '';

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url!, 'http://proxy');
      const call: Call = {
        method: req.method!,
        op: (u.searchParams.get('op') ?? '').toUpperCase(),
        path: decodeURIComponent(u.pathname.replace(/^\/webhdfs\/v1/, '')) || '/',
        ...(u.searchParams.has('destination') ? { destination: u.searchParams.get('destination')! } : {}),
      };
      const hold = this.holdRule?.(call) === true;
      if (hold) this.holdRule = undefined;
      const upstream = request(
        new URL(req.url!, this.target),
        { method: req.method, headers: { ...req.headers, host: this.target.host } },
        (answer) => {
          const send = (): void => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          };
          if (hold) this.heldResolve?.(send);
          else send();
        },
      );
      upstream.on('error', (err) => res.destroy(err));
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** Resolves with a release function once a call `rule` accepts has been answered by the NameNode. */
  holdAnswer(rule: (c: Call) => boolean): Promise<() => void> {
    this.holdRule = rule;
    return new Promise((resolve) => {
      this.heldResolve = resolve;
    });
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** The pid of an application's driver process (the NodeManagers run on this host). */
function driverPid(appId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('spindle-driver.mjs') && readlinkSync(`/proc/${entry}/cwd`).includes(`/${appId}/`)) return Number(entry);
    } catch {
      // A process that ended while we looked, or one we may not inspect.
    }
  }
  return undefined;
}

/**
 * The AM container's stderr file, where the driver's stderr goes through the AM (its parent): the
 * file the AM's fd 2 points at.
 */
function amStderrFile(driver: number): string {
  return readlinkSync(`/proc/${parentPid(driver)}/fd/2`);
}

/** A process's parent (field 4 of /proc/<pid>/stat, after the parenthesized command name). */
function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Whether a process is still there (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Watchers still open (closed at the end, so that a failed wait does not keep the process alive). */
const watchers = new Set<FSWatcher>();

/** Resolves as soon as `file` contains `text`: inotify, not polling, since the SIGKILL follows SIGTERM by 250 ms. */
function whenFileContains(file: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(file);
    watchers.add(watcher);
    const check = (): void => {
      if (readFileSync(file, 'utf8').includes(text)) {
        watcher.close();
        watchers.delete(watcher);
        resolve();
      }
    };
    watcher.on('change', check);
    watcher.on('error', reject);
    check();
  });
}

/** `promise`, or an error naming what did not happen within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls (100 ms) until `check` holds; for conditions only visible by asking. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the driver logs on its first SIGTERM. */
const SIGTERM_LINE = 'spindle-driver: SIGTERM: stopping the job';

describe('[commit] killing an application while it commits an overwrite', function () {
  this.timeout(300_000);
  const tag = uniqueTag('spindle-it-commit-kill');
  let h: JobHarness;
  const base = `/tmp/spindle-it-commit-kill-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'spindle-it-commit-'));
  const jobFile = join(dir, 'overwrite.mjs');
  writeFileSync(
    jobFile,
    'export default async function main(ctx, [out]) {\n' +
      "  await ctx.range(20, 2).saveAsTextFile(out, { overwrite: true });\n  return 'saved';\n}\n",
  );
  const OLD: Record<string, string> = { 'part-00000': 'old 0\n', 'part-00001': 'old 1\n', 'part-00002': 'old 2\n', _SUCCESS: '' };
  const range = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `${from + i}\n`).join('');
  // The new output's _SUCCESS names the job that committed it ("<appId>-0"); outputAt writes that as "<job tag>".
  const NEW: Record<string, string> = { 'part-00000': range(0, 10), 'part-00001': range(10, 20), _SUCCESS: '<job tag>\n' };
  let proxy: HoldingProxy;

  before(async () => {
    h = openHarness();
    proxy = new HoldingProxy(new URL(h.config.hdfs.nameNodeHttpUrls[0]!));
    await proxy.start();
  });
  after(async () => {
    for (const w of watchers) w.close();
    await proxy.close();
    await h.hdfs.delete(base, { recursive: true }).catch(() => false);
    await h.close();
  });

  /** Which output is under `out`: exactly the old one, exactly the new one, or something else. */
  async function outputAt(out: string): Promise<string> {
    if (!(await h.hdfs.exists(out))) return 'nothing';
    const files: Record<string, string> = {};
    for (const f of await h.hdfs.listStatus(out))
      files[f.name] = f.type === 'directory' ? '<dir>' : await readText(h.hdfs, `${out}/${f.name}`);
    if (files._SUCCESS) files._SUCCESS = files._SUCCESS.replace(/^application_\d+_\d+-\d+\n$/, '<job tag>\n');
    if (JSON.stringify(files) === JSON.stringify(sorted(OLD))) return 'old';
    if (JSON.stringify(files) === JSON.stringify(sorted(NEW))) return 'new';
    return `neither: ${JSON.stringify(files)}`;
  }
  const sorted = (o: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  /** An old output at `out`, and the job submitted (detached) through the proxy, held at the commit. */
  async function submitHeldAtCommit(out: string): Promise<{ appId: string; release: () => void }> {
    for (const [name, text] of Object.entries(OLD)) await h.hdfs.create(`${out}/${name}`, text);
    const held = proxy.holdAnswer((c) => c.op === 'RENAME' && c.path === out && /\/\.out\.spindle-.*\.replaced$/.test(c.destination ?? ''));
    const r = await spindle([
      '--namenode',
      proxy.url,
      'submit',
      '--detach',
      '--tags',
      `spindle-it,${tag}`,
      '--executors',
      '1',
      jobFile,
      out,
    ]);
    h.started.push(...r.appIds);
    expect(r.code, r.stderr).to.equal(0);
    const release = await within(held, 120_000, `the commit of ${r.appIds[0]} (its RENAME of the old output aside)`);
    // The window: the old output has been moved aside, the new one is not in place yet.
    expect(await outputAt(out)).to.equal('nothing');
    return { appId: r.appIds[0]!, release };
  }

  /** Everything beside the output in its parent that a reader would list (not hidden). */
  async function visibleLeftovers(parent: string, out: string): Promise<string[]> {
    const name = out.slice(parent.length + 1);
    return (await h.hdfs.listStatus(parent)).map((f) => f.name).filter((n) => n !== name && !n.startsWith('.') && !n.startsWith('_'));
  }

  it('yarn application -kill (RM REST state KILLED, the NodeManager SIGTERMs the AM container): the output is whole', async () => {
    const parent = `${base}/rm-kill`;
    const out = `${parent}/out`;
    const { appId, release } = await submitHeldAtCommit(out);
    const pid = driverPid(appId);
    expect(pid, 'the driver process').to.be.a('number');
    // The NodeManager signals the container's process group: the driver says when its SIGTERM came.
    const am = parentPid(pid!);
    const terminated = whenFileContains(amStderrFile(pid!), SIGTERM_LINE);
    const killed = h.rm.kill(appId, { timeoutMs: 120_000 });
    await within(terminated, 60_000, `the SIGTERM of ${appId}'s driver`);
    release();
    const report = await killed;
    expect(report.state).to.equal('KILLED');
    // The RM says KILLED before the container's processes have ended: look once the driver and the
    // AM are gone (the NodeManager's SIGKILL follows its SIGTERM by 250 ms).
    await until('the driver and the AM to exit', async () => !alive(pid!) && !alive(am));
    expect(await outputAt(out)).to.be.oneOf(['old', 'new']);
    expect(await visibleLeftovers(parent, out)).to.deep.equal([]);
  });

  it('SIGTERM to the driver process: it lets the commit finish, the new output is whole and nothing is left beside it', async () => {
    const parent = `${base}/driver-sigterm`;
    const out = `${parent}/out`;
    const { appId, release } = await submitHeldAtCommit(out);
    const pid = driverPid(appId);
    expect(pid, 'the driver process').to.be.a('number');
    const terminated = whenFileContains(amStderrFile(pid!), SIGTERM_LINE);
    process.kill(pid!, 'SIGTERM');
    await within(terminated, 60_000, `the SIGTERM of ${appId}'s driver`);
    release();
    const report = await h.rm.waitForState(appId, ['FINISHED', 'FAILED', 'KILLED'], { timeoutMs: 120_000 });
    await until('the driver to exit', async () => !alive(pid!));
    // The driver exits 143 once the commit it let finish is done (or 0, if main's own ending wins the race).
    expect(report.finalStatus, report.diagnostics).to.be.oneOf(['FAILED', 'SUCCEEDED']);
    expect(await outputAt(out)).to.equal('new');
    // Not even hidden staging: the driver finished the commit, deleted the old output, and exited.
    expect((await h.hdfs.listStatus(parent)).map((f) => f.name)).to.deep.equal(['out']);
  });
});
