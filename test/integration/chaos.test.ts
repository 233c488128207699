import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, testCluster } from './cluster.js';

/**
 * A small fixed set of the chaos suite (test/chaos, `npm run chaos`) on the real cluster: one run
 * each of an executor SIGKILL, a task that throws once and an AM SIGKILL (attempt 2 reruns the job
 * and must not commit the save twice), in the order seed 1917 draws. Each run must save the exact
 * output with one _SUCCESS and leave nothing behind; the runner checks that and exits 0 only then.
 */
describe('chaos suite (fixed set)', function () {
  this.timeout(600_000);

  it('executor kill, task throw and AM kill: every run exact, each fault injected while the job ran', async () => {
    const args = [
      '--runs',
      '3',
      '--faults',
      'executor-kill,task-throw,am-kill',
      '--seed',
      '1917',
      '--input-mb',
      '2',
      '--max-delay-ms',
      '2000',
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'dist', 'test', 'chaos', 'run.js'), ...args], {
        cwd: repoRoot,
        env: { ...process.env, HADOOP_CONF_DIR: testCluster().confDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(code, `${stdout}\n${stderr}`).to.equal(0);
    const rows = new Map(
      stdout
        .split('\n')
        .map((l) => l.trim().split(/ +/))
        .filter((cells) => cells.length >= 6)
        .map((cells) => [cells[0]!, cells.slice(1, 5).join(' ')]),
    );
    // runs, exact, failures, injected
    for (const fault of ['executor-kill', 'task-throw', 'am-kill']) expect(rows.get(fault), `${fault} in\n${stdout}`).to.equal('1 1 0 1');
    expect(rows.get('all'), stdout).to.equal('3 3 0 3');
    expect(stdout).to.match(/am-kill at [\d.]+ s \(SIGKILL AM of attempt 1 /);
  });
});
