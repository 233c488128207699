/**
 * The HA cluster of `scripts/cluster up --ha` as the HA tests see it: which NameNode and which
 * ResourceManager are active (asked of the daemons themselves), their processes (from the cluster's
 * pid files, so that nothing outside this cluster is ever signalled), and waiting for real state.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadClientConfig, type ClientConfig } from '../../protocols/hadoop-conf/index.js';
import { testCluster } from '../integration/cluster.js';

/** One NameNode or ResourceManager of the pair: its scripts/cluster daemon name and web address. */
export interface HaMember {
  daemon: string;
  url: string;
}

export function haConfig(): ClientConfig {
  return loadClientConfig({ env: process.env, confDir: testCluster().confDir });
}

/** The NameNodes in dfs.ha.namenodes order (nn1 is scripts/cluster's namenode, nn2 its namenode2). */
export function nameNodes(): HaMember[] {
  return haConfig().hdfs.nameNodeHttpUrls.map((url, i) => ({ daemon: i === 0 ? 'namenode' : `namenode${i + 1}`, url }));
}

/** The ResourceManagers in rm-ids order (rm1 is resourcemanager, rm2 resourcemanager2). */
export function resourceManagers(): HaMember[] {
  return haConfig().yarn.rmWebUrls.map((url, i) => ({ daemon: i === 0 ? 'resourcemanager' : `resourcemanager${i + 1}`, url }));
}

async function getJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000), redirect: 'manual' });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/** "active", "standby", ... as the NameNode's JMX says; undefined when it does not answer. */
export async function nameNodeState(nn: HaMember): Promise<string | undefined> {
  const body = (await getJson(`${nn.url}/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus`)) as
    | { beans?: { State?: string }[] }
    | undefined;
  return body?.beans?.[0]?.State;
}

/** "ACTIVE", "STANDBY", ... once the RM has started; undefined when it does not answer. */
export async function resourceManagerState(rm: HaMember): Promise<string | undefined> {
  const body = (await getJson(`${rm.url}/ws/v1/cluster/info`)) as { clusterInfo?: { state?: string; haState?: string } } | undefined;
  return body?.clusterInfo?.state === 'STARTED' ? body.clusterInfo.haState : undefined;
}

/** Polls `check` every 200 ms until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The one active member of a pair (waits for there to be one). */
export async function activeOf(members: HaMember[], state: (m: HaMember) => Promise<string | undefined>, what: string): Promise<HaMember> {
  return waitFor(`an active ${what}`, async () => {
    for (const m of members) if ((await state(m))?.toLowerCase() === 'active') return m;
    return undefined;
  });
}

export const activeNameNode = (): Promise<HaMember> => activeOf(nameNodes(), nameNodeState, 'NameNode');
export const activeResourceManager = (): Promise<HaMember> => activeOf(resourceManagers(), resourceManagerState, 'ResourceManager');

/** The pid scripts/cluster recorded for a daemon of this cluster. */
export function daemonPid(daemon: string): number {
  const file = join(dirname(testCluster().confDir), 'pids', `${daemon}.pid`);
  if (!existsSync(file)) throw new Error(`${daemon} is not running (no ${file})`);
  const pid = Number(readFileSync(file, 'utf8').trim());
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  // The pid file may outlive its process; the JVM's -Dproc_<daemon> says it is still that daemon.
  if (!cmdline.split('\0').includes(`-Dproc_${daemon}`)) throw new Error(`pid ${pid} of ${file} is not ${daemon}`);
  return pid;
}

function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** SIGKILLs a daemon of this cluster by its pid file and waits until the process is gone. */
export async function killDaemon(daemon: string): Promise<void> {
  const pid = daemonPid(daemon);
  process.kill(pid, 'SIGKILL');
  await waitFor(`${daemon} (pid ${pid}) to be gone after SIGKILL`, () => (gone(pid) ? true : undefined), 30_000);
}

/** Whether the client configuration describes the HA cluster (two NameNodes, two RMs). */
export function isHaConfig(config: ClientConfig): boolean {
  return config.hdfs.nameNodeHttpUrls.length === 2 && config.yarn.rmWebUrls.length === 2;
}
