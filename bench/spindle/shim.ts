/**
 * A stand-in command line for what the benchmark needs from Spindle while `spindle` itself lacks it,
 * built on the client library only, and run as its own process so that Node's start-up and module
 * loading are timed as a user would pay them:
 *
 *   node dist/bench/spindle/shim.js run <containers> <memoryMb> -- <command...>
 *   node dist/bench/spindle/shim.js put <local file> <hdfs path>
 *   node dist/bench/spindle/shim.js cat <hdfs path>            (bytes to stdout, length checked)
 *
 * The configuration comes from HADOOP_CONF_DIR, as for the CLI. Exit status 0 on success.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { submitShellApp, waitForEnd } from '../../client/index.js';
import { loadClientConfig } from '../../protocols/hadoop-conf/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';

/** The same read size bench/webhdfs.ts uses for the local file. */
const LOCAL_READ_CHUNK = 1024 * 1024;

async function main(argv: string[]): Promise<number> {
  const config = loadClientConfig({ env: process.env });
  const hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
  try {
    const [verb, ...rest] = argv;
    switch (verb) {
      case 'run': {
        const [containers, memoryMb, dashes, ...command] = rest;
        if (dashes !== '--' || command.length === 0) throw new Error('usage: run <containers> <memoryMb> -- <command...>');
        const rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user });
        const app = await submitShellApp(
          { config, rm, hdfs },
          { command, containers: Number(containers), memoryMb: Number(memoryMb), name: 'bench-shell' },
        );
        console.error(`submitted ${app.appId}`);
        const report = await waitForEnd({ rm, hdfs, user: config.user }, app.appId);
        console.error(`${app.appId} ${report.state} ${report.finalStatus}`);
        return report.finalStatus === 'SUCCEEDED' ? 0 : 1;
      }
      case 'put': {
        const [local, remote] = rest;
        if (!local || !remote) throw new Error('usage: put <local file> <hdfs path>');
        await hdfs.create(remote, createReadStream(local, { highWaterMark: LOCAL_READ_CHUNK }), { overwrite: true });
        return 0;
      }
      case 'cat': {
        const [remote] = rest;
        if (!remote) throw new Error('usage: cat <hdfs path>');
        const { length } = await hdfs.getFileStatus(remote);
        let bytes = 0;
        const source = await hdfs.open(remote);
        source.on('data', (c: Buffer) => (bytes += c.length));
        await pipeline(source, process.stdout);
        if (bytes !== length) throw new Error(`cat ${remote}: read ${bytes} bytes of ${length}`);
        return 0;
      }
      default:
        throw new Error(`unknown verb ${verb ?? '(none)'}: run, put or cat`);
    }
  } finally {
    hdfs.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
