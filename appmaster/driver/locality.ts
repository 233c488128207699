import { EXECUTOR_LOCALITY_PREFIX } from './cache-tracker.js';

/**
 * Locality of task attempts, and what the driver tells the AM about where its stages' input lies.
 *
 * Levels are Spark's names, from the task's preferred locations and the executor it went to:
 * PROCESS_LOCAL (its input is cached on that executor), NODE_LOCAL (on that host), NO_PREF (it
 * prefers nowhere: parallelized data, a shuffle's reduce side), ANY (it preferred hosts and ran
 * elsewhere). Spark's RACK_LOCAL is not told apart: the driver does not know the executors' racks, so
 * a rack-local attempt counts as ANY.
 */
export type TaskLocality = 'PROCESS_LOCAL' | 'NODE_LOCAL' | 'NO_PREF' | 'ANY';

export const LOCALITY_LEVELS: readonly TaskLocality[] = ['PROCESS_LOCAL', 'NODE_LOCAL', 'NO_PREF', 'ANY'];

/** How a level reads in a log line. */
const WORDS: Record<TaskLocality, string> = {
  PROCESS_LOCAL: 'process-local',
  NODE_LOCAL: 'node-local',
  NO_PREF: 'no preference',
  ANY: 'elsewhere (not local)',
};

/** The level of an attempt of a task preferring `hosts` on an executor whose host goes by `aliases`. */
export function taskLocality(hosts: readonly string[], executorId: string, aliases: readonly string[]): TaskLocality {
  if (hosts.length === 0) return 'NO_PREF';
  if (hosts.includes(`${EXECUTOR_LOCALITY_PREFIX}${executorId}`)) return 'PROCESS_LOCAL';
  for (const a of aliases) if (hosts.includes(a)) return 'NODE_LOCAL';
  return 'ANY';
}

/** "10 node-local, 2 elsewhere (not local)"; empty for no attempts. */
export function localityWords(counts: Readonly<Partial<Record<TaskLocality, number>>>): string {
  return LOCALITY_LEVELS.filter((l) => (counts[l] ?? 0) > 0)
    .map((l) => `${counts[l]} ${WORDS[l]}`)
    .join(', ');
}

/** Where the active stages' tasks would like to run (Spark: numLocalityAwareTasks, hostToLocalTaskCount). */
export interface StageLocalityHints {
  /** Tasks that prefer some host. */
  tasks: number;
  /** Per host, the tasks preferring it. */
  hosts: Record<string, number>;
}

/** The hints of the tasks of some task sets: hosts only (an executor's own name is no host to ask YARN for). */
export function localityHints(taskSets: Iterable<{ tasks: readonly { hosts: readonly string[] }[] }>): StageLocalityHints {
  const hosts: Record<string, number> = {};
  let tasks = 0;
  for (const set of taskSets) {
    for (const t of set.tasks) {
      let preferring = false;
      for (const h of t.hosts) {
        if (h.startsWith(EXECUTOR_LOCALITY_PREFIX)) continue;
        hosts[h] = (hosts[h] ?? 0) + 1;
        preferring = true;
      }
      if (preferring) tasks++;
    }
  }
  return { tasks, hosts };
}
