import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * An optional CPU profile of an executor's main thread (`--env SPINDLE_CPU_PROFILE_DIR=/dir` on
 * submit; node's own --cpu-prof is not allowed in NODE_OPTIONS). The profile is written as
 * `executor-<id>.cpuprofile` in that directory on the executor's node when it stops; open it in
 * Chrome DevTools or VS Code.
 */
export async function startCpuProfile(dir: string | undefined, executorId: string): Promise<() => Promise<string | undefined>> {
  if (!dir) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const path = join(dir, `executor-${executorId}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    return path;
  };
}
