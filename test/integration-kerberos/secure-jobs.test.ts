/**
 * Jobs on the Kerberized cluster (issue #15, items 3 and 5): `spindle submit` and `run` with the
 * application's HDFS delegation token, from a ticket cache or from --principal/--keytab; a shuffle and
 * Avro output read back and checked here; status and logs of the finished application. And the
 * failures: a wrong keytab, another user's job reading a mode-700 directory, and a job whose token is
 * cancelled while it runs (a task error from the NameNode, in bounded time).
 *
 * Container log contents are not asserted: the NodeManagers of this cluster cannot serve log files
 * (no libhadoop), so the driver's result line is not printed by `submit`; outputs are read from HDFS.
 *
 * Runs only against `scripts/cluster up --kerberos` (test/.mocharc.kerberos.json); anything else fails.
 */
import avro from 'avsc';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleJob } from '../../client/job-bundle.js';
import { submitDriverApp, waitForEnd } from '../../client/index.js';
import { tokenPlanFor } from '../../client/delegation-tokens.js';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';
import { HttpNegotiator } from '../../protocols/http/index.js';
import { GssapiTokenSource } from '../../protocols/kerberos/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { repoRoot } from '../integration/cluster.js';
import { type KerberizedCluster, kerberizedCluster, type Run, show, spindleAs, TicketCache } from './kerberized.js';

const SUBMITTED = /(application_\d+_\d+) submitted/;
const STACK = /\n\s+at /;
/** Between words: spaces, punctuation and tabs, as text has them. */
const SEPARATORS = [' ', ', ', '\t', ' -- ', '. '];

