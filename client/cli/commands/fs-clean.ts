/** `spindle fs clean <output-path...>`: the hidden directories dead jobs left beside output paths. */
import { cleanLeftovers, type Leftover, livenessFromRm } from '../../../appmaster/driver/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CLUSTER, EXIT_OK } from '../exit-codes.js';
import { formatTable } from '../format.js';
import { hdfsPath } from './fs-paths.js';

export const CLEAN_HELP = `
A save (saveAsTextFile, saveAsJsonFile, saveAsAvroFile) writes into a hidden directory beside its
output, .<name>.spindle-<appId>-<job>, and with overwrite moves the old output aside to the same
name with .replaced until the new one is in place. A job whose driver died leaves them. The next save
to the same path cleans them up; this does the same now:
  - only for applications the ResourceManager reports as ended (one that may still run, or that it
    does not know, is left alone);
  - an old output (.replaced) whose overwrite never finished is put back when the output path is
    missing, and removed when the output is there;
  - the unfinished new output (.spindle-<appId>-<job>) is removed.`;

/** Cleans up beside each output path; exit 3 if some step failed (what failed stays as it was). */
export async function cleanCommand(ctx: CliContext, texts: string[], dryRun: boolean): Promise<number> {
  const liveness = livenessFromRm(ctx.rm);
  const rows: string[][] = [];
  const results = [];
  let failed = false;
  for (const t of texts) {
    const output = hdfsPath(t, ctx.config.user).replace(/\/+$/, '');
    const r = await cleanLeftovers(ctx.hdfs, output, liveness, { dryRun });
    results.push({ output, ...r });
    const would = (verb: string): string => (dryRun ? `would ${verb}` : verb);
    if (r.restore) rows.push([would('restore'), r.restore.path, `to ${output}`]);
    for (const l of r.remove) rows.push([would('remove'), l.path, describe(l)]);
    for (const k of r.keep) rows.push(['keep', k.leftover.path, k.reason]);
    for (const e of r.errors) ctx.out.warn(`${output}: ${e}`);
    failed ||= r.errors.length > 0;
    if (!r.restore && r.remove.length === 0 && r.keep.length === 0) ctx.out.info(`${output}: nothing left by dead jobs`);
  }
  if (ctx.out.json) ctx.out.jsonResult(results);
  else if (rows.length) ctx.out.result(formatTable(['ACTION', 'PATH', 'WHY'], rows));
  return failed ? EXIT_CLUSTER : EXIT_OK;
}

function describe(l: Leftover): string {
  return l.kind === 'replaced' ? `old output set aside by ${l.appId}, which ended` : `unfinished output of ${l.appId}, which ended`;
}
