/**
 * The DataNode stopped in the middle of a read (scripts/cluster stop datanode): the reader gets a
 * ConnectionError naming OPEN and the path, never a hang. The DataNode is always started again and
 * HDFS checked healthy (a write and a read succeed) before the test ends.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { randomStream } from '../../bench/lib/random-stream.js';
import { ConnectionError } from '../../protocols/errors/index.js';
import { DEFAULT_IDLE_TIMEOUT_MS, WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { repoRoot, testCluster } from './cluster.js';

const cluster = testCluster();
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const SEED = 'webhdfs-datanode-stop';

async function clusterCommand(...args: string[]): Promise<void> {
  await promisify(execFile)(join(repoRoot, 'scripts', 'cluster'), args, {
    timeout: 180_000,
    env: { ...process.env, SPINDLE_CLUSTER_DIR: dirname(cluster.confDir) },
  });
}

/** Poll until a small file can be written and read back (the DataNode re-registered). */
async function waitUntilHdfsWorks(hdfs: WebHdfsClient, probe: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await hdfs.create(probe, 'probe', { overwrite: true });
      const back = Buffer.concat(await (await hdfs.open(probe)).toArray()).toString();
      if (back === 'probe') return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`HDFS not healthy ${timeoutMs} ms after restarting the DataNode: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('webhdfs when the DataNode stops mid-read', () => {
  const hdfs = new WebHdfsClient({ nameNodes: [cluster.nameNodeHttp], user: cluster.user });
  const base = `/tmp/spindle-it-webhdfs-dn-${process.pid}-${Date.now()}`;
  const file = `${base}/data.bin`;
  let expected = '';

  before(async () => {
    const hash = createHash('sha256');
    const source = (async function* () {
      for await (const chunk of randomStream(SEED, SIZE) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        yield chunk;
      }
    })();
    await hdfs.create(file, source);
    expected = hash.digest('hex');
  });

  after(async () => {
    await hdfs.delete(base, { recursive: true });
    hdfs.close();
  });

  it('fails the read with a ConnectionError naming OPEN and the path, then recovers', async () => {
    const stream = await hdfs.open(file);
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let received = 0;
    while (received < 16 * MiB) received += (await chunks.next()).value.length;

    try {
      await clusterCommand('stop', 'datanode');
      const resumed = performance.now();
      let failure: unknown;
      try {
        for (let r = await chunks.next(); !r.done; r = await chunks.next()) received += r.value.length;
      } catch (err) {
        failure = err;
      }
      const waited = performance.now() - resumed;

      expect(failure, 'the read must fail, not end quietly').to.be.instanceOf(ConnectionError);
      const err = failure as ConnectionError;
      expect(err.message).to.match(
        new RegExp(
          `^OPEN ${file}: connection to DataNode ${cluster.dataNodeHttp.replace(/\./g, '\\.')} broke after \\d+ of ${SIZE} bytes \\(`,
        ),
      );
      expect(err.operation).to.equal('OPEN');
      expect(err.path).to.equal(file);
      expect(received).to.be.below(SIZE);
      // Detected from the closed connection, not by waiting for the idle timer.
      expect(waited).to.be.below(DEFAULT_IDLE_TIMEOUT_MS / 2);

      // While it is down, new data requests fail promptly and clearly too.
      const open = await hdfs.open(file).then(
        () => expect.fail('open should fail while the DataNode is down'),
        (e: unknown) => e as Error,
      );
      expect(open).to.be.instanceOf(ConnectionError);
      expect(open.message).to.equal(`OPEN ${file}: connection refused by ${cluster.dataNodeHttp}`);
      const create = await hdfs.create(`${base}/new`, 'x').then(
        () => expect.fail('create should fail while the DataNode is down'),
        (e: unknown) => e as Error,
      );
      expect(create).to.be.instanceOf(ConnectionError);
      expect(create.message).to.equal(`CREATE ${base}/new: connection refused by ${cluster.dataNodeHttp}`);
    } finally {
      await clusterCommand('start', 'datanode');
      await waitUntilHdfsWorks(hdfs, `${base}/probe`);
    }

    // The data survived the restart.
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of (await hdfs.open(file)) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    expect(bytes).to.equal(SIZE);
    expect(hash.digest('hex')).to.equal(expected);
  });
});
