/**
 * Static checks of the compose cluster (no Docker engine needed): docker-compose.yml, the configuration
 * scripts/compose writes for it (`scripts/compose conf`), the image's Dockerfile and docs/docker.md must
 * agree, since a client on the host follows the addresses the daemons advertise.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadClientConfig, parseHostPort, type ClientConfig } from '../../protocols/hadoop-conf/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
const WORKERS = ['worker1', 'worker2', 'worker3'];
const SERVICES = ['namenode', 'resourcemanager', ...WORKERS];

interface ComposeService {
  image?: string;
  hostname?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  networks?: { default?: { ipv4_address?: string } };
}

/** docker-compose.yml's `${VAR:-default}` and `${VAR:?message}` with the variables scripts/compose sets. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Z_]+)(?::[-?]([^}]*))?\}/g,
    (_m, name: string, fallback: string | undefined) => vars[name] ?? fallback ?? '',
  );
}

describe('docker-compose.yml and scripts/compose', () => {
  let dir: string;
  let services: Record<string, ComposeService>;
  let subnet: string;
  let client: ClientConfig;
  let workers: ClientConfig[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-compose-'));
    execFileSync(join(repoRoot, 'scripts', 'compose'), ['conf'], {
      env: { ...process.env, SPINDLE_COMPOSE_DIR: dir, SPINDLE_COMPOSE_SUBNET: '10.99.7', HADOOP_USER_NAME: 'alice' },
      stdio: 'pipe',
    });
    const yaml = interpolate(read('docker-compose.yml'), { SPINDLE_COMPOSE_DIR: dir, SPINDLE_COMPOSE_SUBNET: '10.99.7' });
    const doc = parse(yaml) as {
      services: Record<string, ComposeService>;
      networks: { default: { ipam: { config: { subnet: string }[] } } };
    };
    services = doc.services;
    subnet = doc.networks.default.ipam.config[0]!.subnet;
    client = loadClientConfig({ env: {}, confDir: join(dir, 'conf'), user: 'alice' });
    workers = [1, 2, 3].map((i) => loadClientConfig({ env: {}, confDir: join(dir, `nm${i}`, 'conf'), user: 'alice' }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const addressOf = (service: string): string => services[service]!.networks!.default!.ipv4_address!;

  it('runs a NameNode, a ResourceManager and three worker hosts, each its own host with a fixed address on the network', () => {
    expect(Object.keys(services)).to.have.members(SERVICES);
    expect(subnet).to.equal('10.99.7.0/24');
    const addresses = SERVICES.map(addressOf);
    expect(new Set(addresses).size).to.equal(SERVICES.length);
    // A worker's host name is its address (its NodeManager names its node by that); the others' is the service's name.
    for (const name of SERVICES) {
      expect(services[name]!.hostname, name).to.equal(WORKERS.includes(name) ? addressOf(name) : name);
      expect(addressOf(name), name).to.match(/^10\.99\.7\.\d+$/);
      expect(services[name]!.image, name).to.equal(services.namenode!.image);
    }
    expect(services.namenode!.command).to.deep.equal(['namenode']);
    expect(services.resourcemanager!.command).to.deep.equal(['resourcemanager']);
    for (const w of WORKERS) expect(services[w]!.command, w).to.deep.equal(['worker']);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, name).to.match(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('gives the client the NameNode and ResourceManager at their containers’ addresses', () => {
    expect(new URL(client.hdfs.nameNodeHttpUrls[0]!).hostname).to.equal(addressOf('namenode'));
    expect(client.hdfs.defaultFs).to.equal(`hdfs://${addressOf('namenode')}:8020`);
    expect(new URL(client.yarn.rmWebUrls[0]!).hostname).to.equal(addressOf('resourcemanager'));
    expect(client.yarn.rmSchedulerAddresses[0]).to.equal(`${addressOf('resourcemanager')}:8030`);
    // The client's user is an HDFS superuser, as on the single-host cluster.
    expect(client.conf.getTrimmed('hadoop.user.group.static.mapping.overrides')).to.match(/(^|;)alice=supergroup(;|$)/);
  });

  it("names each worker's DataNode and NodeManager by the worker's address, so that block hosts are node names", () => {
    WORKERS.forEach((w, i) => {
      const conf = workers[i]!.conf;
      expect(conf.getTrimmed('dfs.datanode.hostname'), w).to.equal(addressOf(w));
      expect(conf.getTrimmed('yarn.nodemanager.hostname'), w).to.equal(addressOf(w));
      for (const key of ['yarn.nodemanager.address', 'yarn.nodemanager.webapp.address']) {
        expect(parseHostPort(conf.getTrimmed(key)!, key).host, `${w} ${key}`).to.equal(addressOf(w));
      }
      expect(conf.getTrimmed('yarn.nodemanager.bind-host'), w).to.equal('0.0.0.0');
    });
    // Distinct NodeManager ports, as on the single-host cluster (tests tell NodeManagers by port).
    const ports = workers.map((c) => parseHostPort(c.conf.getTrimmed('yarn.nodemanager.address')!, 'address').port);
    expect(new Set(ports).size).to.equal(3);
  });

  it("mounts each worker's directory at the same path as on the host, with its configuration", () => {
    WORKERS.forEach((w, i) => {
      const volumes = services[w]!.volumes ?? [];
      expect(volumes, w).to.include(`${dir}/nm${i + 1}/conf:/opt/hadoop/etc/hadoop:ro`);
      expect(volumes, w).to.include(`${dir}/nm${i + 1}:${dir}/nm${i + 1}`);
      const conf = workers[i]!.conf;
      expect(conf.getTrimmed('yarn.nodemanager.local-dirs'), w).to.equal(`${dir}/nm${i + 1}/local`);
      expect(conf.getTrimmed('yarn.nodemanager.log-dirs'), w).to.equal(`${dir}/nm${i + 1}/logs`);
    });
    for (const name of ['namenode', 'resourcemanager']) {
      expect(services[name]!.volumes, name).to.deep.equal([`${dir}/conf:/opt/hadoop/etc/hadoop:ro`]);
    }
  });

  it("puts the image's node on every container's PATH (yarn.nodemanager.admin-env)", () => {
    const target = /^COPY \.stage\/node (\S+)\/node$/m.exec(read('docker/hadoop/Dockerfile'));
    expect(target, 'Dockerfile copies node into a bin directory').to.not.equal(null);
    for (const c of workers) {
      const path = /(?:^|,)PATH=([^,]*)/.exec(c.conf.getTrimmed('yarn.nodemanager.admin-env') ?? '')?.[1]?.split(':') ?? [];
      expect(path).to.include(target![1]);
      expect(c.conf.getBoolean('yarn.nodemanager.vmem-check-enabled', true)).to.equal(false);
    }
  });

  it('is described service by service in docs/docker.md', () => {
    const section = read('docs/docker.md')
      .split(/^## /m)
      .find((s) => s.startsWith('What it starts'));
    expect(section, 'docs/docker.md has a "What it starts" section').to.be.a('string');
    const documented = [...section!.matchAll(/^\| `([a-z0-9]+)` \|/gm)].map((m) => m[1]);
    expect(documented).to.have.members(SERVICES);
  });
});
