/**
 * Long applications on the Kerberized cluster (issue #15, item 3): a job that keeps reading HDFS past
 * the maximum lifetime of the HDFS delegation token it was submitted with. With --principal/--keytab
 * the AM obtains fresh tokens and hands them to the driver and the executors, and the job succeeds;
 * without, it fails once the token expires, with a message that names --keytab as the remedy.
 *
 * The cluster's tokens live dfs.namenode.delegation.token.max-lifetime (5 minutes on scripts/cluster
 * --kerberos, renew interval 1 minute): both jobs run at once, a little longer than that.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';
import { delegationTokensIn, type KerberizedCluster, kerberizedCluster, show, spindleAs, TicketCache } from './kerberized.js';

/**
 * Counts the input's lines every few seconds until `seconds` have passed (the driver lists the input,
 * the executors read it), then saves one line per round: "<ms since start> <count>". Every round reads
 * HDFS with whatever token the process holds at that moment.
 */
const LONG_JOB = `
export default async function main(ctx, [input, output, seconds]) {
  const started = Date.now();
  const rounds = [];
  while (Date.now() - started < Number(seconds) * 1000) {
    const count = await ctx.textFile(input, { minPartitions: 2 }).count();
    rounds.push(\`\${Date.now() - started} \${count}\`);
    await new Promise((r) => setTimeout(r, 10000));
  }
  await ctx.parallelize(rounds, 1).saveAsTextFile(output);
  return rounds.length;
}
`;

describe('long applications and delegation tokens (Kerberos)', () => {
  let cluster: KerberizedCluster;
  let user: TicketCache;
  let principal: string;
  let base: string;
  let maxLifetimeMs: number;
  const local = mkdtempSync(join(tmpdir(), 'spindle-renewal-'));

  before(() => {
    cluster = kerberizedCluster();
    user = new TicketCache(cluster);
    principal = user.kinit(cluster.userKeytab);
    base = `/user/${principal.split('@')[0]}/renewal-${Date.now()}`;
    const { conf } = loadClientConfig({ env: process.env, confDir: cluster.confDir });
    maxLifetimeMs = Number(conf.get('dfs.namenode.delegation.token.max-lifetime') ?? '604800000');
    assert.ok(maxLifetimeMs <= 600_000, `this test needs a cluster with short token lifetimes (max-lifetime ${maxLifetimeMs} ms)`);
  });

  after(() => {
    user?.curl(`${cluster.nameNodeHttp}/webhdfs/v1${base}?op=DELETE&recursive=true`, { negotiate: true, method: 'DELETE' });
    user?.destroy();
    rmSync(local, { recursive: true, force: true });
  });

  it('a job past the token maximum lifetime: succeeds with --keytab, fails naming --keytab without', async function () {
    const seconds = Math.ceil(maxLifetimeMs / 1000) + 30;
    this.timeout((seconds + 240) * 1000);
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    writeFileSync(join(local, 'input.txt'), `${lines.join('\n')}\n`);
    writeFileSync(join(local, 'long.mjs'), LONG_JOB);
    const put = await spindleAs(cluster, user, ['fs', 'put', join(local, 'input.txt'), `${base}/input.txt`], 60_000);
    assert.equal(put.code, 0, show(put));

    const limit = (seconds + 200) * 1000;
    const common = ['submit', '--executors', '2', join(local, 'long.mjs'), `${base}/input.txt`];
    const [renewed, expired] = await Promise.all([
      spindleAs(
        cluster,
        user,
        ['--principal', principal, '--keytab', cluster.userKeytab, ...common, `${base}/renewed`, String(seconds)],
        limit,
      ),
      spindleAs(cluster, user, [...common, `${base}/expired`, String(seconds)], limit),
    ]);

    assert.equal(renewed.code, 0, show(renewed));
    const cat = await spindleAs(cluster, user, ['fs', 'cat', `${base}/renewed/part-00000`], 60_000);
    assert.equal(cat.code, 0, show(cat));
    const rounds = cat.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number) as [number, number]);
    for (const [, count] of rounds) assert.equal(count, lines.length, cat.stdout);
    // The last round read HDFS after the submitted token had expired.
    assert.ok(rounds.at(-1)![0] > maxLifetimeMs, `last round at ${rounds.at(-1)![0]} ms: ${cat.stdout}`);
    // The AM obtained a token at once and then before each one ran out; none of them shows in any log.
    const renewedId = /(application_\d+_\d+) submitted/.exec(renewed.stderr)?.[1];
    assert.ok(renewedId, show(renewed));
    const logs = await spindleAs(cluster, user, ['logs', renewedId], 60_000);
    const obtained = logs.stdout.match(/obtained a fresh HDFS delegation token as /g)?.length ?? 0;
    assert.ok(obtained >= Math.floor(maxLifetimeMs / 60_000), `${obtained} fresh tokens: ${show(logs)}`);
    assert.deepEqual(delegationTokensIn(logs.stdout + logs.stderr + renewed.stdout + renewed.stderr + expired.stderr), []);

    assert.notEqual(expired.code, 0, show(expired));
    const said = expired.stdout + expired.stderr;
    assert.match(said, /delegation token/i, show(expired));
    assert.match(said, /--keytab/, show(expired));
    assert.doesNotMatch(said, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  });
});
