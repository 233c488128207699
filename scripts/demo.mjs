#!/usr/bin/env node
// `npm run demo`: bring up the local cluster and run something real on it through Spindle.
// 1. a round trip through the WebHDFS client; 2. a command in 4 YARN containers through Spindle's AM,
// each writing a greeting into HDFS, which the demo then prints.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const up = spawnSync(join(repo, 'scripts', 'cluster'), ['up'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (up.status !== 0) process.exit(up.status ?? 1);
process.env.HADOOP_CONF_DIR ??= join(repo, '.cluster', 'conf');

const { loadClientConfig } = await import('../dist/protocols/hadoop-conf/index.js');
const { WebHdfsClient } = await import('../dist/protocols/webhdfs/index.js');
const { RmRestClient } = await import('../dist/protocols/rm-rest/index.js');
const { submitShellApp, waitForEnd } = await import('../dist/client/index.js');

const config = loadClientConfig({ env: process.env });
const hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
const rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user });
const dir = `/user/${config.user}/spindle-demo`;
await hdfs.delete(dir, { recursive: true });
await hdfs.mkdirs(dir);

const text = 'Spindle wrote this through WebHDFS.\n';
await hdfs.create(`${dir}/hello.txt`, text);
let back = '';
for await (const chunk of await hdfs.open(`${dir}/hello.txt`)) back += chunk;
console.log(`WebHDFS round trip: ${JSON.stringify(back)} (${back === text ? 'identical' : 'DIFFERENT'})`);

const script = `
const h = require('http'), e = process.env;
const msg = 'hello from ' + e.CONTAINER_ID + ' on NodeManager port ' + e.NM_PORT + '\\n';
const put = (u, body, cb) => { const r = h.request(u, { method: 'PUT' }, (res) => { let d = '';
  res.on('data', (c) => (d += c)); res.on('end', () => cb(res.statusCode, d)); }); r.on('error', () => process.exit(3)); r.end(body); };
put(e.NN + '/webhdfs/v1' + e.OUT + '/' + e.CONTAINER_ID + '?op=CREATE&noredirect=true&user.name=' + e.HU, '',
  (s, d) => put(JSON.parse(d).Location, msg, (s2) => process.exit(s2 === 201 ? 0 : 2)));`;
const t0 = Date.now();
const app = await submitShellApp({ config, rm, hdfs }, {
  command: ['node', '-e', script],
  containers: 4,
  memoryMb: 256,
  name: 'spindle-demo',
  environment: { NN: config.hdfs.nameNodeHttpUrls[0], OUT: dir, HU: config.user },
});
console.log(`submitted ${app.appId}; waiting for it to finish`);
const report = await waitForEnd({ rm, hdfs, user: config.user }, app.appId, {
  onChange: (r) => console.log(`  ${r.state}${r.finalStatus !== 'UNDEFINED' ? ` (${r.finalStatus})` : ''}`),
});
console.log(`finished in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${report.finalStatus}`);
for (const f of await hdfs.listStatus(dir)) {
  if (!f.name.startsWith('container_')) continue;
  let line = '';
  for await (const chunk of await hdfs.open(`${dir}/${f.name}`)) line += chunk;
  process.stdout.write(`  ${line}`);
}
hdfs.close();
process.exit(report.finalStatus === 'SUCCEEDED' ? 0 : 1);
