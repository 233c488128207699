/** `spindle status <appId>`: the application's report, and its containers while it runs. */
import type { Command } from 'commander';
import { parseAppId } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatAppReport } from '../format.js';

export const STATUS_EXAMPLES = `
Examples:
  $ spindle status application_1700000000000_0001
  $ spindle status --json application_1700000000000_0001 | jq .report.state`;

export function defineStatus(program: Command, session: CliSession): Command {
  const cmd = program
    .command('status')
    .summary("show an application's state")
    .description(
      "Show an application's state, progress, times, tracking URL and diagnostics; while it runs, also its containers as the ApplicationMaster counts them.",
    )
    .argument('<appId>', 'application id (see spindle list)')
    .addHelpText('after', STATUS_EXAMPLES);
  cmd.action(async (appId: string) => session.run(cmd, (ctx) => statusCommand(ctx, appId)));
  return cmd;
}

export async function statusCommand(ctx: CliContext, appIdText: string): Promise<number> {
  const appId = parseAppId(appIdText);
  const report = await ctx.rm.application(appId);
  const am = report.state === 'RUNNING' && report.trackingUrl ? await ctx.amStatus(report.trackingUrl) : undefined;
  if (ctx.out.json) {
    ctx.out.jsonResult({ report, ...(am ? { am } : {}) });
    return EXIT_OK;
  }
  const extra: [string, string][] = [];
  const c = am?.containers;
  if (c) {
    extra.push([
      'Containers',
      `${c.running} running, ${c.succeeded} done, ${c.failed} failed, ${c.pending + c.launching} starting (of ${c.target})`,
    ]);
  }
  ctx.out.result(formatAppReport(report, extra));
  return EXIT_OK;
}
