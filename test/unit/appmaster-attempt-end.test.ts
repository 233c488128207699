import { expect } from 'chai';
import { applicationOverAfterTerm, attemptEndVerdict, type AttemptEndDeps } from '../../appmaster/attempt-end.js';
import { ConnectionError } from '../../protocols/errors/index.js';

type Answer = Awaited<ReturnType<AttemptEndDeps['ask']>>;

/** Deps whose RM gives `answers` in turn (the last one repeated), on a fake clock advanced by sleeps. */
function deps(answers: (Answer | Error)[], over: Partial<AttemptEndDeps> = {}): AttemptEndDeps & { asked: () => number; logs: string[] } {
  let asked = 0;
  let clock = 0;
  const logs: string[] = [];
  return {
    ask: async () => {
      const a = answers[Math.min(asked++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
    attemptId: 1,
    maxAttempts: 2,
    log: (m) => logs.push(m),
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
    budgetMs: 1_000,
    pollMs: 40,
    ...over,
    asked: () => asked,
    logs,
  };
}

describe('appmaster attempt end: is the application over after SIGTERM?', () => {
  describe('attemptEndVerdict', () => {
    it('a kill: the application KILLING or KILLED, or our attempt KILLED, is over', () => {
      expect(attemptEndVerdict('KILLING', [{ id: 1, state: 'RUNNING' }], 1)).to.equal('over');
      expect(attemptEndVerdict('KILLED', [{ id: 1, state: 'KILLED' }], 1)).to.equal('over');
      // The application's state lags its attempt's while the RM saves the final state.
      expect(attemptEndVerdict('FINAL_SAVING', [{ id: 1, state: 'KILLED' }], 1)).to.equal('over');
      expect(attemptEndVerdict('RUNNING', [{ id: 1, state: 'KILLED' }], 1)).to.equal('over');
    });

    it('the end of this attempt only: a later attempt listed is a retry, whatever the states', () => {
      expect(
        attemptEndVerdict(
          'ACCEPTED',
          [
            { id: 1, state: 'FAILED' },
            { id: 2, state: 'SCHEDULED' },
          ],
          1,
        ),
      ).to.equal('retried');
      expect(
        attemptEndVerdict(
          'RUNNING',
          [
            { id: 1, state: 'FAILED' },
            { id: 2, state: 'RUNNING' },
          ],
          1,
        ),
      ).to.equal('retried');
    });

    it('an application that ended FAILED or FINISHED is over (no attempt follows a final state)', () => {
      expect(attemptEndVerdict('FAILED', [{ id: 2, state: 'FAILED' }], 2)).to.equal('over');
      expect(attemptEndVerdict('FINISHED', [{ id: 1, state: 'FINISHED' }], 1)).to.equal('over');
    });

    it('our attempt still RUNNING, or FAILED before the RM decided on a retry, is undecided', () => {
      expect(attemptEndVerdict('RUNNING', [{ id: 1, state: 'RUNNING' }], 1)).to.equal('undecided');
      expect(attemptEndVerdict('FINAL_SAVING', [{ id: 1, state: 'FAILED' }], 1)).to.equal('undecided');
      expect(attemptEndVerdict('RUNNING', [{ id: 1, state: 'FINAL_SAVING' }], 1)).to.equal('undecided');
      // Attempt 2 is ours: attempt 1 before it says nothing.
      expect(
        attemptEndVerdict(
          'RUNNING',
          [
            { id: 1, state: 'KILLED' },
            { id: 2, state: 'RUNNING' },
          ],
          2,
        ),
      ).to.equal('undecided');
    });
  });

  describe('applicationOverAfterTerm', () => {
    it('with --max-attempts 1 the application is over without asking (the RM never retries it)', async () => {
      const d = deps([new ConnectionError('unreachable')], { maxAttempts: 1 });
      expect(await applicationOverAfterTerm(d)).to.equal(true);
      expect(d.asked()).to.equal(0);
    });

    it('asks again while undecided, then follows the RM: a node loss keeps the staging files', async () => {
      const d = deps([
        { appState: 'RUNNING', attempts: [{ id: 1, state: 'RUNNING' }] },
        { appState: 'RUNNING', attempts: [{ id: 1, state: 'FAILED' }] },
        {
          appState: 'ACCEPTED',
          attempts: [
            { id: 1, state: 'FAILED' },
            { id: 2, state: 'SCHEDULED' },
          ],
        },
      ]);
      expect(await applicationOverAfterTerm(d)).to.equal(false);
      expect(d.asked()).to.equal(3);
      expect(d.logs.join('\n')).to.contain('YARN started another attempt');
    });

    it('a kill is over at the first answer that says so', async () => {
      const d = deps([
        { appState: 'RUNNING', attempts: [{ id: 1, state: 'RUNNING' }] },
        { appState: 'KILLING', attempts: [{ id: 1, state: 'RUNNING' }] },
      ]);
      expect(await applicationOverAfterTerm(d)).to.equal(true);
      expect(d.asked()).to.equal(2);
    });

    it('the last attempt by number still asks: node loss does not count towards --max-attempts', async () => {
      const d = deps(
        [
          {
            appState: 'ACCEPTED',
            attempts: [
              { id: 2, state: 'FAILED' },
              { id: 3, state: 'SCHEDULED' },
            ],
          },
        ],
        { attemptId: 2 },
      );
      expect(await applicationOverAfterTerm(d)).to.equal(false);
    });

    it('keeps the staging files when the RM cannot be asked, or stays undecided past the budget', async () => {
      const refused = deps([new ConnectionError('401 Authentication required')]);
      expect(await applicationOverAfterTerm(refused)).to.equal(false);
      expect(refused.logs.join('\n')).to.match(/cannot ask the ResourceManager .*401.*keeping the staging directory/);

      const undecided = deps([{ appState: 'RUNNING', attempts: [{ id: 1, state: 'RUNNING' }] }]);
      expect(await applicationOverAfterTerm(undecided)).to.equal(false);
      // 1000 ms of budget in 40 ms pauses: the first ask and one after each of 25 pauses.
      expect(undecided.asked()).to.equal(26);
      expect(undecided.logs.join('\n')).to.contain('has not decided');
    });
  });
});
