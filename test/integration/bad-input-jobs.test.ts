import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stagingDirFor } from '../../client/staging.js';
import { type CatalogueCase, expectCase, foreignFrames, runCases } from './bad-input-helpers.js';
import { AppJanitor, type CliResult, clusterClients, uniqueTag } from './cli-helpers.js';
import { readText } from './job-harness.js';

/**
 * The bad-input catalogue (docs/errors.md), part 2: jobs that reach the cluster and fail there — bad
 * inputs, outputs that cannot be written, job code that throws, values that cannot travel, memory —
 * and what the ResourceManager or a NodeManager refuses. Each case: the exit code, a message naming
 * what was wrong and the fix, no stack trace beyond the user's own frame (unless --verbose), and no
 * partial output: no output directory, no hidden staging beside it, no staging of the application
 * left on HDFS.
 *
 * Catalogue cases tested elsewhere: a lambda capturing an undefined name, a lambda that throws (its
 * message, attempts and no output, through the job harness) and executors that keep dying
 * (job-failures); an application killed mid-commit (commit-kill).
 */
describe('[catalogue] bad input in jobs on the real cluster', function () {
  this.timeout(300_000);
  const tag = uniqueTag('spindle-it-bad-jobs');
  const janitor = new AppJanitor();
  const { config, hdfs } = clusterClients();
  const base = `/tmp/spindle-it-bad-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'spindle-it-bad-jobs-'));
  const job = (name: string, body: string): string => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };
  const main = (name: string, body: string): string => job(name, `export default async function main(ctx) {\n  ${body}\n}\n`);

  interface JobCase extends CatalogueCase {
    /** HDFS paths that must not exist afterwards (outputs of the failed job). */
    noOutput?: string[];
    /** The job file whose own frame may be shown (where the user's error is). */
    userFile?: string;
  }
  const submit = (file: string, ...options: string[]): string[] => [
    'submit',
    '--tags',
    `spindle-it,${tag}`,
    '--executors',
    '1',
    ...options,
    file,
  ];
  const failed = (name: string, args: string[], what: RegExp, fix: RegExp, more: Partial<JobCase> = {}): JobCase => ({
    name,
    args,
    code: 1,
    what,
    fix,
    ...more,
  });
  const lambdaThrows = main(
    'throws.mjs',
    "const bad = (x) => { if (x === 37) throw new Error('bad record ' + x); return x; };\n" +
      `  await ctx.range(100, 2).map(bad).saveAsTextFile('${base}/thrown');\n  return 'saved';`,
  );
  const cases: JobCase[] = [
    failed(
      'a missing input path',
      submit(main('missing.mjs', `return ctx.textFile('${base}/no-such-input').count();`)),
      /textFile \/tmp\/spindle-it-bad-\w+\/no-such-input: no such file or directory/,
      /check the path \(relative paths start at your HDFS home directory\)/,
    ),
    failed(
      'a corrupt Avro file',
      submit(main('avro.mjs', `return ctx.avroFile('${base}/corrupt.avro').count();`)),
      /avroFile \S+corrupt\.avro: not an Avro object container file \(it starts with 67617262, not 4f626a01\)/,
      /check the path, or read the file with textFile or jsonFile/,
    ),
    failed(
      'a truncated JSON line',
      submit(main('json.mjs', `return ctx.jsonFile('${base}/truncated.json').count();`)),
      /jsonFile \S+truncated\.json: a line is not JSON \(Unexpected end of JSON input\): \{"a":3, "b"/,
      /jsonFile reads one JSON value per line: fix or remove that line/,
    ),
    failed(
      'an output that exists, without overwrite',
      submit(main('exists.mjs', `await ctx.range(10, 2).saveAsTextFile('${base}/existing'); return 'saved';`)),
      /saveAsTextFile \S+\/existing: the output directory already exists/,
      /remove it or pass \{ overwrite: true \}/,
    ),
    failed(
      'an output below a file',
      submit(main('below-file.mjs', `await ctx.range(10, 2).saveAsTextFile('${base}/a-file.txt/out'); return 'saved';`)),
      /saveAsTextFile \S+\/a-file\.txt\/out: a parent of the output is a file, not a directory/,
      /choose an output path below a directory/,
    ),
    failed(
      'a job that throws at its top level',
      submit(
        job(
          'top-level.mjs',
          "const settings = JSON.parse('{region: eu}');\nexport default async function main() {\n  return settings;\n}\n",
        ),
      ),
      /the job module threw while loading \(at its top level, before main ran\): Expected property name/,
      /at .*top-level\.mjs:1:\d+/,
      { userFile: 'top-level.mjs' },
    ),
    failed(
      'a job whose main throws',
      submit(main('main-throws.mjs', "throw new Error('no settings for region eu-west');")),
      /the job failed: no settings for region eu-west/,
      /at .*main-throws\.mjs:2:\d+/,
      { userFile: 'main-throws.mjs' },
    ),
    failed(
      'a default export that is not a function',
      submit(job('number.mjs', 'export default 42;\n')),
      /its default export is not a function \(typeof number\)/,
      /export default async function main\(ctx, args\) \{ \.\.\. \}/,
    ),
    failed(
      'a lambda that throws on one record',
      submit(lambdaThrows),
      /Error: bad record 37/,
      /partition 0 of stage 0 \(saveAsTextFile \S+\/thrown of range\(100\) → map\) failed 4 time\(s\); last: attempt 4 on executor \d+/,
      { noOutput: [`${base}/thrown`] },
    ),
    failed(
      'a return value that cannot be printed',
      submit(main('circular.mjs', 'const r = { n: await ctx.range(10, 1).count() };\n  r.self = r;\n  return r;')),
      /the value main returned cannot be printed as JSON \(Converting circular structure to JSON\)/,
      /return plain data: numbers, strings, arrays, plain objects, Map or Set/,
    ),
    failed(
      'records that cannot travel',
      submit(main('functions.mjs', 'return ctx.range(3, 1).map((x) => () => x).collect();')),
      /a collected record cannot be sent between driver and executors: \(\) => x could not be cloned;/,
      /use data structuredClone copies \(no functions or symbols\)/,
    ),
    failed(
      'a driver out of memory',
      submit(main('driver-oom.mjs', 'const hog = [];\n  for (;;) hog.push(new Array(1e6).fill(1));'), '--driver-memory', '256m'),
      /the driver ran out of memory \(its JavaScript heap of \d+ MB is full\)/,
      /raise --driver-memory/,
    ),
    failed(
      'executors out of memory',
      submit(
        main(
          'executor-oom.mjs',
          'return ctx.range(2, 1).map(() => { const hog = []; for (;;) hog.push(new Array(1e6).fill(1)); }).count();',
        ),
        '--executor-memory',
        '256m',
      ),
      /container_\S+ on \S+ ran out of JavaScript heap memory \(died from SIGABRT \(exit 134\)\)/,
      /raise --executor-memory/,
    ),
    {
      name: 'a queue the ResourceManager refuses',
      args: submit(main('queue.mjs', 'return 1;'), '--queue', 'no-such-queue'),
      code: 2,
      what: /the ResourceManager has no queue named "no-such-queue"/,
      fix: /choose a queue with --queue \(the RM lists them at http:\/\/\S+\/cluster\/scheduler\)/,
    },
    failed(
      'a container the NodeManager cannot start (no Node at --node)',
      submit(main('node.mjs', 'return 1;'), '--node', '/opt/spindle-it-no-node/bin/node'),
      /the ApplicationMaster's container exited with code 127: .*\/opt\/spindle-it-no-node\/bin\/node: No such file or directory/,
      /Node was not found on the node: check --node, or pass --ship-node/,
    ),
  ];
  const verboseCase: JobCase = { ...cases.find((c) => c.name.startsWith('a lambda'))!, name: 'verbose' };
  verboseCase.args = ['--verbose', ...verboseCase.args];
  let results: Map<string, CliResult>;
  let nested: CliResult;

  before(async () => {
    await hdfs.mkdirs(`${base}/nested/a/b`);
    await hdfs.mkdirs(`${base}/nested/c`);
    await hdfs.mkdirs(`${base}/nested/_logs`);
    await hdfs.create(`${base}/nested/a/b/part-0.txt`, 'x\ny\n');
    await hdfs.create(`${base}/nested/c/part-0.txt`, 'z\n');
    await hdfs.create(`${base}/nested/_logs/history.txt`, 'not input\n');
    await hdfs.create(`${base}/corrupt.avro`, 'garbage, not Avro\n');
    await hdfs.create(`${base}/truncated.json`, '{"a":1}\n{"a":2}\n{"a":3, "b"');
    await hdfs.create(`${base}/a-file.txt`, 'x\n');
    await hdfs.create(`${base}/existing/part-00000`, 'old\n');
    const all = [
      ...cases,
      verboseCase,
      { name: 'nested', args: submit(main('nested.mjs', `return ctx.textFile('${base}/nested').count();`)) } as JobCase,
    ];
    results = await runCases(all, 4);
    for (const r of results.values()) janitor.add(...r.appIds);
    nested = results.get('nested')!;
  });
  after(async () => {
    await janitor.cleanUp();
    await hdfs.delete(base, { recursive: true }).catch(() => false);
  });

  for (const c of cases) {
    it(`${c.name}: exit ${c.code}, no partial output`, async () => {
      const r = results.get(c.name)!;
      expectCase(c, r, c.userFile);
      expect(r.appIds, r.stderr).to.have.length(1);
      const appId = r.appIds[0]!;
      expect(await hdfs.exists(stagingDirFor(config.user, appId)), 'the application staging').to.equal(false);
      for (const out of c.noOutput ?? []) expect(await hdfs.exists(out), out).to.equal(false);
      const hidden = (await hdfs.listStatus(base)).map((f) => f.name).filter((n) => n.startsWith('.'));
      expect(hidden, 'hidden staging beside the outputs').to.deep.equal([]);
    });
  }

  it('an existing output is left as it was', async () => {
    expect(await readText(hdfs, `${base}/existing/part-00000`)).to.equal('old\n');
    expect((await hdfs.listStatus(`${base}/existing`)).map((f) => f.name)).to.deep.equal(['part-00000']);
  });

  it('--verbose shows the stack of a lambda that throws', () => {
    const r = results.get('verbose')!;
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/Error: bad record 37\n\s+at /);
    expect(foreignFrames(r.stderr).length).to.be.greaterThan(0);
  });

  it('an input directory of directories is read recursively (not an error), skipping _ and . entries', () => {
    expect(nested.code, nested.stderr).to.equal(0);
    expect(nested.stdout.trim()).to.equal('3');
  });
});
