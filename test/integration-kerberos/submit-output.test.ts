/**
 * A job's result on the Kerberized cluster (issue #15): its NodeManagers cannot serve container log
 * files (a secure NodeManager needs Hadoop's native library to open them), so the ApplicationMaster
 * keeps a copy of its stdout and stderr on HDFS, and `spindle submit` and `spindle logs` print the
 * driver's output from it. The copy is private to the user (directories 700, files 600).
 *
 * Runs only against `scripts/cluster up --kerberos` (test/.mocharc.kerberos.json); anything else fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken, encodeTokenUrlString } from '../../protocols/credentials/index.js';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';
import { delegationTokensIn, type KerberizedCluster, kerberizedCluster, type Run, show, spindleAs, TicketCache } from './kerberized.js';

/** The application id `submit` announced on stderr. */
function appIdOf(r: Run): string {
  const id = /(application_\d+_\d+) submitted/.exec(r.stderr)?.[1];
  assert.ok(id, show(r));
  return id;
}

/** Sum of the squares of 0..n-1, as the job below computes it on the executors. */
const sumOfSquares = (n: number): number => ((n - 1) * n * (2 * n - 1)) / 6;

describe('job output on the Kerberized cluster (the AM’s log copy on HDFS)', () => {
  let cluster: KerberizedCluster;
  let user: TicketCache;
  let short: string;
  let dir: string;
  const apps: string[] = [];
  // Copies of made-up applications: one past the 7 days' retention, one within it.
  const expired = 'application_1000000000000_0001';
  const recent = 'application_1000000000000_0002';
  const logsDir = (): string => `/user/${short}/.spindle/logs`;
  const webhdfs = (path: string, query: string, method = 'GET') =>
    user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${path}?${query}`, { negotiate: true, method });

  before(() => {
    cluster = kerberizedCluster();
    user = new TicketCache(cluster);
    short = user.kinit(cluster.userKeytab).split('@')[0]!;
    dir = mkdtempSync(join(tmpdir(), 'spindle-output-'));
    writeFileSync(
      join(dir, 'squares.mjs'),
      'export default async function main(ctx, [n]) {\n' +
        '  const sum = await ctx.range(Number(n), 3).map((i) => i * i).reduce((a, b) => a + b);\n' +
        "  console.error('squares: summed on the executors');\n" +
        '  return { n: Number(n), sumOfSquares: sum };\n' +
        '}\n',
    );
    const day = 24 * 3_600_000;
    for (const [id, age] of [
      [expired, 8 * day],
      [recent, 6 * day],
    ] as const) {
      assert.equal(webhdfs(`${logsDir()}/${id}`, 'op=MKDIRS&permission=700', 'PUT').status, 200);
      assert.equal(webhdfs(`${logsDir()}/${id}`, `op=SETTIMES&modificationtime=${Date.now() - age}`, 'PUT').status, 200);
    }
  });

  after(() => {
    // The applications have ended; their copies go with the test.
    for (const id of [...apps, expired, recent]) webhdfs(`${logsDir()}/${id}`, 'op=DELETE&recursive=true', 'DELETE');
    user.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('`spindle submit` prints the result of a job computed from its input, once, and nothing about unreadable logs', async () => {
    const n = 2345;
    const r = await spindleAs(cluster, user, ['submit', join(dir, 'squares.mjs'), String(n)], 180_000);
    apps.push(appIdOf(r));
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stdout, `${JSON.stringify({ n, sumOfSquares: sumOfSquares(n) })}\n`, show(r));
    // The driver's stderr is shown as on an insecure cluster; no warning about the logs.
    assert.match(r.stderr, /^squares: summed on the executors$/m, show(r));
    assert.doesNotMatch(r.stderr, /cannot (read|show)|answered 500/, show(r));
    assert.match(r.stderr, /FINISHED\/SUCCEEDED/, show(r));
  });

  it('the AM removed the copies older than 7 days, and only those', () => {
    assert.equal(webhdfs(`${logsDir()}/${expired}`, 'op=GETFILESTATUS').status, 404);
    assert.equal(webhdfs(`${logsDir()}/${recent}`, 'op=GETFILESTATUS').status, 200);
  });

  it('`spindle submit examples/pi.mjs` prints π', async () => {
    const r = await spindleAs(cluster, user, ['submit', 'examples/pi.mjs', '200000', '2'], 180_000);
    apps.push(appIdOf(r));
    assert.equal(r.code, 0, show(r));
    const result = JSON.parse(r.stdout) as { pi: number; points: number };
    assert.equal(result.points, 200_000);
    assert.ok(Math.abs(result.pi - Math.PI) < 0.05, show(r));
  });

  it('`spindle logs <appId>` shows the AM’s stdout and stderr from the copy; the copy is private to the user', async () => {
    const id = apps[0]!;
    const r = await spindleAs(cluster, user, ['logs', id], 180_000);
    assert.equal(r.code, 0, show(r));
    // The AM's container: attempt 1, container 1 (with the RM's epoch after a restart: container_e01_...).
    const am = new RegExp(`(container_(?:e\\d+_)?${id.slice('application_'.length)}_01_000001) \\(ApplicationMaster\\)`).exec(
      r.stdout,
    )?.[1];
    assert.ok(am, show(r));
    const copyDir = `/user/${short}/.spindle/logs/${id}/${am}`;
    const stdoutHeader = `==> ${am} (ApplicationMaster) stdout from its copy ${copyDir}/stdout <==`;
    const stdoutAt = r.stdout.indexOf(stdoutHeader);
    assert.ok(stdoutAt >= 0, show(r));
    assert.equal(
      r.stdout.slice(stdoutAt + stdoutHeader.length + 1).split('\n')[0],
      JSON.stringify({ n: 2345, sumOfSquares: sumOfSquares(2345) }),
      show(r),
    );
    assert.match(r.stdout, /spindle-am: the driver exited with code 0/);
    // The executors' logs cannot be read here and are not copied: one line says so.
    assert.equal(r.stderr.match(/cannot read the logs of/g)?.length ?? 0, 1, show(r));
    assert.match(r.stderr, /only ApplicationMasters' logs are copied to HDFS/);

    const tail = await spindleAs(cluster, user, ['logs', '--file', 'stdout', '--tail', '1', '--container', am, id], 180_000);
    assert.equal(tail.code, 0, show(tail));
    assert.equal(tail.stdout, `${stdoutHeader}\n${JSON.stringify({ n: 2345, sumOfSquares: sumOfSquares(2345) })}\n`, show(tail));

    const status = (path: string): { permission: string; type: string } => {
      const res = user.curl(`${cluster.nameNodeHttp}/webhdfs/v1${path}?op=GETFILESTATUS`, { negotiate: true });
      assert.equal(res.status, 200, res.body);
      return JSON.parse(res.body).FileStatus;
    };
    assert.equal(status(`/user/${short}/.spindle/logs/${id}`).permission, '700');
    assert.equal(status(copyDir).permission, '700');
    assert.equal(status(`${copyDir}/stdout`).permission, '600');
    assert.equal(status(`${copyDir}/stderr`).permission, '600');
  });

  it('`spindle status` of a running job shows its AM’s live view, read through the RM proxy with SPNEGO', async () => {
    writeFileSync(
      join(dir, 'waits.mjs'),
      'export default async function main(ctx) {\n' +
        '  await ctx.range(4, 2).count();\n' +
        '  await new Promise((r) => setTimeout(r, 120000));\n' +
        '}\n',
    );
    const submitted = await spindleAs(cluster, user, ['submit', '--detach', '--executors', '1', join(dir, 'waits.mjs')], 180_000);
    assert.equal(submitted.code, 0, show(submitted));
    const id = appIdOf(submitted);
    apps.push(id);
    try {
      // The AM's status document appears once it serves it: asked until then, within a minute.
      const deadline = Date.now() + 60_000;
      let am: { appId?: string; state?: string } | undefined;
      while (!am && Date.now() < deadline) {
        const r = await spindleAs(cluster, user, ['status', '--json', id], 60_000);
        assert.equal(r.code, 0, show(r));
        am = (JSON.parse(r.stdout) as { am?: { appId?: string; state?: string } }).am;
      }
      assert.ok(am, 'no AM status within a minute');
      assert.equal(am.appId, id);
      assert.equal(am.state, 'running');
    } finally {
      const killed = await spindleAs(cluster, user, ['kill', id], 60_000);
      assert.equal(killed.code, 0, show(killed));
    }
  });

  it('the AM speaks to the RM over SASL with the protection the cluster asks for (its AMRMToken, not Kerberos); no token in its logs', async () => {
    const id = apps[0]!;
    const r = await spindleAs(cluster, user, ['logs', id], 180_000);
    assert.equal(r.code, 0, show(r));
    const { conf } = loadClientConfig({ env: process.env, confDir: cluster.confDir });
    const protection = (conf.get('hadoop.rpc.protection') ?? 'authentication').split(',')[0]!.trim();
    const qop = { authentication: 'auth', integrity: 'auth-int', privacy: 'auth-conf' }[protection];
    assert.ok(qop, `hadoop.rpc.protection=${protection}`);
    assert.match(r.stdout, new RegExp(`registered with the ResourceManager at \\S+ \\(SASL protection ${qop}\\)`), show(r));
    // The scan finds a token where there is one.
    const planted = encodeTokenUrlString(
      createToken({
        identifier: Buffer.alloc(40, 1),
        password: Buffer.alloc(20, 2),
        kind: 'HDFS_DELEGATION_TOKEN',
        service: '127.0.0.1:8020',
      }),
    );
    assert.deepEqual(delegationTokensIn(`x ${planted} y`), [planted]);
    assert.deepEqual(delegationTokensIn(r.stdout + r.stderr), [], 'a delegation token in the logs');
  });
});
