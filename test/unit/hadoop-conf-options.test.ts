import { expect } from 'chai';
import { ConfigError } from '../../protocols/errors/index.js';
import {
  HadoopConfiguration,
  connectAddress,
  hdfsOptions,
  parseHostPort,
  rpcProtection,
  securityMode,
  yarnOptions,
} from '../../protocols/hadoop-conf/index.js';

/** A configuration with Hadoop's defaults under one site resource. */
function site(props: Record<string, string>): HadoopConfiguration {
  return HadoopConfiguration.fromResources([
    { source: 'site.xml', properties: Object.entries(props).map(([name, value]) => ({ name, value, final: false })) },
  ]);
}

describe('hadoop-conf addresses', () => {
  it('parses host:port, bracketed IPv6, bare hosts with a default port, and URIs', () => {
    expect(parseHostPort('nn:8020', 'k')).to.deep.equal({ host: 'nn', port: 8020 });
    expect(parseHostPort('[::1]:9870', 'k')).to.deep.equal({ host: '::1', port: 9870 });
    expect(parseHostPort('nn', 'k', 8020)).to.deep.equal({ host: 'nn', port: 8020 });
    expect(parseHostPort(':8088', 'k')).to.deep.equal({ host: '', port: 8088 });
    expect(parseHostPort('hdfs://user@nn:9000/path', 'k')).to.deep.equal({ host: 'nn', port: 9000 });
  });

  it('rejects missing and bad ports, naming the key', () => {
    expect(() => parseHostPort('nn', 'dfs.x')).to.throw(ConfigError, /dfs.x: no port in "nn"/);
    expect(() => parseHostPort('nn:http', 'dfs.x')).to.throw(ConfigError, /port "http" is not a number/);
    expect(() => parseHostPort('nn:70000', 'dfs.x')).to.throw(ConfigError, /out of range/);
    expect(() => parseHostPort('::1:80', 'dfs.x')).to.throw(ConfigError, /\[address\]:port/);
  });

  it('replaces a wildcard host with the first concrete related host, else 127.0.0.1', () => {
    expect(connectAddress({ host: '0.0.0.0', port: 1 }, [undefined, '0.0.0.0', 'rm', 'other'])).to.deep.equal({ host: 'rm', port: 1 });
    expect(connectAddress({ host: '', port: 1 }, ['::'])).to.deep.equal({ host: '127.0.0.1', port: 1 });
    expect(connectAddress({ host: 'given', port: 1 }, ['rm'])).to.deep.equal({ host: 'given', port: 1 });
  });
});

