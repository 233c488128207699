/**
 * The `spindle` command line: the commander program, its global options (accepted before or after
 * the subcommand), and `runCli`, which runs one invocation and returns its exit code. Everything
 * about the process (argv, env, streams, Ctrl-C) is handed in by cli.ts.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { defineCache } from './commands/cache.js';
import { defineFs } from './commands/fs.js';
import { defineHistory } from './commands/history.js';
import { defineUi } from './commands/ui.js';
import { defineKill } from './commands/kill.js';
import { defineList } from './commands/list.js';
import { defineLogs } from './commands/logs.js';
import { defineRun } from './commands/run.js';
import { defineStatus } from './commands/status.js';
import { defineSubmit } from './commands/submit.js';
import { CliContext, type CliEnvironment, type CliSession, type GlobalOptions } from './context.js';
import { describeError, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { Output, type TextSink } from './output.js';

export interface CliStreams {
  stdout: TextSink;
  stderr: TextSink;
  stdin: Readable;
}

export const PROGRAM_EXAMPLES = `
Examples:
  $ spindle run -n 4 -- hostname               # a command in 4 containers, output live here
  $ spindle submit examples/hello-driver.mjs   # a TypeScript/JavaScript job as the driver
  $ spindle list                               # your applications, newest first
  $ spindle status application_1700000000000_0001
  $ spindle logs --follow application_1700000000000_0001
  $ spindle kill application_1700000000000_0001
  $ spindle history application_1700000000000_0001   # stages, skew, failures (also after it ended)
  $ spindle fs put data.csv /data/ && spindle fs ls /data

The cluster comes from HADOOP_CONF_DIR (or YARN_CONF_DIR, or --conf-dir). On a Kerberized cluster
Spindle uses your ticket (kinit first), or --principal with --keytab.
Exit codes: 0 success, 1 the application failed or was killed, 2 usage error (bad option,
missing file or application), 3 the cluster cannot be reached or refuses the request.`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function globalOptions(): Option[] {
  return [
    new Option('--conf-dir <dir>', 'Hadoop configuration directory (default: $HADOOP_CONF_DIR, then $YARN_CONF_DIR)'),
    new Option('--rm <url>', 'ResourceManager web address, e.g. http://rm:8088 (overrides the configuration)'),
    new Option('--namenode <url>', 'NameNode web address, e.g. http://nn:9870 (overrides the configuration)'),
    new Option('--user <name>', 'act as this Hadoop user (default: $HADOOP_USER_NAME, then your login name)'),
    new Option('--principal <principal>', 'Kerberized cluster: log in as this principal from --keytab (default: your ticket cache)'),
    new Option('--keytab <file>', 'Kerberized cluster: keytab of --principal; your own ticket cache is left alone'),
    new Option('-v, --verbose', 'more detail, and stack traces for errors'),
    new Option('-q, --quiet', 'only results, warnings and errors'),
    new Option('--json', 'machine-readable output where it makes sense'),
  ];
}

const GLOBAL_KEYS: readonly (keyof GlobalOptions)[] = [
  'confDir',
  'rm',
  'namenode',
  'user',
  'principal',
  'keytab',
  'verbose',
  'quiet',
  'json',
];

/** Global option values: those given after the subcommand win over those before it. */
function mergedGlobals(cmd: Command): GlobalOptions {
  const out: Record<string, unknown> = {};
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  for (const c of chain) {
    const o = c.opts();
    for (const k of GLOBAL_KEYS) if (o[k] !== undefined) out[k] = o[k];
  }
  return out as GlobalOptions;
}

/** Every command without subcommands, for adding the global options to each. */
function leaves(cmd: Command): Command[] {
  return cmd.commands.length === 0 ? [cmd] : cmd.commands.flatMap(leaves);
}

/** Runs one invocation (`argv` without node and script) and resolves with its exit code. */
export async function runCli(argv: readonly string[], proc: CliEnvironment, streams: CliStreams): Promise<number> {
  let exitCode = EXIT_OK;
  let ctx: CliContext | undefined;
  let out = new Output(streams.stdout, streams.stderr);
  const session: CliSession = {
    async run(cmd, fn) {
      const globals = mergedGlobals(cmd);
      out = new Output(streams.stdout, streams.stderr, { json: globals.json, quiet: globals.quiet, verbose: globals.verbose });
      ctx = new CliContext(proc, globals, out);
      exitCode = await fn(ctx);
    },
  };

  const program = new Command('spindle')
    .description('Spark-style distributed computing for TypeScript on Hadoop YARN.')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', PROGRAM_EXAMPLES);
  for (const o of globalOptions()) program.addOption(o);
  defineRun(program, session);
  defineSubmit(program, session);
  defineStatus(program, session);
  defineList(program, session);
  defineKill(program, session);
  defineLogs(program, session);
  defineHistory(program, session);
  defineUi(program, session);
  defineFs(program, session, { stdin: streams.stdin });
  defineCache(program, session);
  for (const leaf of leaves(program)) {
    if (leaf === program) continue;
    for (const o of globalOptions()) leaf.addOption(o.hideHelp());
  }
  const configure = (c: Command): void => {
    c.exitOverride().configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
      outputError: (s, write) => write(`spindle: ${s.replace(/^error: /, '')}`),
    });
    c.commands.forEach(configure);
  };
  configure(program);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end this way too, with exit code 0.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    out.clearStatus();
    const described = describeError(err, ctx?.errorContext() ?? {}, out.verbose);
    streams.stderr.write(`${described.message}\n`);
    return described.exitCode;
  } finally {
    ctx?.close();
  }
}
