import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppJanitor, clusterClients, nodeManagerWebPattern, spindle, uniqueTag } from './cli-helpers.js';

/**
 * `spindle run` end to end on the real cluster, through the built CLI: live container output,
 * exit codes, failures explained (node, words, stderr tail), memory kills, shipped files and the
 * HDFS cache, Ctrl-C, --timeout, --detach. Tagged [rpc]: the AM path must also work under privacy.
 */
describe('[rpc] spindle run', function () {
  this.timeout(300_000);
  const tag = uniqueTag('spindle-it-cli-run');
  const janitor = new AppJanitor();
  const { rm, hdfs, config } = clusterClients();
  const run = async (args: string[], options: Parameters<typeof spindle>[1] = {}) => {
    const r = await spindle(['run', '--tags', `spindle-it,${tag}`, ...args], options);
    janitor.add(...r.appIds);
    return r;
  };

  after(async () => {
    await janitor.cleanUp();
    hdfs.close();
  });

  it('runs `true` in 4 containers, exit 0, with the id, tracking URL and startup timeline on stderr', async () => {
    const started = Date.now();
    const r = await run(['-n', '4', '--', 'true']);
    const took = Date.now() - started;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.appIds).to.have.length(1);
    expect(r.stderr).to.match(new RegExp(`${r.appIds[0]} submitted \\(tracking URL http://[^/]+/proxy/${r.appIds[0]}/\\)`));
    expect(r.stderr).to.match(/FINISHED\/SUCCEEDED in /);
    expect(r.stderr).to.match(/timeline \(ms since submit\): accepted \+\d+, AM container launched \+\d+, .*finished \+\d+/);
    expect(r.stdout).to.equal('');
    console.log(`      spindle run -n 4 -- true: ${took} ms end to end; ${/timeline.*/.exec(r.stderr)![0]}`);
  });

  it("prints each container's stdout and stderr prefixed by its container id", async () => {
    const r = await run(['-n', '2', '--', 'echo "out of $CONTAINER_ID"; echo "err of $CONTAINER_ID" >&2']);
    expect(r.code, r.stderr).to.equal(0);
    const outLines = r.stdout.trim().split('\n').sort();
    expect(outLines).to.have.length(2);
    for (const line of outLines) {
      const m = /^\[(container_\S+)\] out of (container_\S+)$/.exec(line);
      expect(m, line).to.not.equal(null);
      expect(m![1]).to.equal(m![2]);
    }
    expect(r.stderr.match(/^\[(container_\S+)\] err of \1$/gm)).to.have.length(2);
  });

  it('shows output while the container runs, not only at the end', async () => {
    let earlyAt = 0;
    const r = await run(['--', 'echo early; sleep 8; echo late'], {
      onStdout: (all) => {
        if (!earlyAt && all.includes('] early\n')) earlyAt = Date.now();
      },
    });
    const endAt = Date.now();
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^\[container_\S+\] early\n\[container_\S+\] late\n$/);
    expect(earlyAt, 'the first line arrived while the CLI ran').to.be.greaterThan(0);
    expect(endAt - earlyAt, 'ms between the first line and the end').to.be.greaterThan(6000);
  });

  it('fails with exit 1 when a container exits 3, naming its node, the exit in words and its stderr tail', async () => {
    const r = await run(['-n', '2', '--', 'echo "about to fail" >&2; case $CONTAINER_ID in *2) exit 3;; esac; sleep 3']);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/FINISHED\/FAILED in /);
    expect(r.stderr).to.match(
      new RegExp(
        `container_\\S+_000002 on ${nodeManagerWebPattern()} exited with code 3\\n  last 1 line\\(s\\) of its stderr:\\n  \\| about to fail`,
      ),
    );
  });

  it('removes the staging directory of an application whose AM never started', async () => {
    const r = await run(['--node', '/nonexistent/spindle-it/node', '--max-attempts', '1', '--', 'true']);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.appIds).to.have.length(1);
    expect(r.stderr).to.match(/FAILED/);
    expect(await hdfs.exists(`/user/${config.user}/.spindle/${r.appIds[0]}`), 'staging directory left behind').to.equal(false);
  });

  it('--max-failures tolerates and replaces a failed container, exit 0, and still shows the failure', async () => {
    const r = await run([
      '-n',
      '2',
      '--max-failures',
      '1',
      '--',
      'case $CONTAINER_ID in *_000002) echo "doomed" >&2; exit 5;; esac; sleep 1',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/FINISHED\/SUCCEEDED in /);
    expect(r.stderr).to.match(
      new RegExp(
        `1 container failure\\(s\\) were tolerated \\(--max-failures\\) and their containers replaced:\\ncontainer_\\S+_000002 on ${nodeManagerWebPattern()} exited with code 5\\n  last 1 line\\(s\\) of its stderr:\\n  \\| doomed`,
      ),
    );
  });

  it('says a container exceeded its physical memory limit and which option to raise', async () => {
    // ~400 MB of Buffers (outside the JS heap, so NODE_OPTIONS cannot stop it) in a 256 MB container.
    const hog = "node -e 'const a=[]; for(let i=0;i<40;i++){a.push(Buffer.alloc(10*1024*1024,1));} setTimeout(()=>{},20000)'";
    const r = await run(['--memory', '256m', '--', hog]);
    expect(
      r.code,
      `the NodeManager did not kill the container (exit ${r.code}); a NodeManager with yarn.nodemanager.resource.memory.enforced=true ` +
        '(the default) and no cgroups never applies its pmem check. stderr:\n' +
        r.stderr,
    ).to.equal(1);
    expect(r.stderr).to.match(
      new RegExp(
        `container_\\S+ on ${nodeManagerWebPattern()} was killed by YARN: it exceeded its physical memory limit of 256 MB \\(it used [\\d.]+ MB\\); raise --memory`,
      ),
    );
  });

  it('rejects --memory above the cluster maximum before submitting anything', async () => {
    const r = await run(['--memory', '5g', '--', 'true']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      'spindle: --memory of 5120 MB is more than the cluster allows (4096 MB, yarn.scheduler.maximum-allocation-mb): lower --memory\n',
    );
    expect(r.appIds).to.deep.equal([]);
    expect(await rm.list({ tags: [`${tag}-none`] })).to.deep.equal([]);
  });

  it('ships --file and --archive (unpacked) and --env into every container, through the HDFS cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spindle-it-ship-'));
    const unique = `${tag}-${Date.now()}`;
    writeFileSync(join(dir, 'data.txt'), `data ${unique}\n`);
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', 'inner.txt'), 'inside the archive\n');
    execFileSync('tar', ['czf', join(dir, 'pkg.tgz'), '-C', dir, 'pkg']);
    const args = [
      '-v',
      '--file',
      `${join(dir, 'data.txt')}#input.txt`,
      '--archive',
      `${join(dir, 'pkg.tgz')}#deps`,
      '--env',
      'GREETING=hello there',
      // NAME alone: the value comes from the client's environment, never from the command line.
      '--env',
      'SPINDLE_IT_SECRET',
      '--',
      'cat input.txt deps/pkg/inner.txt; echo "$GREETING"; echo "$SPINDLE_IT_SECRET"; echo "$NODE_OPTIONS"',
    ];
    const secret = `not on any command line ${unique}`;
    const first = await run(args, { env: { SPINDLE_IT_SECRET: secret } });
    expect(first.code, first.stderr).to.equal(0);
    const out = first.stdout.replace(/^\[container_\S+\] /gm, '');
    expect(out).to.equal(`data ${unique}\ninside the archive\nhello there\n${secret}\n--max-old-space-size=160\n`);
    expect(first.stderr).to.match(/uploaded \S+data\.txt as \/user\/\S+\/\.spindle\/cache\/[0-9a-f]{64}\n/);
    expect(first.stderr).to.match(/uploaded \S+pkg\.tgz as \/user\/\S+\/\.spindle\/cache\/[0-9a-f]{64}\.tgz\n/);
    // The second time nothing is uploaded: the AM bundle, the script and both files come from the cache.
    const second = await run(args, { env: { SPINDLE_IT_SECRET: secret } });
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.not.match(/uploaded /);
    expect(second.stderr).to.match(/cache: 4 file\(s\) already on HDFS, 0 uploaded/);
    const cached = /cached \S+data\.txt as (\S+)/.exec(second.stderr)![1]!;
    expect((await hdfs.getFileStatus(cached)).length).to.equal(`data ${unique}\n`.length);
    expect(config.user).to.be.a('string');
  });

  it('ships an HDFS file whose name holds ?, %, # (with an alias), spaces and non-ASCII', async () => {
    const dir = `/user/${config.user}/${tag}-names`;
    const name = '50% off? #1 ünï.txt';
    await hdfs.mkdirs(dir);
    await hdfs.create(`${dir}/${name}`, `odd name ${tag}\n`, { overwrite: true });
    try {
      const r = await run(['--file', `hdfs://${dir}/${name}#odd.txt`, '--', 'cat odd.txt']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout.replace(/^\[container_\S+\] /gm, '')).to.equal(`odd name ${tag}\n`);
    } finally {
      await hdfs.delete(dir, { recursive: true });
    }
  });

  it("--ship-node runs the containers' node commands with this machine's Node, from the NodeManager's cache", async () => {
    const r = await run(['--ship-node', '--', 'node -e "console.log(process.execPath, process.version)"']);
    expect(r.code, r.stderr).to.equal(0);
    // The binary is localized once per user (PRIVATE visibility) under its content hash.
    expect(r.stdout).to.match(
      new RegExp(`^\\[container_\\S+\\] \\S+/usercache/[^/]+/filecache/\\d+/[0-9a-f]{64} ${process.version.replace(/\./g, '\\.')}\n$`),
    );
  });

  it('--json prints a machine-readable summary on stdout', async () => {
    const r = await run(['--json', '-n', '2', '--', 'true']);
    expect(r.code, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout) as {
      appId: string;
      finalStatus: string;
      exitCode: number;
      timeline: Record<string, number>;
      failures: unknown[];
    };
    expect(doc.appId).to.equal(r.appIds[0]);
    expect(doc.finalStatus).to.equal('SUCCEEDED');
    expect(doc.exitCode).to.equal(0);
    expect(doc.failures).to.deep.equal([]);
    expect(doc.timeline.finished).to.be.greaterThan(doc.timeline.submitted!);
  });

  it('kills the application on Ctrl-C and says so', async () => {
    let sent = false;
    const r = await run(['-n', '1', '--', 'sleep 600'], {
      onStderr: (all, child) => {
        if (!sent && /containers: 1 running/.test(all)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent, r.stderr).to.equal(true);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/interrupted: killing application_\S+ \(use --detach to leave it running\)\n/);
    expect(r.stderr).to.match(/application_\S+ KILLED\n/);
    expect((await rm.application(r.appIds[0]!)).state).to.equal('KILLED');
  });

  it('kills the application after --timeout', async () => {
    const r = await run(['--timeout', '4s', '--', 'sleep 600']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/timed out after 4\.0s: killing application_\S+/);
    expect((await rm.application(r.appIds[0]!)).state).to.equal('KILLED');
  });

  it('--detach prints the id on stdout and leaves the application running', async () => {
    const r = await run(['--detach', '--', 'sleep 600']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(r.appIds[0]);
    const state = (await rm.application(r.appIds[0]!)).state;
    expect(['ACCEPTED', 'RUNNING', 'SUBMITTED']).to.include(state);
  });
});
