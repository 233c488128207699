/**
 * Static checks of docker-compose.yml (no Docker engine needed): it must agree with what
 * docs/docker.md tells users, with docker/conf, and with the NodeManager Dockerfile. Expected
 * values are read from the documentation, so the two cannot drift apart silently.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadClientConfig, loadConfiguration, parseHostPort, type ClientConfig } from '../../protocols/hadoop-conf/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
const EXPECTED_SERVICES = ['namenode', 'datanode', 'resourcemanager', 'nodemanager1', 'nodemanager2'];

interface ComposeService {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  hostname?: string;
  environment?: Record<string, string> | string[];
  ports?: Array<string | { target: number; published: number | string }>;
  volumes?: Array<string | { type: string; source: string }>;
}

/** One row of the "What it starts" table in docs/docker.md. */
interface DocumentedService {
  image: string | undefined;
  dockerfile: string | undefined;
  baseImage: string | undefined;
  nodeMajor: number | undefined;
  hostPorts: number[];
}

function documentedServices(markdown: string): Map<string, DocumentedService> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('What it starts'));
  expect(section, 'docs/docker.md has a "What it starts" section').to.be.a('string');
  const rows = new Map<string, DocumentedService>();
  for (const line of section!.split('\n')) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const name = /^`([a-z0-9-]+)`$/.exec(cells[0] ?? '')?.[1];
    if (name === undefined || cells.length < 3) continue;
    const imageCell = cells[1]!;
    const built = /built from `([^`]+)`/.exec(imageCell);
    const node = /Node\.js (\d+)/.exec(imageCell);
    rows.set(name, {
      image: built ? undefined : /`([^`]+)`/.exec(imageCell)?.[1],
      dockerfile: built?.[1],
      baseImage: built ? /`(apache\/hadoop:[^`]+)`/.exec(imageCell)?.[1] : undefined,
      nodeMajor: node ? Number(node[1]) : undefined,
      hostPorts: (cells[2]!.match(/\d+/g) ?? []).map(Number),
    });
  }
  return rows;
}

/** Host and container port of each published port, short or long syntax. */
function publishedPorts(service: ComposeService): Array<{ host: number; container: number }> {
  return (service.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { host: Number(p.published), container: Number(p.target) };
    const parts = p.split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)!.split('/')[0]) };
  });
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

function dockerfileOf(service: ComposeService): string {
  const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
  return join(build.context, build.dockerfile ?? 'Dockerfile');
}

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;
  let docs: Map<string, DocumentedService>;
  let conf: ClientConfig;

  before(() => {
    services = (parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> }).services;
    docs = documentedServices(read('docs/docker.md'));
    conf = loadClientConfig({ env: {}, confDir: join(repoRoot, 'docker', 'conf'), user: 'hadoop' });
  });

  it('defines exactly the five documented services, each with its own host name', () => {
    expect(Object.keys(services)).to.have.members(EXPECTED_SERVICES);
    expect([...docs.keys()]).to.have.members(EXPECTED_SERVICES);
    for (const name of EXPECTED_SERVICES) expect(services[name]!.hostname, name).to.equal(name);
  });

  it('uses the images and builds the documentation names', () => {
    for (const [name, documented] of docs) {
      const service = services[name]!;
      if (documented.dockerfile === undefined) {
        expect(service.image, name)
          .to.equal(documented.image)
          .and.to.match(/^apache\/hadoop:3\.4\.\d+$/);
        expect(service.build, name).to.equal(undefined);
      } else {
        expect(dockerfileOf(service), name).to.equal(join('.', documented.dockerfile));
        const from = /^FROM\s+(\S+)/m.exec(read(documented.dockerfile))?.[1];
        expect(from, `${documented.dockerfile} FROM`).to.equal(documented.baseImage);
      }
    }
  });

  it('publishes the documented ports, each on the same number inside the container', () => {
    for (const [name, documented] of docs) {
      const ports = publishedPorts(services[name]!);
      expect(
        ports.map((p) => p.host),
        name,
      ).to.have.members(documented.hostPorts);
      // Clients follow addresses the daemons advertise (datanode:9864, nodemanager2:8052).
      for (const p of ports) expect(p.container, `${name} ${p.host}`).to.equal(p.host);
    }
  });

  it('mounts only paths that exist in the repository, and builds from existing Dockerfiles', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : volume.source;
        if (!/^[./]/.test(source)) continue; // a named volume
        expect(existsSync(resolve(repoRoot, source)), `${name} mounts ${source}`).to.equal(true);
      }
      if (service.build !== undefined) {
        expect(statSync(resolve(repoRoot, dockerfileOf(service))).isFile(), `${name} Dockerfile`).to.equal(true);
      }
    }
  });

  it('installs the documented Node.js major (>= 20) in the NodeManager image', () => {
    for (const name of ['nodemanager1', 'nodemanager2']) {
      const documented = docs.get(name)!;
      const dockerfile = read(dockerfileOf(services[name]!));
      const version = /^ARG NODE_VERSION=(\d+)\.(\d+)\.(\d+)\s*$/m.exec(dockerfile);
      expect(version, 'ARG NODE_VERSION=x.y.z').to.not.equal(null);
      const major = Number(version![1]);
      expect(major).to.be.at.least(20);
      expect(documented.nodeMajor, `${name} documented Node.js major`).to.equal(major);
      expect(dockerfile).to.match(/node-v\$\{NODE_VERSION\}-linux-/);
      expect(dockerfile).to.contain('sha256sum -c');
    }
  });

  it("links node into a directory on the containers' PATH (yarn.nodemanager.admin-env)", () => {
    const dockerfile = read('docker/nodemanager/Dockerfile');
    const link = /ln -sf \S+\/bin\/node (\S+)\/node\b/.exec(dockerfile);
    expect(link, 'Dockerfile links node into a bin directory').to.not.equal(null);
    const adminEnv = conf.conf.getTrimmed('yarn.nodemanager.admin-env') ?? '';
    const path = /(?:^|,)PATH=([^,]*)/.exec(adminEnv)?.[1]?.split(':') ?? [];
    expect(path).to.include(link![1]);
    expect(conf.conf.getTrimmedStrings('yarn.nodemanager.env-whitelist')).to.include('PATH');
  });

  it('configures the NodeManagers for Node containers and the scheduler for a small cluster', () => {
    expect(conf.conf.getBoolean('yarn.nodemanager.vmem-check-enabled', true)).to.equal(false);
    expect(conf.conf.getBoolean('yarn.nodemanager.pmem-check-enabled', false)).to.equal(true);
    const scheduler = loadConfiguration(join(repoRoot, 'docker', 'conf'), { files: ['capacity-scheduler.xml'] });
    expect(Number(scheduler.getTrimmed('yarn.scheduler.capacity.maximum-am-resource-percent'))).to.be.greaterThan(0.1);
  });

  it('advertises NameNode, DataNode and ResourceManager addresses that reach the published ports', () => {
    const published = (name: string): number[] => publishedPorts(services[name]!).map((p) => p.host);
    const nn = new URL(conf.hdfs.nameNodeHttpUrls[0]!);
    expect(nn.hostname).to.equal(services.namenode!.hostname);
    expect(published('namenode')).to.include(Number(nn.port));
    const rm = new URL(conf.yarn.rmWebUrls[0]!);
    expect(rm.hostname).to.equal(services.resourcemanager!.hostname);
    expect(published('resourcemanager')).to.include(Number(rm.port));
    // WebHDFS redirects to dfs.datanode.hostname and the DataNode's http port.
    expect(conf.conf.getTrimmed('dfs.datanode.hostname')).to.equal(services.datanode!.hostname);
    const dnHttp = parseHostPort(conf.conf.getTrimmed('dfs.datanode.http.address')!, 'dfs.datanode.http.address');
    expect(published('datanode')).to.include(dnHttp.port);
  });

  it('gives each NodeManager the web port it publishes, through NM_WEBAPP_PORT', () => {
    for (const name of ['nodemanager1', 'nodemanager2']) {
      const service = services[name]!;
      const env = environmentOf(service);
      const nmConf = loadConfiguration(join(repoRoot, 'docker', 'conf'), { env });
      const address = parseHostPort(nmConf.getTrimmed('yarn.nodemanager.webapp.address')!, 'yarn.nodemanager.webapp.address');
      expect(
        publishedPorts(service).map((p) => p.container),
        name,
      ).to.deep.equal([address.port]);
    }
  });

  it('lists every advertised host name in the documented /etc/hosts line', () => {
    const hostsLine = read('docs/docker.md')
      .split('\n')
      .find((l) => /^127\.0\.0\.1\s/.test(l));
    expect(hostsLine, 'docs/docker.md shows a "127.0.0.1 ..." hosts line').to.be.a('string');
    const names = hostsLine!.trim().split(/\s+/).slice(1);
    expect(names).to.have.members(Object.values(services).map((s) => s.hostname!));
  });
});