describe('hadoop-conf hdfsOptions', () => {
  it('falls back to Hadoop defaults: file:/// and 127.0.0.1:9870', () => {
    expect(hdfsOptions(site({}))).to.deep.equal({
      defaultFs: 'file:///',
      nameservice: undefined,
      nameNodeHttpUrls: ['http://127.0.0.1:9870'],
      nameNodeRpcAddresses: [],
      httpPolicy: 'HTTP_ONLY',
    });
  });

  it('derives the NameNode web host from fs.defaultFS when the http-address host is 0.0.0.0', () => {
    const o = hdfsOptions(site({ 'fs.defaultFS': 'hdfs://nn.example.com' }));
    expect(o.nameNodeHttpUrls).to.deep.equal(['http://nn.example.com:9870']);
    expect(o.nameNodeRpcAddresses).to.deep.equal(['nn.example.com:8020']);
  });

  it('keeps an explicit http-address host and normalises old-style fs names', () => {
    expect(hdfsOptions(site({ 'fs.defaultFS': 'nn:9000', 'dfs.namenode.http-address': 'web:50070' }))).to.include({
      defaultFs: 'hdfs://nn:9000',
    });
    expect(hdfsOptions(site({ 'fs.defaultFS': 'nn:9000', 'dfs.namenode.http-address': 'web:50070' })).nameNodeHttpUrls).to.deep.equal([
      'http://web:50070',
    ]);
    expect(hdfsOptions(site({ 'fs.defaultFS': 'local' })).defaultFs).to.equal('file:///');
  });

  it('uses a webhdfs:// or swebhdfs:// default FS as the web address itself', () => {
    expect(hdfsOptions(site({ 'fs.defaultFS': 'webhdfs://gw.example.com' })).nameNodeHttpUrls).to.deep.equal([
      'http://gw.example.com:9870',
    ]);
    expect(hdfsOptions(site({ 'fs.defaultFS': 'swebhdfs://gw.example.com:443' })).nameNodeHttpUrls).to.deep.equal([
      'https://gw.example.com:443',
    ]);
  });

  it('resolves an HA nameservice under HTTPS_ONLY to https addresses', () => {
    const o = hdfsOptions(
      site({
        'fs.defaultFS': 'hdfs://ns1/',
        'dfs.http.policy': 'HTTPS_ONLY',
        'dfs.ha.namenodes.ns1': 'a,b',
        'dfs.namenode.https-address.ns1.a': 'a.example.com:9871',
        'dfs.namenode.http-address.ns1.a': 'a.example.com:9870',
        'dfs.namenode.rpc-address.ns1.b': 'b.example.com:8020',
      }),
    );
    expect(o.nameservice).to.equal('ns1');
    expect(o.nameNodeHttpUrls).to.deep.equal(['https://a.example.com:9871', 'https://b.example.com:9871']);
    expect(o.nameNodeRpcAddresses).to.deep.equal(['b.example.com:8020']);
  });

  it('reads a federated nameservice without HA from the .<ns> keys', () => {
    const o = hdfsOptions(
      site({
        'fs.defaultFS': 'hdfs://fed',
        'dfs.nameservices': 'fed',
        'dfs.namenode.http-address.fed': 'fed-nn.example.com:9870',
        'dfs.namenode.rpc-address.fed': 'fed-nn.example.com:8020',
      }),
    );
    expect(o).to.deep.include({
      nameservice: 'fed',
      nameNodeHttpUrls: ['http://fed-nn.example.com:9870'],
      nameNodeRpcAddresses: ['fed-nn.example.com:8020'],
    });
  });

  it('rejects an HA NameNode with neither a web nor an RPC address', () => {
    const c = site({ 'fs.defaultFS': 'hdfs://ns1', 'dfs.ha.namenodes.ns1': 'a,b', 'dfs.namenode.http-address.ns1.a': 'a:9870' });
    expect(() => hdfsOptions(c)).to.throw(ConfigError, /dfs.namenode.http-address.ns1.b is not set.*nameservice ns1/);
  });

  it('rejects a bad dfs.http.policy and an unparsable fs.defaultFS', () => {
    expect(() => hdfsOptions(site({ 'dfs.http.policy': 'SOMETIMES' }))).to.throw(ConfigError, /dfs.http.policy: "SOMETIMES"/);
    expect(() => hdfsOptions(site({ 'fs.defaultFS': 'hdfs://bad host/' }))).to.throw(ConfigError, /fs.defaultFS/);
  });
});