/** The words of a text as examples/wordcount.mjs splits them. */
function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    for (const w of line.toLowerCase().split(/[^\p{L}\p{N}']+/u)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

/** A WebHdfsClient that keeps the token it obtains, so that a test can cancel the application's token. */
class TokenHoldingHdfs extends WebHdfsClient {
  issued: string | undefined;

  override async getDelegationToken(renewer: string): Promise<string> {
    this.issued = await super.getDelegationToken(renewer);
    return this.issued;
  }
}

describe('jobs on the Kerberized cluster (delegation tokens)', () => {
  let cluster: KerberizedCluster;
  let user: TicketCache;
  let short: string;
  let base: string;
  const local = mkdtempSync(join(tmpdir(), 'spindle-secure-jobs-'));
  const apps: string[] = [];
  const spindle = (args: string[], cache = user): Promise<Run> =>
    spindleAs(cluster, cache, args, 240_000).then((r) => {
      const id = SUBMITTED.exec(r.stderr)?.[1];
      if (id) apps.push(id);
      return r;
    });
  const example = (name: string): string => join(repoRoot, 'examples', name);
  const hdfsUrl = (path: string, query: string): string => `${cluster.nameNodeHttp}/webhdfs/v1${path}?${query}`;
  let wordcountApp: string | undefined;
  let expected: Map<string, number>;

  before(async () => {
    cluster = kerberizedCluster();
    user = new TicketCache(cluster);
    short = user.kinit(cluster.userKeytab).split('@')[0]!;
    base = `/user/${short}/secure-jobs-${Date.now()}-${randomBytes(3).toString('hex')}`;
    // A text with upper case, apostrophes and letters beyond ASCII; counted here as wordcount.mjs counts.
    const vocabulary = ['Spindle', 'yarn', "o'neil", 'Émile', 'hdfs', 'token', 'the', 'cat', 'ΚΑΛΗ', '42'];
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = 1 + (i % 7);
      lines.push(
        Array.from({ length: n }, (_, j) => vocabulary[(i * 7 + j * 3 + (i >> 3)) % vocabulary.length]).join(
          SEPARATORS[i % SEPARATORS.length],
        ),
      );
    }
    const text = `${lines.join('\n')}\n`;
    expected = countWords(text);
    writeFileSync(join(local, 'words.txt'), text);
    const put = await spindle(['fs', 'put', join(local, 'words.txt'), `${base}/in/words.txt`]);
    assert.equal(put.code, 0, show(put));
  });

  after(async () => {
    for (const id of apps) await spindleAs(cluster, user, ['kill', id]).catch(() => undefined);
    user?.curl(hdfsUrl(base, 'op=DELETE&recursive=true'), { negotiate: true, method: 'DELETE' });
    user?.destroy();
    rmSync(local, { recursive: true, force: true });
  });

  /** [word, count] lines of a saveAsJsonFile output, each word once across its part files. */
  async function readCounts(dir: string, parts: number, cache = user): Promise<Map<string, number>> {
    const ok = await spindle(['fs', 'stat', `${dir}/_SUCCESS`], cache);
    assert.equal(ok.code, 0, show(ok));
    const names = Array.from({ length: parts }, (_, i) => `${dir}/part-${String(i).padStart(5, '0')}`);
    const cat = await spindle(['fs', 'cat', ...names], cache);
    assert.equal(cat.code, 0, show(cat));
    const counts = new Map<string, number>();
    for (const line of cat.stdout.split('\n').filter(Boolean)) {
      const [word, count] = JSON.parse(line) as [string, number];
      assert.ok(!counts.has(word), `${word} is in two part files`);
      counts.set(word, count);
    }
    return counts;
  }

  it('submit: a shuffle job (wordcount.mjs) writes the counts computed here', async () => {
    const r = await spindle(['submit', example('wordcount.mjs'), `${base}/in`, `${base}/counts`, '3']);
    assert.equal(r.code, 0, show(r));
    wordcountApp = SUBMITTED.exec(r.stderr)?.[1];
    assert.ok(wordcountApp, show(r));
    assert.match(r.stderr, new RegExp(`${wordcountApp} FINISHED/SUCCEEDED`));
    assert.deepEqual(await readCounts(`${base}/counts`, 3), expected);
  });

  it('status and logs of the finished application', async () => {
    assert.ok(wordcountApp, 'the wordcount test did not submit');
    const status = await spindle(['status', wordcountApp]);
    assert.equal(status.code, 0, show(status));
    assert.match(status.stdout, /State:\s+FINISHED\/SUCCEEDED/);
    assert.match(status.stdout, /the driver exited with code 0/);
    const json = await spindle(['status', wordcountApp, '--json']);
    assert.equal(json.code, 0, show(json));
    assert.equal(JSON.parse(json.stdout).report.user, short);
    // The NodeManagers here cannot serve log files (see the header); what `logs` must never do is fail
    // to authenticate or show a stack.
    const logs = await spindle(['logs', wordcountApp]);
    assert.doesNotMatch(logs.stderr, /\b401\b|authentication required|no usable credentials/i, show(logs));
    assert.doesNotMatch(logs.stderr, STACK, show(logs));
    if (logs.code !== 0) {
      assert.equal(logs.code, 3, show(logs));
      assert.match(logs.stderr, /the NodeManager at \S+ answered 500; on a secure cluster that is what/, show(logs));
    }
  });

  it('submit: Avro output (avro-filter.mjs), read back and checked', async () => {
    const schema = {
      type: 'record',
      name: 'Event',
      fields: [
        { name: 'type', type: 'string' },
        { name: 'user', type: 'string' },
        { name: 'amount', type: ['null', 'double'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' } },
      ],
    };
    const events = Array.from({ length: 300 }, (_, i) => ({
      type: i % 3 === 0 ? 'purchase' : 'view',
      user: `u${i}`,
      amount: i % 6 === 0 ? null : i + 0.5,
      tags: i % 2 === 0 ? ['even'] : [],
    }));
    const file = join(local, 'events.avro');
    const encoder = avro.createFileEncoder(file, avro.Type.forSchema(schema as avro.Schema), { blockSize: 512 });
    for (const e of events) encoder.write(e);
    encoder.end();
    await new Promise((resolve) => encoder.on('finish', resolve));
    const put = await spindle(['fs', 'put', file, `${base}/events/events.avro`]);
    assert.equal(put.code, 0, show(put));

    const r = await spindle(['submit', example('avro-filter.mjs'), `${base}/events`, `${base}/purchases`, 'purchase']);
    assert.equal(r.code, 0, show(r));
    const ls = await spindle(['fs', 'ls', `${base}/purchases`]);
    assert.equal(ls.code, 0, show(ls));
    const parts = [...ls.stdout.matchAll(/(\/\S+\/part-\d+\.avro)$/gm)].map((m) => m[1]!);
    assert.ok(parts.length > 0, show(ls));
    const got: unknown[] = [];
    for (const [i, part] of parts.entries()) {
      const copy = join(local, `part-${i}.avro`);
      const get = await spindle(['fs', 'get', part, copy]);
      assert.equal(get.code, 0, show(get));
      await new Promise<void>((resolve, reject) => {
        avro
          .createFileDecoder(copy)
          .on('data', (record: unknown) => got.push({ ...(record as object) }))
          .on('end', resolve)
          .on('error', reject);
      });
    }
    const want = events.filter((e) => e.type === 'purchase').map((e) => ({ user: e.user, amount: e.amount, tags: e.tags }));
    const byUser = (a: unknown, b: unknown): number => String((a as { user: string }).user).localeCompare((b as { user: string }).user);
    assert.deepEqual(got.sort(byUser), want.sort(byUser));
  });

  it('run -n 2: both containers run with the credentials file and exit 0; a failing command fails the run', async () => {
    const r = await spindle(['run', '-n', '2', '--', 'sh', '-c', 'test -s "$HADOOP_TOKEN_FILE_LOCATION"']);
    assert.equal(r.code, 0, show(r));
    const id = SUBMITTED.exec(r.stderr)?.[1];
    assert.ok(id, show(r));
    const status = await spindle(['status', id, '--json']);
    assert.equal(JSON.parse(status.stdout).report.diagnostics, 'all 2 container(s) exited 0', show(status));
    const failing = await spindle(['run', '-n', '1', '--', 'sh', '-c', 'exit 7']);
    assert.equal(failing.code, 1, show(failing));
    assert.match(failing.stderr, /exited with code 7/);
  });

  it('--principal/--keytab: a job submitted without any ticket cache', async () => {
    const empty = new TicketCache(cluster);
    try {
      const r = await spindle(
        [
          '--principal',
          short,
          '--keytab',
          cluster.userKeytab,
          'submit',
          example('wordcount.mjs'),
          `${base}/in`,
          `${base}/counts-keytab`,
          '2',
        ],
        empty,
      );
      assert.equal(r.code, 0, show(r));
      assert.equal(existsSync(empty.ccache.replace(/^FILE:/, '')), false, 'the keytab login wrote into KRB5CCNAME');
      assert.deepEqual(await readCounts(`${base}/counts-keytab`, 2), expected);
    } finally {
      empty.destroy();
    }
  });

  it('a wrong keytab: a clear error and exit code, no stack, no application reserved (so nothing staged)', async () => {
    const empty = new TicketCache(cluster);
    try {
      // Keys for the right principal made from another password: the KDC refuses them.
      const wrongKeys = join(local, 'wrong-keys.keytab');
      const kt = `addent -password -p ${short}@SPINDLE.TEST -k 1 -e aes256-cts-hmac-sha1-96\n${randomBytes(9).toString('hex')}\nwkt ${wrongKeys}\nquit\n`;
      const made = spawnSync('ktutil', [], { input: kt, env: empty.env(), encoding: 'utf8' });
      assert.ok(existsSync(wrongKeys), `ktutil made no keytab: ${made.stderr}`);
      const notKeytab = join(local, 'not-a.keytab');
      writeFileSync(notKeytab, 'not a keytab\n');
      const cases: [string, number, RegExp][] = [
        [wrongKeys, 3, new RegExp(`the KDC gave ${short}@SPINDLE\\.TEST no ticket from the keytab`)],
        [notKeytab, 2, /--keytab \S+: not a keytab/],
        [cluster.otherKeytab, 2, new RegExp(`--keytab \\S+ has no keys for --principal ${short}`)],
      ];
      for (const [keytab, code, message] of cases) {
        const r = await spindle(
          ['--principal', short, '--keytab', keytab, 'submit', example('wordcount.mjs'), `${base}/in`, `${base}/never`],
          empty,
        );
        assert.equal(r.code, code, show(r));
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, STACK);
        // The submission stops before the RM reserves an id: without one nothing can be staged.
        assert.doesNotMatch(r.stderr + r.stdout, /application_\d+_\d+/);
      }
      const never = await spindle(['fs', 'stat', `${base}/never`]);
      assert.equal(never.code, 2, show(never));
    } finally {
      empty.destroy();
    }
  });

  it("user `other` submitting a job that reads the first user's mode-700 directory: the job fails naming the path and the user", async () => {
    const secret = `${base}/private`;
    const made = user.curl(hdfsUrl(secret, 'op=MKDIRS&permission=700'), { negotiate: true, method: 'PUT' });
    assert.equal(made.status, 200, made.body);
    const put = await spindle(['fs', 'put', join(local, 'words.txt'), `${secret}/words.txt`]);
    assert.equal(put.code, 0, show(put));
    // `other` needs a home for its staging directory, as any user of a cluster has (made by the superuser).
    if (user.curl(hdfsUrl('/user/other', 'op=GETFILESTATUS'), { negotiate: true }).status === 404) {
      assert.equal(user.curl(hdfsUrl('/user/other', 'op=MKDIRS&permission=755'), { negotiate: true, method: 'PUT' }).status, 200);
      assert.equal(user.curl(hdfsUrl('/user/other', 'op=SETOWNER&owner=other'), { negotiate: true, method: 'PUT' }).status, 200);
    }
    const other = new TicketCache(cluster);
    try {
      other.kinit(cluster.otherKeytab);
      const out = `/user/other/secure-jobs-${randomBytes(3).toString('hex')}`;
      const r = await spindle(['submit', example('wordcount.mjs'), `${secret}/words.txt`, out], other);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /FINISHED\/FAILED/);
      assert.match(
        r.stderr,
        new RegExp(
          `${secret}/words\\.txt: permission denied for user other \\(Permission denied: user=other, access=\\w+, inode="${secret}"`,
        ),
      );
      assert.doesNotMatch(r.stderr, STACK);
    } finally {
      other.destroy();
    }
  });

  describe('a job whose HDFS delegation token is cancelled while it runs', () => {
    let server: Server | undefined;
    let hdfs: TokenHoldingHdfs | undefined;
    let rm: RmRestClient | undefined;
    const env = { KRB5CCNAME: process.env.KRB5CCNAME, KRB5_CONFIG: process.env.KRB5_CONFIG };

    after(() => {
      server?.close();
      hdfs?.close();
      Object.assign(process.env, env);
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    });

    it('fails with the NameNode’s InvalidToken as a task error, in bounded time (no hang, a bounded number of attempts)', async () => {
      // The library API, in this process, so that the test holds the token it obtained (never printed).
      process.env.KRB5CCNAME = user.ccache;
      process.env.KRB5_CONFIG = cluster.krb5Conf;
      const negotiator = new HttpNegotiator({ source: new GssapiTokenSource({ login: { kind: 'ticket-cache' }, env: process.env }) });
      const config = loadClientConfig({ env: { ...process.env, HADOOP_USER_NAME: short }, confDir: cluster.confDir });
      hdfs = new TokenHoldingHdfs({ nameNodes: config.hdfs.nameNodeHttpUrls, negotiator });
      rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, negotiator });

      // The driver counts the input (tasks read HDFS), tells us, and counts it again once we answer: by
      // then its token is cancelled. The input's splits are listed once, for the first count.
      let cancelledAt = 0;
      server = createServer((_req, res) => {
        void hdfs!.cancelDelegationToken(hdfs!.issued!).then(
          () => {
            cancelledAt = Date.now();
            res.end('cancelled');
          },
          (err: unknown) => {
            res.statusCode = 500;
            res.end(String(err));
          },
        );
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const jobFile = join(local, 'cancelled-token.mjs');
      writeFileSync(
        jobFile,
        `export default async function main(ctx, [input, url]) {
  const lines = ctx.textFile(input);
  const first = await lines.count();
  const answer = await fetch(url);
  if (!answer.ok) throw new Error('the test could not cancel the token: ' + (await answer.text()));
  return { first, second: await lines.count() };
}
`,
      );
      const bundle = await bundleJob(jobFile, { cwd: local });
      const submitted = await submitDriverApp(
        { config, rm, hdfs, tokens: await tokenPlanFor(config) },
        { name: 'spindle-secure-cancelled-token', bundle: bundle.code, args: [`${base}/in`, url], executors: 1 },
      );
      apps.push(submitted.appId);
      assert.ok(hdfs.issued, 'the submission obtained no token');
      const report = await waitForEnd({ rm, hdfs, user: short }, submitted.appId, { signal: AbortSignal.timeout(180_000) });
      assert.ok(cancelledAt > 0, `the driver never reached the cancellation point: ${report.diagnostics}`);
      const afterCancel = Date.now() - cancelledAt;
      assert.equal(report.finalStatus, 'FAILED', report.diagnostics);
      // A task error (a partition of a stage, its attempts counted), with the NameNode's InvalidToken words.
      assert.match(report.diagnostics, /partition \d+ of stage \d+ \(.*\) failed \d time\(s\)/);
      assert.match(
        report.diagnostics,
        /HDFS refused the delegation token \(.*InvalidToken: Token for real user: .*can't be found in cache\)/,
      );
      // The driver says which token and why (the identifier is not secret), and what to do.
      assert.match(
        report.diagnostics,
        new RegExp(
          `HDFS no longer knows the application's HDFS delegation token \\(owner ${short}, sequence number \\d+\\): it was cancelled`,
        ),
      );
      assert.ok(!report.diagnostics.includes(hdfs.issued), 'the token is in the diagnostics');
      // Bounded: the RM's report comes within a minute of the cancellation (task attempts fail fast).
      assert.ok(afterCancel < 60_000, `the job took ${afterCancel} ms to fail after its token was cancelled`);
    });
  });
});
