/** `spindle list`: applications, newest first. */
import type { Command } from 'commander';
import { ConfigError } from '../../../protocols/errors/index.js';
import { FINAL_APP_STATES, type YarnAppState } from '../../../protocols/rm-rest/index.js';
import { APPLICATION_TYPE } from '../../submission.js';
import { collectRepeated, parseCount, splitList } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatDuration, formatTable, formatTime, stateText } from '../format.js';

export const DEFAULT_LIST_LIMIT = 20;
const STATES: readonly YarnAppState[] = ['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING', ...FINAL_APP_STATES];

export const LIST_EXAMPLES = `
Examples:
  $ spindle list
  $ spindle list --state running,accepted
  $ spindle list --all-users --limit 50
  $ spindle list --type all --json`;

interface RawListOptions {
  state?: string[];
  allUsers?: boolean;
  limit?: string;
  type?: string[];
}

export function defineList(program: Command, session: CliSession): Command {
  const cmd = program
    .command('list')
    .alias('ls')
    .summary('list applications')
    .description(`List applications, newest first: yours, of type ${APPLICATION_TYPE}, unless told otherwise.`)
    .option('--state <states>', `only these states (repeatable or comma-separated: ${STATES.join(', ').toLowerCase()})`, collectRepeated)
    .option('--all-users', "everyone's applications, not only yours")
    .option('--limit <n>', `at most this many (default ${DEFAULT_LIST_LIMIT})`)
    .option('--type <types>', `application types (default ${APPLICATION_TYPE}; "all" for any)`, collectRepeated)
    .addHelpText('after', LIST_EXAMPLES);
  cmd.action(async (raw: RawListOptions) => session.run(cmd, (ctx) => listCommand(ctx, raw)));
  return cmd;
}

export async function listCommand(ctx: CliContext, raw: RawListOptions): Promise<number> {
  const states = splitList(raw.state ?? []).map((s) => {
    const up = s.toUpperCase() as YarnAppState;
    if (!STATES.includes(up)) throw new ConfigError(`--state: "${s}" is not a YARN state (${STATES.join(', ').toLowerCase()})`);
    return up;
  });
  const limit = raw.limit !== undefined ? parseCount('--limit', raw.limit) : DEFAULT_LIST_LIMIT;
  const types = splitList(raw.type ?? []);
  const anyType = types.some((t) => t.toLowerCase() === 'all');
  // The RM neither sorts nor limits usefully (its limit cuts an unordered list): sort here.
  const apps = await ctx.rm.list({
    ...(states.length ? { states } : {}),
    ...(raw.allUsers ? {} : { user: ctx.config.user }),
    ...(anyType ? {} : { applicationTypes: types.length ? types : [APPLICATION_TYPE] }),
  });
  apps.sort((a, b) => b.startedTime - a.startedTime || b.id.localeCompare(a.id));
  const shown = apps.slice(0, limit);
  if (ctx.out.json) {
    ctx.out.jsonResult(shown);
    return EXIT_OK;
  }
  if (shown.length === 0) {
    ctx.out.info(
      `no applications${raw.allUsers ? '' : ` of user ${ctx.config.user}`}${anyType ? '' : ` of type ${types.join(',') || APPLICATION_TYPE}`}${states.length ? ` in state ${states.join(',')}` : ''}`,
    );
    return EXIT_OK;
  }
  const rows = shown.map((a) => [
    a.id,
    stateText(a),
    `${Math.round(a.progress)}%`,
    formatTime(a.startedTime),
    a.elapsedTime > 0 ? formatDuration(a.elapsedTime) : '-',
    ...(raw.allUsers ? [a.user] : []),
    a.name,
  ]);
  ctx.out.result(formatTable(['APPLICATION', 'STATE', 'PROGRESS', 'STARTED', 'ELAPSED', ...(raw.allUsers ? ['USER'] : []), 'NAME'], rows));
  if (apps.length > shown.length) ctx.out.info(`(${apps.length - shown.length} more; raise --limit)`);
  return EXIT_OK;
}