describe('hadoop-conf yarnOptions', () => {
  it('uses Hadoop defaults: hostname 0.0.0.0 becomes 127.0.0.1 for clients', () => {
    expect(yarnOptions(site({}))).to.deep.equal({
      httpPolicy: 'HTTP_ONLY',
      haEnabled: false,
      rmIds: [],
      rmWebUrls: ['http://127.0.0.1:8088'],
      rmAddresses: ['127.0.0.1:8032'],
      rmSchedulerAddresses: ['127.0.0.1:8030'],
      webProxyAddress: undefined,
      logAggregation: { enabled: false, remoteAppLogDir: '/tmp/logs', remoteAppLogDirSuffix: 'logs' },
      nodeNamesWithPort: false,
    });
  });

  it('reads whether the scheduler names nodes with their ports (container requests cannot name hosts then)', () => {
    expect(yarnOptions(site({ 'yarn.scheduler.include-port-in-node-name': 'true' })).nodeNamesWithPort).to.equal(true);
    expect(() => yarnOptions(site({ 'yarn.scheduler.include-port-in-node-name': 'maybe' }))).to.throw(
      ConfigError,
      /include-port-in-node-name/,
    );
  });

  it('borrows the host of a related RM address for a wildcard webapp address', () => {
    const o = yarnOptions(
      site({ 'yarn.resourcemanager.address': 'rm.example.com:8032', 'yarn.resourcemanager.webapp.address': '0.0.0.0:18088' }),
    );
    expect(o.rmWebUrls).to.deep.equal(['http://rm.example.com:18088']);
    expect(o.rmSchedulerAddresses).to.deep.equal(['rm.example.com:8030']);
  });

  it('derives HA addresses from hostname.<id> with the HTTPS port under HTTPS_ONLY', () => {
    const o = yarnOptions(
      site({
        'yarn.http.policy': 'HTTPS_ONLY',
        'yarn.resourcemanager.ha.enabled': 'true',
        'yarn.resourcemanager.ha.rm-ids': 'x,y',
        'yarn.resourcemanager.hostname.x': 'x.example.com',
        'yarn.resourcemanager.webapp.https.address.y': 'y.example.com:443',
        'yarn.resourcemanager.scheduler.address.y': '0.0.0.0:8030',
        'yarn.resourcemanager.address.y': 'y.example.com:8032',
      }),
    );
    expect(o.rmWebUrls).to.deep.equal(['https://x.example.com:8090', 'https://y.example.com:443']);
    expect(o.rmSchedulerAddresses).to.deep.equal(['x.example.com:8030', 'y.example.com:8030']);
    expect(o.rmAddresses).to.deep.equal(['x.example.com:8032', 'y.example.com:8032']);
  });

  it('rejects HA without ids, and an id with neither hostname nor address', () => {
    expect(() => yarnOptions(site({ 'yarn.resourcemanager.ha.enabled': 'true' }))).to.throw(ConfigError, /rm-ids is empty/);
    const c = site({
      'yarn.resourcemanager.ha.enabled': 'true',
      'yarn.resourcemanager.ha.rm-ids': 'rm1,rm2',
      'yarn.resourcemanager.hostname.rm1': 'rm1',
    });
    expect(() => yarnOptions(c)).to.throw(ConfigError, /set yarn.resourcemanager.hostname.rm2 or yarn.resourcemanager.address.rm2/);
  });

  it('rejects a non-boolean ha.enabled', () => {
    expect(() => yarnOptions(site({ 'yarn.resourcemanager.ha.enabled': 'on' }))).to.throw(ConfigError, /ha.enabled/);
  });
});

describe('hadoop-conf security options', () => {
  it('defaults to authentication / simple', () => {
    expect(rpcProtection(site({}))).to.deep.equal(['authentication']);
    expect(securityMode(site({}))).to.equal('simple');
  });

  it('reads a comma list in order, case-insensitively, without duplicates', () => {
    expect(rpcProtection(site({ 'hadoop.rpc.protection': 'PRIVACY, integrity,privacy' }))).to.deep.equal(['privacy', 'integrity']);
    expect(securityMode(site({ 'hadoop.security.authentication': ' Kerberos ' }))).to.equal('kerberos');
  });

  it('rejects unknown values and an empty protection list', () => {
    expect(() => rpcProtection(site({ 'hadoop.rpc.protection': 'authentication,secret' }))).to.throw(ConfigError, /"secret" is not one of/);
    expect(() => rpcProtection(site({ 'hadoop.rpc.protection': ' , ' }))).to.throw(ConfigError, /is empty/);
    expect(() => securityMode(site({ 'hadoop.security.authentication': 'token' }))).to.throw(ConfigError, /"token" is not supported/);
  });
});
