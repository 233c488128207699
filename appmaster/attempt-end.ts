import { errorMessage } from '../protocols/errors/index.js';
import { type AppAttempt, isFinalState } from '../protocols/rm-rest/index.js';

/**
 * Whether the application is over when this attempt's container is told to stop (SIGTERM), and so
 * whether the staging directory (the spec and bundle every attempt localizes) may go.
 *
 * The NodeManager sends the same SIGTERM, then SIGKILL 250 ms later, for two different things:
 *   - a kill of the application (REST, `yarn application -kill`): the RM moves our attempt to
 *     KILLED first and never starts another; the staging directory must go now, or stay behind;
 *   - the end of this attempt only: its NodeManager stopping (the RM fails the containers of a node
 *     that unregisters, exit status -100), preemption, a memory kill. The RM fails the attempt and
 *     starts another while attempts remain (node loss and preemption do not even count towards
 *     --max-attempts), and that attempt localizes the staging files again.
 * The RM's REST answers tell them apart: the application KILLING or in a final state, or our
 * attempt KILLED, means it is over; a later attempt listed means YARN retried. Anything else (our attempt still
 * RUNNING or FAILED while the RM is still deciding) is asked again until the SIGKILL.
 */

/** over: no attempt will follow; retried: a later attempt exists; undecided: ask again. */
export type AttemptEndVerdict = 'over' | 'retried' | 'undecided';

/** Pure: what the RM's application state and attempt list say about attempt `attemptId`'s end. */
export function attemptEndVerdict(
  appState: string,
  attempts: readonly Pick<AppAttempt, 'id' | 'state'>[],
  attemptId: number,
): AttemptEndVerdict {
  if (attempts.some((a) => a.id > attemptId)) return 'retried';
  // KILLING: the RM-internal state of a kill in progress (the application's `/state` shows it).
  if (isFinalState(appState) || appState === 'KILLING') return 'over';
  // A KILLED attempt is always the application's kill: preemption and node loss fail attempts.
  if (attempts.find((a) => a.id === attemptId)?.state === 'KILLED') return 'over';
  return 'undecided';
}

/** How often the RM is asked again while its answer is undecided. */
export const ATTEMPT_END_POLL_MS = 40;
/**
 * How long the AM keeps asking. The NodeManager's SIGKILL normally ends it after 250 ms; this bounds
 * a SIGTERM from elsewhere (a `kill` by hand), after which the container exits and YARN decides.
 */
export const ATTEMPT_END_BUDGET_MS = 5_000;

export interface AttemptEndDeps {
  /** The RM's application state and attempt list (REST); rejects when it cannot be asked. */
  ask: () => Promise<{ appState: string; attempts: readonly Pick<AppAttempt, 'id' | 'state'>[] }>;
  attemptId: number;
  /** The application's --max-attempts: with 1 the RM never starts another attempt, whatever ended this one. */
  maxAttempts: number;
  log: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  budgetMs?: number;
  pollMs?: number;
}

/**
 * Decides, after a SIGTERM, whether the application is over: true only when no further attempt can
 * need the staging files. An RM that cannot be asked (a Kerberized RM refuses simple-auth REST) or
 * stays undecided keeps them: a leftover staging directory costs a little space until the client,
 * which removes it when it sees the application end, or the next `spindle kill` does; a removed one
 * loses the whole job.
 */
export async function applicationOverAfterTerm(deps: AttemptEndDeps): Promise<boolean> {
  if (deps.maxAttempts <= 1) return true;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const deadline = now() + (deps.budgetMs ?? ATTEMPT_END_BUDGET_MS);
  for (;;) {
    let verdict: AttemptEndVerdict;
    let answer: string;
    try {
      const { appState, attempts } = await deps.ask();
      verdict = attemptEndVerdict(appState, attempts, deps.attemptId);
      answer = `the application is ${appState}, its attempts ${attempts.map((a) => `${a.id} ${a.state ?? '?'}`).join(', ')}`;
    } catch (err) {
      deps.log(`cannot ask the ResourceManager whether the application is over (${errorMessage(err)}): keeping the staging directory`);
      return false;
    }
    if (verdict !== 'undecided') {
      deps.log(`${answer}: ${verdict === 'over' ? 'the application is over' : 'YARN started another attempt'}`);
      return verdict === 'over';
    }
    if (now() >= deadline) {
      deps.log(`${answer}: the ResourceManager has not decided whether another attempt follows; keeping the staging directory`);
      return false;
    }
    await sleep(deps.pollMs ?? ATTEMPT_END_POLL_MS);
  }
}
