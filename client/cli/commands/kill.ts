/** `spindle kill <appId...>`: kill applications (a no-op for one that already ended). */
import type { Command } from 'commander';
import { killApp } from '../../application.js';
import { isFinalState } from '../../../protocols/rm-rest/index.js';
import { parseAppId } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { stateText } from '../format.js';
import { KILL_TIMEOUT_MS } from '../watch.js';

export const KILL_EXAMPLES = `
Examples:
  $ spindle kill application_1700000000000_0001
  $ spindle kill $(spindle list --state running --json | jq -r '.[].id')`;

export function defineKill(program: Command, session: CliSession): Command {
  const cmd = program
    .command('kill')
    .summary('kill applications')
    .description('Kill applications and wait until YARN reports them KILLED; their staging files on HDFS are removed.')
    .argument('<appId...>', 'application ids')
    .addHelpText('after', KILL_EXAMPLES);
  cmd.action(async (ids: string[]) => session.run(cmd, (ctx) => killCommand(ctx, ids)));
  return cmd;
}

export async function killCommand(ctx: CliContext, ids: string[]): Promise<number> {
  const appIds = ids.map(parseAppId);
  const results = [];
  for (const appId of appIds) {
    const before = await ctx.rm.application(appId);
    if (isFinalState(before.state)) {
      ctx.out.info(`${appId} had already ended (${stateText(before)})`);
      results.push({ appId, killed: false, state: before.state, finalStatus: before.finalStatus });
      continue;
    }
    const after = await killApp({ rm: ctx.rm, hdfs: ctx.hdfs, user: ctx.config.user }, appId, KILL_TIMEOUT_MS);
    ctx.out.info(`${appId} killed (was ${before.state}, now ${stateText(after)})`);
    results.push({ appId, killed: true, state: after.state, finalStatus: after.finalStatus });
  }
  if (ctx.out.json) ctx.out.jsonResult(results);
  return EXIT_OK;
}
