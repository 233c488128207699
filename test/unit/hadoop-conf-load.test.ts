import { expect } from 'chai';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../protocols/errors/index.js';
import { loadClientConfig, loadConfiguration } from '../../protocols/hadoop-conf/index.js';

// This file runs from dist/test/unit/; fixtures stay in the source tree.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const fixture = (name: string): string => join(repoRoot, 'test', 'fixtures', 'hadoop-conf', name);
const sys = { 'user.name': 'javauser' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('hadoop-conf loading site files', () => {
  it('layers core-site, hdfs-site and yarn-site with final, trimming and expansion', () => {
    const conf = loadConfiguration(fixture('basic'), { systemProperties: sys, env: {} });
    expect(conf.get('spindle.test.overridden')).to.equal('from-yarn');
    expect(conf.get('spindle.test.locked')).to.equal('from-core');
    expect(conf.sourceOf('spindle.test.locked')).to.equal(join(fixture('basic'), 'core-site.xml'));
    expect(conf.ignoredOverrides.map((o) => o.source)).to.deep.equal([
      join(fixture('basic'), 'hdfs-site.xml'),
      join(fixture('basic'), 'yarn-site.xml'),
      join(fixture('basic'), 'yarn-site.xml'),
    ]);
    expect(conf.get('spindle.test.not-final')).to.equal('from-hdfs'); // "<final> true </final>" is not final
    expect(conf.get('spindle.test.emptied')).to.equal('from-core'); // an empty <value> overrides nothing
    expect(conf.get('spindle.test.attribute')).to.equal('attr-value');
    expect(conf.get('spindle.test.padded')).to.equal('  padded value  ');
    expect(conf.getTrimmed('spindle.test.padded')).to.equal('padded value');
    expect(conf.get('spindle.test.entities')).to.equal('a & b <c> <d>');
    expect(conf.get('hadoop.tmp.dir')).to.equal('/data/tmp-javauser');
  });

  it('expands ${env.X} from the map it is given, and only from it', () => {
    const without = loadConfiguration(fixture('basic'), { env: {} });
    expect(yarnDir(without)).to.equal('/var/log/app-logs');
    const withEnv = loadConfiguration(fixture('basic'), { env: { SPINDLE_LOG_ROOT: '/mnt/logs' } });
    expect(yarnDir(withEnv)).to.equal('/mnt/logs/app-logs');
  });

  it('builds typed options from the basic fixture', () => {
    const c = loadClientConfig({ env: {}, confDir: fixture('basic'), user: 'alice' });
    expect(c.hdfs.defaultFs).to.equal('hdfs://nn.example.com:8020');
    // dfs.http.address (deprecated) = 0.0.0.0:50070: the host comes from fs.defaultFS.
    expect(c.hdfs.nameNodeHttpUrls).to.deep.equal(['http://nn.example.com:50070']);
    expect(c.yarn.rmWebUrls).to.deep.equal(['http://rm.example.com:8088']);
    expect(c.yarn.rmSchedulerAddresses).to.deep.equal(['rm.example.com:8030']);
    expect(c.yarn.webProxyAddress).to.equal('127.0.0.1:9046');
    expect(c.yarn.logAggregation).to.deep.equal({ enabled: true, remoteAppLogDir: '/var/log/app-logs', remoteAppLogDirSuffix: 'logs' });
    expect(c.rpcProtection).to.deep.equal(['privacy', 'integrity']);
    expect(c.security).to.equal('simple');
  });

  it('resolves HA HDFS for the nameservice fs.defaultFS names, and HA ResourceManagers', () => {
    const c = loadClientConfig({ env: {}, confDir: fixture('ha'), user: 'alice' });
    expect(c.hdfs.nameservice).to.equal('mycluster');
    expect(c.hdfs.nameNodeHttpUrls).to.deep.equal([
      'http://nn1.example.com:9870',
      'http://nn2.example.com:50070',
      'http://nn3.example.com:9870',
    ]);
    expect(c.hdfs.nameNodeRpcAddresses).to.deep.equal(['nn1.example.com:8020', 'nn2.example.com:8020', 'nn3.example.com:8020']);
    expect(c.yarn.haEnabled).to.equal(true);
    expect(c.yarn.rmIds).to.deep.equal(['rm1', 'rm2']);
    expect(c.yarn.rmWebUrls).to.deep.equal(['http://rm1.example.com:18088', 'http://rm2.example.com:8088']);
    expect(c.yarn.rmSchedulerAddresses).to.deep.equal(['rm1.example.com:18030', 'rm2.example.com:8030']);
    expect(c.yarn.rmAddresses).to.deep.equal(['rm1.example.com:8032', 'rm2.example.com:8032']);
  });

  it('switches NameNode and RM web URLs to https under HTTPS_ONLY, and reads kerberos', () => {
    const c = loadClientConfig({ env: {}, confDir: fixture('https'), user: 'alice' });
    expect(c.hdfs.httpPolicy).to.equal('HTTPS_ONLY');
    expect(c.hdfs.nameNodeHttpUrls).to.deep.equal(['https://secure-nn.example.com:50470']);
    expect(c.yarn.rmWebUrls).to.deep.equal(['https://secure-rm.example.com:8090']);
    expect(c.security).to.equal('kerberos');
    expect(c.rpcProtection).to.deep.equal(['privacy']);
  });

  it('skips missing site files', () => {
    const c = loadClientConfig({ env: {}, confDir: fixture('partial'), user: 'alice' });
    expect(c.hdfs.nameNodeHttpUrls).to.deep.equal(['http://nn.example.com:9870']);
    expect(c.yarn.rmWebUrls).to.deep.equal(['http://127.0.0.1:8088']);
  });

  it('names the malformed file, the line and the problem', () => {
    const e = configError(() => loadConfiguration(fixture('malformed')));
    const file = join(fixture('malformed'), 'hdfs-site.xml');
    expect(e.path).to.equal(file);
    expect(e.message)
      .to.contain(file)
      .and.to.match(/not well-formed XML at line 5/);
  });

  it('rejects a file whose root is not <configuration>', () => {
    const e = configError(() => loadConfiguration(fixture('wrong-root')));
    expect(e.message).to.contain('core-site.xml').and.to.contain('root element is <properties>');
  });

  it('resolves xi:include relative to the including file, with xi:fallback', () => {
    const conf = loadConfiguration(fixture('include'));
    expect(conf.get('spindle.test.included')).to.equal('from-include');
    expect(conf.get('spindle.test.before')).to.equal('overridden-by-include');
    expect(conf.get('spindle.test.fallback')).to.equal('used');
    expect(conf.get('spindle.test.after')).to.equal('core');
    expect(conf.sourceOf('spindle.test.included')).to.equal(join(fixture('include'), 'core-site.xml'));
  });
});

describe('hadoop-conf loadClientConfig resolution order', () => {
  it('takes the conf dir from the option, then HADOOP_CONF_DIR, then YARN_CONF_DIR', () => {
    const env = { HADOOP_CONF_DIR: fixture('ha'), YARN_CONF_DIR: fixture('https') };
    expect(loadClientConfig({ env, confDir: fixture('basic'), user: 'u' }).confDir).to.equal(fixture('basic'));
    expect(loadClientConfig({ env, user: 'u' }).confDir).to.equal(fixture('ha'));
    expect(loadClientConfig({ env: { HADOOP_CONF_DIR: '', YARN_CONF_DIR: fixture('https') }, user: 'u' }).confDir).to.equal(
      fixture('https'),
    );
  });

  it('returns an absolute conf dir', () => {
    const relative = join('test', 'fixtures', 'hadoop-conf', 'basic');
    const cwd = process.cwd();
    process.chdir(repoRoot);
    try {
      expect(loadClientConfig({ env: { HADOOP_CONF_DIR: relative }, user: 'u' }).confDir).to.equal(fixture('basic'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('tells the user to set HADOOP_CONF_DIR when no directory is given', () => {
    const e = configError(() => loadClientConfig({ env: {}, user: 'u' }));
    expect(e.message).to.contain('set HADOOP_CONF_DIR');
  });

  it('names the variable that points at a missing directory', () => {
    const missing = fixture('does-not-exist');
    const e = configError(() => loadClientConfig({ env: { YARN_CONF_DIR: missing }, user: 'u' }));
    expect(e.message).to.contain(`YARN_CONF_DIR=${missing}`).and.to.contain('is not a directory');
  });

  it('takes the user from the option, then HADOOP_USER_NAME, then the OS user', () => {
    const confDir = fixture('partial');
    expect(loadClientConfig({ env: { HADOOP_USER_NAME: 'hdfs' }, confDir, user: 'alice' }).user).to.equal('alice');
    expect(loadClientConfig({ env: { HADOOP_USER_NAME: 'hdfs' }, confDir }).user).to.equal('hdfs');
    expect(loadClientConfig({ env: { HADOOP_USER_NAME: ' ' }, confDir }).user).to.equal(userInfo().username);
    expect(() => loadClientConfig({ env: {}, confDir, user: '' })).to.throw(ConfigError, /user option is empty/);
  });

  it('reads the environment map it is given, never process.env', () => {
    const saved = { user: process.env.HADOOP_USER_NAME, dir: process.env.HADOOP_CONF_DIR };
    process.env.HADOOP_USER_NAME = 'from-process-env';
    process.env.HADOOP_CONF_DIR = fixture('ha');
    try {
      const c = loadClientConfig({ env: { YARN_CONF_DIR: fixture('partial') } });
      expect(c.user).to.equal(userInfo().username);
      expect(c.confDir).to.equal(fixture('partial'));
    } finally {
      restore('HADOOP_USER_NAME', saved.user);
      restore('HADOOP_CONF_DIR', saved.dir);
    }
  });
});

function yarnDir(conf: ReturnType<typeof loadConfiguration>): string | undefined {
  return conf.getTrimmed('yarn.nodemanager.remote-app-log-dir');
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
