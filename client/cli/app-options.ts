/**
 * The options `run` and `submit` share (queue, name, environment, shipped files, Node, timeout, ...):
 * their commander definitions and their translation into CommonAppOptions, validated once.
 */
import { Option, type Command } from 'commander';
import { ConfigError } from '../../protocols/errors/index.js';
import type { ShippedFile } from '../resources.js';
import { DEFAULT_MAX_ATTEMPTS, type CommonAppOptions } from '../submission.js';
import { collectEnvironment, collectRepeated, parseCount, parseDuration, parseInteger, parseShipSpec, splitList } from './args.js';
import type { CliContext } from './context.js';

/** Raw values of the shared options as commander hands them over. */
export interface RawAppOptions {
  queue?: string;
  name?: string;
  env?: string[];
  file?: string[];
  archive?: string[];
  nodeLabel?: string;
  priority?: string;
  tags?: string[];
  maxAttempts?: string;
  timeout?: string;
  detach?: boolean;
  node?: string;
  shipNode?: boolean;
}

/** Adds the shared options to a command. */
export function addAppOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'application name shown by YARN')
    .option('--queue <queue>', 'YARN queue (default: the cluster placement rules, usually "default")')
    .option(
      '--env <NAME[=value]>',
      'environment variable for the program (repeatable); NAME alone passes on its value here, keeping secrets off the command line',
      collectRepeated,
    )
    .option(
      '--file <path[#alias]>',
      "ship a file into every container's working directory (repeatable; hdfs:/// paths are used in place)",
      collectRepeated,
    )
    .option(
      '--archive <path[#alias]>',
      'ship an archive (.tar.gz, .tgz, .tar, .zip, .jar), unpacked by YARN into a directory named alias (repeatable)',
      collectRepeated,
    )
    .option('--node-label <expr>', 'node label expression for the containers')
    .option('--priority <n>', 'YARN application priority')
    .option('--tags <a,b>', 'application tags (repeatable or comma-separated)', collectRepeated)
    .option(
      '--max-attempts <n>',
      `ApplicationMaster attempts (default ${DEFAULT_MAX_ATTEMPTS}): another attempt reruns the program when the AM dies ` +
        '(its node lost, killed); a program that fails is not run again',
    )
    .option('--timeout <duration>', 'kill the application if it has not finished after this long (e.g. 90s, 10m, 1h)')
    .option('--detach', 'print the application id and return; do not wait, do not kill on Ctrl-C')
    .option('--node <path>', 'Node binary on the cluster nodes (default: node on their PATH)')
    .addOption(new Option('--ship-node', "ship this machine's Node binary (cached on HDFS) for clusters without Node").conflicts('node'));
}

/** Ceiling of --max-attempts (the RM caps it further at yarn.resourcemanager.am.max-attempts, 2 by default). */
export const MAX_AM_ATTEMPTS = 100;

export interface ParsedAppOptions {
  common: CommonAppOptions;
  environment: Record<string, string>;
  timeoutMs?: number;
  detach: boolean;
}

/** Validates the shared options; ConfigError names the offending one. */
export function parseAppOptions(raw: RawAppOptions, ctx: CliContext): ParsedAppOptions {
  const files: ShippedFile[] = [
    ...(raw.file ?? []).map((t) => ({ ...parseShipSpec('--file', t), type: 'file' as const, option: `--file ${t}` })),
    ...(raw.archive ?? []).map((t) => ({ ...parseShipSpec('--archive', t), type: 'archive' as const, option: `--archive ${t}` })),
  ].map(({ source, alias, type, option }) => ({ source, alias, type, option }));
  const tags = splitList(raw.tags ?? []);
  if (raw.name !== undefined && raw.name.trim() === '') throw new ConfigError('--name must not be empty');
  return {
    common: {
      ...(raw.name !== undefined ? { name: raw.name } : {}),
      ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
      ...(raw.priority !== undefined ? { priority: parseInteger('--priority', raw.priority) } : {}),
      ...(tags.length ? { tags } : {}),
      ...(raw.nodeLabel !== undefined ? { nodeLabel: raw.nodeLabel } : {}),
      ...(raw.maxAttempts !== undefined ? { maxAttempts: parseCount('--max-attempts', raw.maxAttempts, 1, MAX_AM_ATTEMPTS) } : {}),
      files,
      ...(raw.node !== undefined ? { nodeBinary: raw.node } : {}),
      ...(raw.shipNode ? { shipNode: ctx.process.execPath } : {}),
    },
    environment: collectEnvironment('--env', raw.env ?? [], ctx.process.env),
    ...(raw.timeout !== undefined ? { timeoutMs: parseDuration('--timeout', raw.timeout) } : {}),
    detach: raw.detach === true,
  };
}
