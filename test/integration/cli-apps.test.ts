import { expect } from 'chai';
import { AppJanitor, clusterClients, nodeManagerWebPattern, spindle, uniqueTag } from './cli-helpers.js';

/**
 * `spindle status | list | kill | logs` on the real cluster, and what every command says when the
 * ResourceManager cannot be reached.
 */
describe('spindle status, list, kill and logs', function () {
  this.timeout(300_000);
  const tag = uniqueTag('spindle-it-cli-apps');
  const janitor = new AppJanitor();
  const { rm } = clusterClients();
  let finished: string;
  let running: string;

  before(async () => {
    const done = await spindle([
      'run',
      '-n',
      '2',
      '--tags',
      `spindle-it,${tag}`,
      '--name',
      'cli-apps-done',
      '--',
      'echo "stdout of $CONTAINER_ID"; echo "stderr line 1" >&2; echo "stderr line 2" >&2',
    ]);
    janitor.add(...done.appIds);
    expect(done.code, done.stderr).to.equal(0);
    finished = done.appIds[0]!;
    const bg = await spindle([
      'run',
      '--detach',
      '--tags',
      `spindle-it,${tag}`,
      '--name',
      'cli-apps-running',
      '--',
      'for i in $(seq 1 600); do echo "tick $i"; sleep 1; done',
    ]);
    janitor.add(...bg.appIds);
    expect(bg.code, bg.stderr).to.equal(0);
    running = bg.stdout.trim();
    await rm.waitForState(running, ['RUNNING'], { timeoutMs: 60_000 });
  });

  after(() => janitor.cleanUp());

  it('status shows a finished application and its diagnostics', async () => {
    const r = await spindle(['status', finished]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^Application: +${finished}$`, 'm'));
    expect(r.stdout).to.match(/^Name: +cli-apps-done$/m);
    expect(r.stdout).to.match(/^State: +FINISHED\/SUCCEEDED$/m);
    expect(r.stdout).to.match(/^Diagnostics:\n {2}all 2 container\(s\) exited 0$/m);
  });

  it('status of a running application includes its containers; --json gives the report', async () => {
    const r = await spindle(['status', running]);
    expect(r.stdout).to.match(/^State: +RUNNING$/m);
    expect(r.stdout).to.match(/^Containers: +1 running, 0 done, 0 failed, 0 starting \(of 1\)$/m);
    const j = await spindle(['status', '--json', running]);
    const doc = JSON.parse(j.stdout) as { report: { id: string; state: string }; am?: { containers?: { running: number } } };
    expect(doc.report.id).to.equal(running);
    expect(doc.am?.containers?.running).to.equal(1);
  });

  it('status of an unknown application exits 2 and says how to find ids', async () => {
    const bogus = finished.replace(/_\d+$/, '_9999');
    const r = await spindle(['status', bogus]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(
      new RegExp(`^spindle: application ${bogus}: .*not found\\n  list applications with: spindle list --all-users\\n$`),
    );
  });

  it('list shows our applications newest first, filtered by state', async () => {
    const r = await spindle(['list', '--limit', '200']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^APPLICATION +STATE +PROGRESS +STARTED +ELAPSED +NAME$/);
    const ids = lines.slice(1).map((l) => l.split(/\s+/)[0]!);
    expect(ids).to.include.members([finished, running]);
    expect(ids.indexOf(running)).to.be.lessThan(ids.indexOf(finished));
    const runningOnly = await spindle(['list', '--state', 'running', '--json']);
    const apps = JSON.parse(runningOnly.stdout) as { id: string; state: string }[];
    expect(apps.map((a) => a.id))
      .to.include(running)
      .and.not.include(finished);
    expect(new Set(apps.map((a) => a.state))).to.deep.equal(new Set(['RUNNING']));
  });

  it('logs prints every container of a finished application, the AM first', async () => {
    const r = await spindle(['logs', finished]);
    expect(r.code, r.stderr).to.equal(0);
    const headers = [
      ...r.stdout.matchAll(
        new RegExp(`^==> (container_\\S+)( \\(ApplicationMaster\\))? (stdout|stderr) on (${nodeManagerWebPattern()}) <==$`, 'gm'),
      ),
    ];
    expect(headers.map((h) => `${h[1]!.slice(-6)} ${h[3]}`)).to.deep.equal([
      '000001 stdout',
      '000001 stderr',
      '000002 stdout',
      '000002 stderr',
      '000003 stdout',
      '000003 stderr',
    ]);
    expect(headers[0]![2]).to.equal(' (ApplicationMaster)');
    expect(r.stdout).to.match(/^stdout of (container_\S+_000002)$/m);
    expect(r.stdout).to.match(/spindle-am: /);
  });

  it('logs --container --file --tail narrows it down', async () => {
    // The id as the cluster spells it: after an RM restart with recovery it carries an epoch (container_e01_...).
    const all = await spindle(['logs', finished]);
    const container = new RegExp(`container_(?:e\\d+_)?${finished.slice('application_'.length)}_01_000003`).exec(all.stdout)?.[0];
    expect(container, all.stdout).to.be.a('string');
    const r = await spindle(['logs', '--container', container!, '--file', 'stderr', '--tail', '1', finished]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^==> ${container} stderr on ${nodeManagerWebPattern()} <==\\nstderr line 2\\n$`));
  });

  it('logs --follow streams a running application until it is killed', async () => {
    let killed = false;
    const follow = spindle(['logs', '--follow', running], {
      onStdout: (all) => {
        if (!killed && (all.match(/\] tick \d+/g) ?? []).length >= 2) {
          killed = true;
          void spindle(['kill', running]);
        }
      },
    });
    const r = await follow;
    expect(killed, r.stderr).to.equal(true);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^\[container_\S+_000002\] tick 1$/m);
    expect(r.stderr).to.match(new RegExp(`${running} ended: KILLED/KILLED`));
  });

  it('kill of an application that already ended says so and exits 0', async () => {
    const r = await spindle(['kill', finished]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal(`${finished} had already ended (FINISHED/SUCCEEDED)\n`);
  });

  it('kill of a running application waits until it is KILLED', async () => {
    const bg = await spindle(['run', '--detach', '-q', '--tags', `spindle-it,${tag}`, '--', 'sleep 600']);
    janitor.add(bg.stdout.trim());
    const r = await spindle(['kill', bg.stdout.trim()]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/ killed \(was (ACCEPTED|RUNNING), now KILLED\)\n$/);
    expect((await rm.application(bg.stdout.trim())).state).to.equal('KILLED');
  });

  it('every command exits 3 naming the unreachable ResourceManager and HADOOP_CONF_DIR', async () => {
    for (const args of [
      ['list'],
      ['status', finished],
      ['run', '--', 'true'],
      ['submit', 'examples/hello-driver.mjs'],
      ['kill', finished],
      ['logs', finished],
    ]) {
      const r = await spindle(['--rm', 'http://127.0.0.1:1', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(3);
      expect(r.stderr).to.match(/^spindle: .*cannot reach the ResourceManager \(http:\/\/127\.0\.0\.1:1: ECONNREFUSED\)\n/);
      expect(r.stderr).to.match(
        /is the ResourceManager at http:\/\/127\.0\.0\.1:1 running\? Its address comes from yarn\.resourcemanager\.webapp\.address in HADOOP_CONF_DIR=\S+; override it with --rm <url>\n$/,
      );
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace without --verbose
    }
  });
});
