import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CatalogueCase, expectCase, foreignFrames, runCases } from './bad-input-helpers.js';
import type { CliResult } from './cli-helpers.js';

/**
 * The bad-input catalogue (docs/errors.md), part 1: what the client refuses before any application
 * exists — bad flags of every kind, job files that cannot be bundled, a configuration that cannot be
 * read, values the cluster is asked about and refuses. Each case: the exit code, a message naming
 * what was wrong and the fix, no stack trace, nothing submitted.
 *
 * Catalogue cases tested elsewhere: a missing job file, a job file's syntax error and a job without
 * a default export (cli-submit), --memory and --executor-memory above the cluster maximum (cli-run,
 * cli-submit), an unreachable ResourceManager for every command (cli-apps), an unreachable NameNode
 * for fs (cli-fs).
 */
describe('[catalogue] bad input refused by the client', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'spindle-it-bad-'));
  const job = (name: string, source: string): string => {
    writeFileSync(join(dir, name), source);
    return join(dir, name);
  };
  const ok = job('ok.mjs', 'export default async function main(ctx) {\n  return ctx.range(3, 1).count();\n}\n');
  const unresolved = job(
    'unresolved.mjs',
    "import { rate } from './rates.js';\nexport default async function main() {\n  return rate;\n}\n",
  );
  const text = job('notes.txt', 'not a job\n');
  const badConf = join(dir, 'bad-conf');
  mkdirSync(badConf);
  writeFileSync(join(badConf, 'core-site.xml'), '<configuration><property><name>fs.defaultFS</name>\n');

  const usage = (name: string, args: string[], what: RegExp, fix: RegExp, more: Partial<CatalogueCase> = {}): CatalogueCase => ({
    name,
    args,
    code: 2,
    what,
    fix,
    submitsNothing: true,
    ...more,
  });
  const cases: CatalogueCase[] = [
    // Job files.
    usage(
      'an import that cannot be resolved',
      ['submit', unresolved],
      /unresolved\.mjs:1:\d+: error: Could not resolve "\.\/rates\.js"/,
      /nothing was submitted/,
    ),
    usage(
      'a job file that is not JavaScript or TypeScript',
      ['submit', text],
      /job file \S+notes\.txt/,
      /expected a \.ts, \.mts, \.js, \.mjs file/,
    ),
    // Sizes, counts, durations, names.
    usage(
      'a size that is not a size',
      ['submit', '--executor-memory', 'lots', ok],
      /--executor-memory: "lots" is not a size/,
      /use e\.g\. 512m, 2g or 1\.5g/,
    ),
    usage(
      'a size below 1 MB',
      ['submit', '--driver-memory', '0.5k', ok],
      /--driver-memory: "0\.5k" is less than 1 MB/,
      /use e\.g\. 512m, 2g/,
    ),
    usage('a count that is not a number', ['submit', '--executors', 'two', ok], /--executors: "two" is not a whole number/, /--executors/),
    usage(
      'a negative count',
      ['submit', '--executors', '-1', ok],
      /--executors: "-1" is not a whole number/,
      /use a whole number from 0 to 100000/,
    ),
    usage('zero cores', ['submit', '--executor-cores', '0', ok], /--executor-cores: 0 is less than 1/, /use a whole number from 1 to 1024/),
    usage(
      'dynamic allocation: --min-executors above --max-executors',
      ['submit', '--min-executors', '5', '--max-executors', '2', ok],
      /--min-executors \(5\) is more than --max-executors \(2\)/,
      /lower --min-executors or raise --max-executors/,
    ),
    usage(
      'dynamic allocation: an initial count outside min..max',
      ['submit', '--min-executors', '2', '--max-executors', '4', '--initial-executors', '8', ok],
      /--initial-executors \(8\) must lie between --min-executors \(2\) and --max-executors \(4\)/,
      /--min-executors <= --initial-executors <= --max-executors/,
    ),
    usage(
      'dynamic allocation: a timeout without it',
      ['submit', '--executor-idle-timeout', '30s', ok],
      /--executor-idle-timeout only applies with dynamic allocation/,
      /turn it on with --min-executors and\/or --max-executors/,
    ),
    usage('zero containers', ['run', '-n', '0', '--', 'true'], /--containers: 0 is less than 1/, /use a whole number from 1 to 100000/),
    usage('zero attempts', ['submit', '--max-attempts', '0', ok], /--max-attempts: 0 is less than 1/, /use a whole number from 1 to 100/),
    usage(
      'a priority that is not a number',
      ['submit', '--priority', 'high', ok],
      /--priority: "high" is not a whole number/,
      /whole number/,
    ),
    usage(
      'a duration that is not a duration',
      ['submit', '--timeout', '5x', ok],
      /--timeout: "5x" is not a duration/,
      /use e\.g\. 30s, 10m or 1h30m/,
    ),
    usage('an empty application name', ['submit', '--name', '', ok], /--name must not be empty/, /must not be empty/),
    // Environment and shipped files.
    usage(
      'an invalid variable name',
      ['submit', '--env', '1BAD=x', ok],
      /--env: "1BAD" is not a valid variable name/,
      /letters, digits and _, not starting with a digit/,
    ),
    usage(
      '--env NAME for a variable not set here',
      ['submit', '--env', 'SPINDLE_IT_UNSET_VARIABLE', ok],
      /SPINDLE_IT_UNSET_VARIABLE is not set here/,
      /export it first, or pass SPINDLE_IT_UNSET_VARIABLE=value/,
    ),
    usage('a --file that names no file', ['submit', '--file', '#x', ok], /--file: "#x" names no file/, /names no file/),
    usage(
      'a --file that does not exist',
      ['submit', '--file', join(dir, 'lookup.json'), ok],
      /no such local file: \S+lookup\.json/,
      /--file \S+lookup\.json/,
    ),
    usage(
      'a --file on HDFS that does not exist',
      ['submit', '--file', `hdfs:///tmp/spindle-it-bad-${process.pid}-missing.json`, ok],
      /no such file on HDFS: \/tmp\/spindle-it-bad-\d+-missing\.json/,
      /^spindle: --file hdfs:\/\/\//m,
    ),
    usage(
      'a directory shipped with --file',
      ['submit', '--file', dir, ok],
      /is a directory/,
      /pack it \(tar czf dir\.tgz dir\) and ship it with --archive/,
    ),
    usage(
      '--node with --ship-node',
      ['submit', '--node', '/opt/node', '--ship-node', ok],
      /'--ship-node' cannot be used with option '--node/,
      /add --help for usage/,
    ),
    // Command-line shape.
    usage('an unknown option', ['submit', '--executor-memroy', '1g', ok], /unknown option '--executor-memroy'/, /add --help for usage/),
    usage('no job file', ['submit'], /missing required argument 'job-file'/, /add --help for usage/),
    usage('an unknown command', ['sumbit', ok], /unknown command 'sumbit'/, /Did you mean submit\?/),
    usage('no command for run', ['run', '--'], /missing required argument 'command'/, /add --help for usage/),
    usage(
      'an application id that is not one',
      ['status', 'app_17'],
      /"app_17" is not an application id/,
      /ids look like application_\d+_\d+ \(see spindle list\)/,
    ),
    usage(
      'a container id that is not one',
      ['logs', 'application_1_1', '--container', 'c1'],
      /"c1" is not a container id/,
      /ids look like container_/,
    ),
    // Where the cluster is.
    usage(
      '--conf-dir that is not a directory',
      ['--conf-dir', join(dir, 'nope'), 'list'],
      /--conf-dir=\S+nope: \S+nope is not a directory/,
      /--conf-dir must name the directory holding core-site\.xml, hdfs-site\.xml and yarn-site\.xml/,
    ),
    usage(
      'no configuration at all',
      ['list'],
      /no Hadoop configuration directory/,
      /set HADOOP_CONF_DIR to the directory holding core-site\.xml/,
      { options: { env: { HADOOP_CONF_DIR: undefined, YARN_CONF_DIR: undefined } } },
    ),
    usage('a site file that is not XML', ['list'], /read \S+bad-conf\/core-site\.xml: not well-formed XML at line \d+/, /repair the file/, {
      options: { env: { HADOOP_CONF_DIR: badConf } },
    }),
    usage(
      '--rm that is not a URL',
      ['--rm', 'rm-host', 'list'],
      /--rm: "rm-host" is not a URL/,
      /give its web address, e\.g\. http:\/\/rm-host:8088/,
    ),
    usage(
      '--namenode that is not http',
      ['--namenode', 'hdfs://nn:8020', 'fs', 'ls', '/'],
      /--namenode: "hdfs:\/\/nn:8020" must be an http:\/\/ or https:\/\/ address/,
      /e\.g\. http:\/\/namenode-host:9870/,
    ),
    usage(
      '--user that is not a user name',
      ['--user', 'a b', 'fs', 'ls', '/'],
      /--user: "a b" is not a Hadoop user name/,
      /use letters, digits, "\.", "_" and "-"/,
    ),
    // Values the cluster refuses before an application exists.
    usage(
      '--driver-memory above the cluster maximum',
      ['submit', '--driver-memory', '100g', ok],
      /--driver-memory of 102400 MB is more than the cluster allows \(\d+ MB, yarn\.scheduler\.maximum-allocation-mb\)/,
      /lower --driver-memory/,
    ),
    usage(
      'a node label on a cluster without labels',
      ['submit', '--node-label', 'gpu', ok],
      /node label not enabled but request contains label expression/,
      /drop --node-label or name one of its labels/,
    ),
    {
      name: 'an unreachable NameNode when submitting',
      args: ['--namenode', 'http://127.0.0.1:1', 'submit', ok],
      code: 3,
      what: /connection refused by 127\.0\.0\.1:1/,
      fix: /is the NameNode at http:\/\/127\.0\.0\.1:1 running\?.*override it with --namenode <url>/,
      submitsNothing: true,
    },
    {
      name: 'a user without an HDFS home',
      args: ['--user', 'spindle-it-nobody', 'submit', ok],
      code: 3,
      // The first directory made is .spindle itself (its parents keep HDFS's default permission), or one below it.
      what: /\/user\/spindle-it-nobody\/\.spindle(\/\S+)?: permission denied for user spindle-it-nobody/,
      fix: /pass --user \(or set HADOOP_USER_NAME\) to act as a user who is allowed/,
      submitsNothing: true,
    },
  ];
  let results: Map<string, CliResult>;
  let verbose: CliResult;

  before(async () => {
    results = await runCases(cases, 4);
    const confDir = cases.find((c) => c.name.startsWith('--conf-dir'))!;
    verbose = (await runCases([{ ...confDir, name: 'verbose', args: ['--verbose', ...confDir.args] }], 1)).get('verbose')!;
  });

  for (const c of cases) {
    it(`${c.name}: exit ${c.code}`, () => expectCase(c, results.get(c.name)));
  }

  it('--verbose shows the stack of the same error', () => {
    expect(verbose.code).to.equal(2);
    expect(verbose.stderr).to.match(/^spindle: --conf-dir=\S+: \S+ is not a directory; /);
    expect(verbose.stderr).to.match(/\nConfigError: --conf-dir=.*\n\s+at resolveConfDir \(/);
    expect(foreignFrames(verbose.stderr).length).to.be.greaterThan(2);
  });
});
