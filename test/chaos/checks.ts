import { stagingDirFor } from '../../client/staging.js';
import type { RmRestClient } from '../../protocols/rm-rest/index.js';
import type { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { appProcesses } from './processes.js';

/**
 * What a chaos run must leave: the exact output under its path (part files in order, one
 * `_SUCCESS`, nothing else), nothing hidden beside it (the committer's `.<name>.spindle-<app>-<n>`
 * staging and `.replaced` directories), no staging directory under the user's `.spindle/`, and no
 * container or process of the application once it ended.
 */

export interface CheckContext {
  rm: RmRestClient;
  hdfs: WebHdfsClient;
  user: string;
  clusterDir: string;
  /** NodeManager web addresses ("http://127.0.0.1:8042"). */
  nodeManagers: string[];
}

/** NodeManager container states of a container that is not over yet. */
const LIVE_NM_STATES = new Set([
  'NEW',
  'LOCALIZING',
  'LOCALIZED',
  'SCHEDULED',
  'RUNNING',
  'RELAUNCHING',
  'REINITIALIZING',
  'PAUSED',
  'KILLING',
]);
/** How long containers and processes may take to go after the application ended (NodeManager heartbeats, kill delay). */
const CONTAINERS_GONE_MS = 60_000;

/** Problems with the output `output` (whose parent holds only run outputs); empty when exact. */
export async function checkOutput(c: CheckContext, output: string, expected: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const names = (await c.hdfs.listStatus(output)).map((s) => s.name).sort();
  const successes = names.filter((n) => n === '_SUCCESS').length;
  if (successes !== 1) problems.push(`${successes} _SUCCESS files in ${output}`);
  const parts = names.filter((n) => /^part-\d{5}$/.test(n));
  const others = names.filter((n) => n !== '_SUCCESS' && !parts.includes(n));
  if (others.length > 0) problems.push(`unexpected entries in ${output}: ${others.join(', ')}`);
  const wanted = parts.map((_, i) => `part-${String(i).padStart(5, '0')}`);
  if (parts.join() !== wanted.join()) problems.push(`part files ${parts.join(', ')} are not numbered 0..${parts.length - 1}`);
  const lines: string[] = [];
  for (const p of parts) lines.push(...(await readText(c.hdfs, `${output}/${p}`)).split('\n').filter(Boolean));
  if (lines.length !== expected.length || lines.some((l, i) => l !== expected[i])) {
    const at = lines.findIndex((l, i) => l !== expected[i]);
    problems.push(
      `output differs: ${lines.length} lines, ${expected.length} expected; first difference at line ${at < 0 ? lines.length : at}: ` +
        `${JSON.stringify(lines[at] ?? null)} instead of ${JSON.stringify(expected[at < 0 ? lines.length : at] ?? null)}`,
    );
  }
  const parent = output.slice(0, output.lastIndexOf('/'));
  const hidden = (await c.hdfs.listStatus(parent)).map((s) => s.name).filter((n) => n.startsWith('.') || n.startsWith('_'));
  if (hidden.length > 0) problems.push(`hidden or temporary entries beside the output in ${parent}: ${hidden.join(', ')}`);
  return problems;
}

/** Problems with what the ended application `appId` left: its staging directory, containers, processes. */
export async function checkLeftovers(c: CheckContext, appId: string): Promise<string[]> {
  const problems: string[] = [];
  const staging = stagingDirFor(c.user, appId);
  if (await c.hdfs.exists(staging)) problems.push(`the staging directory ${staging} is still there`);
  const deadline = Date.now() + CONTAINERS_GONE_MS;
  for (;;) {
    const live = await liveContainers(c, appId);
    const processes = appProcesses(c.clusterDir, appId).map((p) => `pid ${p.pid} (${p.argv.slice(0, 3).join(' ')}) in ${p.cwd}`);
    if (live.length === 0 && processes.length === 0) break;
    if (Date.now() > deadline) {
      if (live.length > 0) problems.push(`containers still live ${CONTAINERS_GONE_MS / 1000} s after the end: ${live.join(', ')}`);
      if (processes.length > 0)
        problems.push(`processes still running ${CONTAINERS_GONE_MS / 1000} s after the end: ${processes.join('; ')}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return problems;
}

/** The application's containers that the RM or a NodeManager still counts as live. */
async function liveContainers(c: CheckContext, appId: string): Promise<string[]> {
  const live = new Set<string>();
  for (const attempt of await c.rm.attempts(appId)) {
    if (!attempt.attemptId) continue;
    for (const container of await c.rm.containers(appId, attempt.attemptId).catch(() => []))
      live.add(`${container.id} (RM: ${container.state})`);
  }
  // The RM lists nothing once the application ended: the NodeManagers say what still runs.
  const suffix = appId.slice('application_'.length);
  for (const nm of c.nodeManagers) {
    const res = await fetch(`${nm}/ws/v1/node/containers?user.name=${c.user}`).catch(() => undefined);
    if (!res?.ok) continue;
    const body = (await res.json()) as { containers?: { container?: { id: string; state: string }[] } | null };
    for (const container of body.containers?.container ?? []) {
      if (container.id.includes(`_${suffix}_`) && LIVE_NM_STATES.has(container.state))
        live.add(`${container.id} (${nm}: ${container.state})`);
    }
  }
  return [...live];
}

async function readText(hdfs: WebHdfsClient, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await hdfs.open(path)) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}
