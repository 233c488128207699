import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForEnd } from '../../client/index.js';
import { parseApplicationId, parseContainerId, sameApplicationId } from '../../protocols/yarn/index.js';
import { amContainer, containerLog, openHarness, submitJob, type JobHarness } from './job-harness.js';

/**
 * The review's attack on a running job: the 16 bytes that used to abort a process before any
 * authentication, sent to every port the application's containers listen on (the driver's task
 * server, its status server, each executor's block server), with floods of connections that never
 * authenticate. The job must go on as if nothing happened: no executor lost, and a shuffle that
 * fetches from the block servers after the attack gives the exact result.
 *
 * The cluster runs on this host, so the application's processes are found by the CONTAINER_ID in
 * their environment and their listening sockets through /proc (Linux only).
 */

const ATTACK = Buffer.from('SPDE\x00\x02\x00\x00\x00\x06\x0e\x80\xd0\xac\xf3\x0e', 'latin1');

/** Whether CONTAINER_ID=<id> names a container of `appId` (ids may carry an epoch: container_e03_...). */
function ofApp(variable: string, appId: string): boolean {
  if (!variable.startsWith('CONTAINER_ID=')) return false;
  try {
    return sameApplicationId(parseContainerId(variable.slice('CONTAINER_ID='.length)).appAttemptId.appId, parseApplicationId(appId));
  } catch {
    return false;
  }
}

/** Listening TCP ports of the processes whose environment names a container of `appId`. */
function listeningPortsOf(appId: string): Map<number, string> {
  const inodes = new Map<string, string>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    const container = env.split('\0').find((e) => ofApp(e, appId));
    if (!container) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m) inodes.set(m[1]!, container.slice('CONTAINER_ID='.length));
      } catch {
        // The fd closed meanwhile.
      }
    }
  }
  const ports = new Map<number, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'latin1').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (column 10); st 0A = LISTEN.
      if (f.length < 10 || f[3] !== '0A') continue;
      const container = inodes.get(f[9]!);
      if (container) ports.set(Number.parseInt(f[1]!.split(':')[1]!, 16), container);
    }
  }
  return ports;
}

/** Sends `bytes` and waits until the peer closes or 2 s pass; resolves with what came back. */
function poke(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(got));
    };
    const timer = setTimeout(done, 2000);
    s.on('data', (c: Buffer) => got.push(c));
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => s.write(bytes));
  });
}

/** Polls for a file, without a fixed sleep: resolves as soon as it exists. */
async function fileAppears(path: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('job engine on the real cluster: hostile peers', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const dir = mkdtempSync(join(tmpdir(), 'spindle-it-hostile-'));

  before(() => {
    h = openHarness();
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  });

  it('keeps the driver and every executor running through the pre-authentication attack, and the shuffle result is exact', async function () {
    if (process.platform !== 'linux') this.skip();
    const [ready, go] = [join(dir, 'ready'), join(dir, 'go')];
    const appId = await submitJob(h, {
      source: `
import { existsSync, writeFileSync } from 'node:fs';
export default async function main(ctx, [ready, go]) {
  const sums = ctx.range(20000, 8).map((x) => [x % 97, x]).reduceByKey((a, b) => a + b, 4);
  const first = await sums.collect();
  // Map outputs are on the executors' block servers now; the test attacks, then says go.
  writeFileSync(ready, 'ready');
  while (!existsSync(go)) await new Promise((r) => setTimeout(r, 100));
  // Fetched again from the block servers, through the same connections' successors.
  const again = await sums.collect();
  return { first: first.length, again: again.sort((a, b) => a[0] - b[0]) };
}`,
      args: [ready, go],
    });
    await fileAppears(ready, 240_000);
    // The first collect may end before the second executor is up (a busy machine): wait for its block
    // server to listen, within two minutes.
    let ports = listeningPortsOf(appId);
    for (const until = Date.now() + 120_000; new Set(ports.values()).size < 3 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 250));
      ports = listeningPortsOf(appId);
    }
    const containers = new Set(ports.values());
    // The AM's container (task server and status server) and two executors' (block servers).
    expect(containers.size, `containers listening: ${[...ports].join(', ')}`).to.equal(3);
    for (const port of ports.keys()) {
      const before = Date.now();
      await poke(port, ATTACK);
      expect(Date.now() - before, `port ${port} held the attacker`).to.be.lessThan(2500);
      // A flood of connections that never say anything, and a few handshakes with garbage.
      await Promise.all(Array.from({ length: 40 }, () => poke(port, randomBytes(64))));
    }
    // Still there: every port still listening, in the same processes.
    expect([...listeningPortsOf(appId).keys()].sort()).to.deep.equal([...ports.keys()].sort());
    writeFileSync(go, 'go');
    const report = await waitForEnd({ rm: h.rm, hdfs: h.hdfs, user: h.user }, appId);
    const { containerId, nodeHttp } = await amContainer(h, appId);
    const stderr = await containerLog(nodeHttp, containerId, 'stderr', h.user);
    expect(report.finalStatus, stderr.slice(-3000)).to.equal('SUCCEEDED');
    const stdout = await containerLog(nodeHttp, containerId, 'stdout', h.user);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { first: number; again: [number, number][] };
    const expected = new Map<number, number>();
    for (let x = 0; x < 20000; x++) expected.set(x % 97, (expected.get(x % 97) ?? 0) + x);
    expect(result.first).to.equal(97);
    expect(result.again).to.deep.equal([...expected].sort((a, b) => a[0] - b[0]));
    expect(stderr, 'an executor was lost').to.not.match(/executor \d+ disconnected/);
    expect(stderr.match(/executor \d+ registered/g), 'executors registered (a replacement means one died)').to.have.length(2);
    expect(stderr).to.match(/refused a connection from/);
  });
});
