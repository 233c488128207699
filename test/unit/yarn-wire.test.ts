import { expect } from 'chai';
import { createToken } from '../../protocols/credentials/index.js';
import {
  askFromProto,
  askToProto,
  containerIdToProto,
  launchContextFromProto,
  launchContextToProto,
  resourceFromProto,
  statusFromProto,
  urlFromProto,
  urlToProto,
} from '../../protocols/yarn/convert.js';
import type { PLaunchContext, PResourceRequest, PUrl } from '../../protocols/yarn/proto-types.js';
import {
  decodeAllocateResponse,
  encodeAllocateRequest,
  encodeFinishRequest,
  encodeRegisterRequest,
  encodeStartContainersRequest,
  makeContainerId,
  type LaunchContext,
  type ResourceAsk,
} from '../../protocols/yarn/index.js';
import { decodeMessage, encodeMessage } from '../../protocols/yarn/wire.js';
import { ConfigError } from '../../protocols/errors/index.js';

/*
 * Fixtures: bytes written by Hadoop 3.5.0's own PBImpl records (hadoop-yarn-api/-common jars,
 * `record.getProto().toByteArray()`), e.g.
 *   ContainerId.newContainerId(ApplicationAttemptId.newInstance(ApplicationId.newInstance(1700000000123L, 7), 1), 2)
 *   ResourceRequest.newInstance(Priority.newInstance(1), "*", Resource.newInstance(1024, 2), 3)
 *   URL.fromURI(new URI("file:///tmp/x"))
 * Where Java's bytes contain parts we deliberately do not send (the 3.x resource_value_map
 * entries inside ResourceProto), the expectation is Java's bytes with those parts cut out.
 */
const JAVA = {
  containerId2: '120d0a09080710fbd095ffbc3110011802',
  containerIdE3: '120d0a09080710fbd095ffbc311001188c8080808060',
  resourceRequestDefault:
    '0a02080112012a1a2b08800810021a140a096d656d6f72792d6d621080081a024d6920001a0e0a0676636f72657310021a002000200328013a0408011000',
  resourceRequestTagged:
    '0a02080212056e6f6465311a2b08801010011a140a096d656d6f72792d6d621080101a024d6920001a0e0a0676636f72657310011a002000200128003a04080110004005',
  allocateEmpty: '20002d00000000',
  register: '0a07616d2d686f737410001a00',
  finishSucceeded: '0a001801',
  urlHdfs: '0a046864667312026e6e18d43e22122f757365722f616c6963652f6170702e6a73',
  urlFile: '0a0466696c6518ffffffffffffffffff0122062f746d702f78',
  urlUserInfo: '0a046864667312026e6e18a84622022f702a03626f62',
  urlSpaceHash: '0a046864667312026e6e18d43e220d2f757365722f6120622f632364',
  urlPercentUnicode: '0a046864667312026e6e18ffffffffffffffffff01220e2f757365722f7825792fc3bc3f71',
  startContainers:
    '0a94010a5f0a3b0a066170702e6a7312310a210a046864667312026e6e18d43e22122f757365722f616c6963652f6170702e6a73' +
    '10d20918e7d795ffbc312002280312044844545322060a01411201312a0b6e6f6465206170702e6a732a05313e6f757412310a08' +
    '6964656e742d6332120570772d63321a0e436f6e7461696e6572546f6b656e220e31302e302e302e353a3435343534',
  // AllocateResponse.newInstance(5, [status c9 COMPLETE 143], [grant c2 (allocationRequestId 11), grant c3],
  //   [], Resource(4096, 4), null, 2, null, [NMToken node-a, NMToken node-b], amRmToken, [])
  allocateResponse:
    '10051a96010a11120d0a09080710fbd095ffbc3110011802120c0a066e6f64652d61108ee3021a0b6e6f64652d613a383034' +
    '32222b08800810011a140a096d656d6f72792d6d621080081a024d6920001a0e0a0676636f72657310011a0020002a020801' +
    '32310a086964656e742d6332120570772d63321a0e436f6e7461696e6572546f6b656e220e31302e302e302e353a34353435' +
    '343801400b1a99010a16120d0a09080710fbd095ffbc311001188c8080808060120c0a066e6f64652d62108ee3021a0b6e6f' +
    '64652d623a38303432222b08801010021a140a096d656d6f72792d6d621080101a024d6920001a0e0a0676636f7265731002' +
    '1a0020002a02080132310a086964656e742d6333120570772d63331a0e436f6e7461696e6572546f6b656e220e31302e302e' +
    '302e363a3435343534380122490a11120d0a09080710fbd095ffbc311001180910031a2d436f6e7461696e6572206b696c6c' +
    '6564206f6e20726571756573742e204578697420636f646520697320313433208f0130012a2b08802010041a140a096d656d' +
    '6f72792d6d621080201a024d6920001a0e0a0676636f72657310041a00200038024a3c0a0c0a066e6f64652d61108ee30212' +
    '2c0a0a6e6d2d6964656e742d6112076e6d2d70772d611a074e4d546f6b656e220c6e6f64652d613a34353435344a3c0a0c0a' +
    '066e6f64652d62108ee302122c0a0a6e6d2d6964656e742d6212076e6d2d70772d621a074e4d546f6b656e220c6e6f64652d' +
    '623a3435343534622d0a0c616d726d2d6964656e742d321209616d726d2d70772d321a105941524e5f414d5f524d5f544f4b' +
    '454e22006a020800',
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const appId = { clusterTimestamp: 1700000000123, id: 7 };
const attempt = { appId, attemptId: 1 };
const c2 = makeContainerId(attempt, 0, 2);
const c3 = makeContainerId(attempt, 3, 12);
const containerToken2 = createToken({
  identifier: Buffer.from('ident-c2'),
  password: Buffer.from('pw-c2'),
  kind: 'ContainerToken',
  service: '10.0.0.5:45454',
});

describe('yarn wire: records against Hadoop 3.5.0 bytes', () => {
  it('encodes ContainerIdProto like Java (app_attempt_id + 64-bit id, no legacy app_id)', () => {
    expect(hex(encodeMessage('hadoop.yarn.ContainerIdProto', containerIdToProto(c2)))).to.equal(JAVA.containerId2);
    expect(hex(encodeMessage('hadoop.yarn.ContainerIdProto', containerIdToProto(c3)))).to.equal(JAVA.containerIdE3);
  });

  it('sends relax_locality=true explicitly and leaves out allocation_request_id=-1', () => {
    const ask: ResourceAsk = {
      allocationRequestId: -1,
      priority: 1,
      resource: { memoryMb: 1024, vcores: 2 },
      count: 3,
      resourceName: '*',
      relaxLocality: true,
    };
    // Java's bytes minus the two resource_value_map entries (memory-mb, vcores) in capability.
    const expected = '0a020801' + '12012a' + '1a050880081002' + '2003' + '2801' + '3a0408011000';
    expect(hex(encodeMessage('hadoop.yarn.ResourceRequestProto', askToProto(ask)))).to.equal(expected);
    expect(JAVA.resourceRequestDefault).to.contain('20032801' + '3a0408011000');
  });

  it('sends relax_locality=false and a tag >= 0 (allocation_request_id, field 8)', () => {
    const ask: ResourceAsk = {
      allocationRequestId: 5,
      priority: 2,
      resource: { memoryMb: 2048, vcores: 1 },
      count: 1,
      resourceName: 'node1',
      relaxLocality: false,
    };
    const expected = '0a020802' + '12056e6f646531' + '1a050880101001' + '2001' + '2800' + '3a0408011000' + '4005';
    expect(hex(encodeMessage('hadoop.yarn.ResourceRequestProto', askToProto(ask)))).to.equal(expected);
    expect(JAVA.resourceRequestTagged.endsWith('20012800' + '3a0408011000' + '4005')).to.equal(true);
  });

  it('reads Java asks, applying defaults for absent fields', () => {
    const p = decodeMessage<PResourceRequest>('hadoop.yarn.ResourceRequestProto', Buffer.from(JAVA.resourceRequestDefault, 'hex'), 't');
    expect(askFromProto(p)).to.deep.equal({
      allocationRequestId: -1,
      priority: 1,
      resource: { memoryMb: 1024, vcores: 2 },
      count: 3,
      resourceName: '*',
      relaxLocality: true,
      executionType: 'guaranteed',
      enforceExecutionType: false,
    });
    // Absent relax_locality means true (proto2 default), absent tag means -1.
    const bare = decodeMessage<PResourceRequest>('hadoop.yarn.ResourceRequestProto', Buffer.from('12012a', 'hex'), 't');
    expect(bare).to.not.have.property('relax_locality');
    expect(askFromProto({ ...bare, capability: {} })).to.include({ relaxLocality: true, allocationRequestId: -1 });
  });

  it('falls back to resource_value_map when memory/virtual_cores are absent', () => {
    expect(
      resourceFromProto({
        resource_value_map: [
          { key: 'memory-mb', value: '3072' },
          { key: 'vcores', value: '3' },
        ],
      }),
    ).to.deep.equal({ memoryMb: 3072, vcores: 3 });
    expect(resourceFromProto({ memory: '1024', virtual_cores: 1, resource_value_map: [{ key: 'memory-mb', value: '9' }] })).to.deep.equal({
      memoryMb: 1024,
      vcores: 1,
    });
  });

  it('applies ContainerStatus defaults: exit_status -1000, diagnostics "N/A"', () => {
    const status = statusFromProto({ container_id: containerIdToProto(c2), state: 2 });
    expect(status).to.deep.include({ state: 'running', exitStatus: -1000, diagnostics: 'N/A', executionType: 'guaranteed' });
    expect(statusFromProto({ container_id: containerIdToProto(c2), state: 9 }).state).to.equal('unknown');
  });
});

describe('yarn wire: resource URLs', () => {
  const cases: [string, string, string?][] = [
    ['hdfs://nn:8020/user/alice/app.js', JAVA.urlHdfs],
    ['file:///tmp/x', JAVA.urlFile], // no host; Java writes port -1
    ['hdfs://bob@nn:9000/p', JAVA.urlUserInfo],
    ['hdfs://nn:8020/user/a%20b/c%23d', JAVA.urlSpaceHash], // file holds the decoded path
    ['hdfs://nn/user/x%25y/%C3%BC%3Fq', JAVA.urlPercentUnicode],
  ];
  for (const [url, javaHex] of cases) {
    it(`converts ${url} like URL.fromURI and back`, () => {
      const p = urlToProto(url, 'resource');
      expect(hex(encodeMessage('hadoop.yarn.URLProto', p))).to.equal(javaHex);
      const decoded = decodeMessage<PUrl>('hadoop.yarn.URLProto', Buffer.from(javaHex, 'hex'), 't');
      expect(urlFromProto(decoded)).to.equal(url);
    });
  }

  it('accepts an unescaped space and produces the escaped form', () => {
    expect(urlToProto('hdfs://nn:8020/a b', 'r').file).to.equal('/a b');
    expect(urlFromProto(urlToProto('hdfs://nn:8020/a b', 'r'))).to.equal('hdfs://nn:8020/a%20b');
  });

  it('rejects relative paths, queries, fragments and bad escapes, naming the resource', () => {
    expect(() => urlToProto('/user/x', "local resource 'a'")).to.throw(ConfigError, "local resource 'a'");
    expect(() => urlToProto('hdfs://nn/x?y=1', 'r')).to.throw(ConfigError, 'query or fragment');
    expect(() => urlToProto('hdfs://nn/x#y', 'r')).to.throw(ConfigError, 'query or fragment');
    expect(() => urlToProto('hdfs://nn/x%zz', 'r')).to.throw(ConfigError, '%-escape');
  });
});

describe('yarn wire: requests against Hadoop 3.5.0 bytes', () => {
  it('register: host, rpc_port and tracking_url always present', () => {
    expect(hex(encodeRegisterRequest({ host: 'am-host', rpcPort: 0, trackingUrl: '' }))).to.equal(JAVA.register);
  });

  it('finish: empty diagnostics still sent, no tracking_url unless given', () => {
    expect(hex(encodeFinishRequest({ finalStatus: 'succeeded', diagnostics: '' }))).to.equal(JAVA.finishSucceeded);
    expect(hex(encodeFinishRequest({ finalStatus: 'failed', diagnostics: 'x', trackingUrl: 'u' }))).to.equal('0a0178' + '120175' + '1802');
    expect(hex(encodeFinishRequest({ finalStatus: 'undefined', diagnostics: '' }))).to.equal('0a00' + '1800');
    expect(() => encodeFinishRequest({ finalStatus: 'ended' as never, diagnostics: '' })).to.throw(ConfigError, 'final status');
  });

  it('allocate: response_id and progress present even when 0', () => {
    expect(hex(encodeAllocateRequest({ responseId: 0, progress: 0, asks: [], releases: [] }))).to.equal(JAVA.allocateEmpty);
  });

  it('allocate: releases, blacklist, id and progress as Java writes them', () => {
    const bytes = encodeAllocateRequest({
      responseId: 4,
      progress: 0.5,
      asks: [],
      releases: [c2],
      blacklistAdditions: ['bad1'],
    });
    // Java's AllocateRequest.newInstance(4, 0.5f, [ask], [c2], blacklist(["bad1"], [])) without the ask.
    expect(hex(bytes)).to.equal(`1211${JAVA.containerId2}1a060a046261643120042d0000003f`);
  });

  it('allocate: blacklist additions and removals in ResourceBlacklistRequestProto (field 3: 1 add*, 2 remove*)', () => {
    const bytes = encodeAllocateRequest({
      responseId: 1,
      progress: 0,
      asks: [],
      releases: [],
      blacklistAdditions: ['h:2', 'h'],
      blacklistRemovals: ['g'],
    });
    // 1a 0b | 0a 03 "h:2" | 0a 01 "h" | 12 01 "g" , then response_id 1 and progress 0.
    expect(hex(bytes)).to.equal('1a0b' + '0a03683a32' + '0a0168' + '120167' + '2001' + '2d00000000');
    const decoded = decodeMessage<{ blacklist_request: object }>('hadoop.yarn.AllocateRequestProto', bytes, 'test');
    expect(decoded.blacklist_request).to.deep.equal({ blacklist_additions: ['h:2', 'h'], blacklist_removals: ['g'] });
    expect(hex(encodeAllocateRequest({ responseId: 1, progress: 0, asks: [], releases: [], blacklistRemovals: ['g'] }))).to.equal(
      '1a03120167' + '2001' + '2d00000000',
    );
  });

  it('allocate: clamps progress into 0..1 and omits an empty blacklist', () => {
    expect(hex(encodeAllocateRequest({ responseId: 1, progress: 7, asks: [], releases: [], blacklistAdditions: [] }))).to.equal(
      '2001' + '2d0000803f',
    );
    expect(hex(encodeAllocateRequest({ responseId: 1, progress: Number.NaN, asks: [], releases: [] }))).to.equal('2001' + '2d00000000');
  });

  it('startContainers: launch context and container token byte-identical to Java', () => {
    const launch: LaunchContext = {
      localResources: {
        'app.js': {
          url: 'hdfs://nn:8020/user/alice/app.js',
          size: 1234,
          timestamp: 1700000000999,
          type: 'file',
          visibility: 'application',
        },
      },
      environment: { A: '1' },
      commands: ['node app.js', '1>out'],
      tokens: Buffer.from('HDTS'),
    };
    expect(hex(encodeStartContainersRequest([{ containerToken: containerToken2, launch }]))).to.equal(JAVA.startContainers);
  });

  it('launch context round trip keeps every field', () => {
    const launch: LaunchContext = {
      localResources: {
        'a.tgz': { url: 'hdfs://nn:8020/x/a.tgz', size: 1, timestamp: 2, type: 'pattern', visibility: 'public', pattern: 'lib/*' },
        'b.js': { url: 'file:///tmp/b.js', size: 0, timestamp: 0, type: 'archive', visibility: 'private' },
      },
      environment: { X: 'y', EMPTY: '' },
      commands: ['a', 'b'],
      tokens: Buffer.from([1, 2, 3]),
      serviceData: { shuffle: Buffer.from([9]) },
      acls: { view: 'alice', modify: ' ' },
    };
    const bytes = encodeMessage('hadoop.yarn.ContainerLaunchContextProto', launchContextToProto(launch));
    const back = launchContextFromProto(decodeMessage<PLaunchContext>('hadoop.yarn.ContainerLaunchContextProto', bytes, 't'));
    expect(back).to.deep.equal(launch);
  });

  it('rejects a bad local resource, naming it', () => {
    const launch: LaunchContext = {
      localResources: { 'x.js': { url: 'hdfs://nn/x.js', size: -1, timestamp: 0, type: 'file', visibility: 'public' } },
      environment: {},
      commands: [],
    };
    expect(() => launchContextToProto(launch)).to.throw(ConfigError, "local resource 'x.js' size");
    launch.localResources['x.js'] = { url: 'hdfs://nn/x.js', size: 1, timestamp: 0, type: 'dir' as never, visibility: 'public' };
    expect(() => launchContextToProto(launch)).to.throw(ConfigError, "local resource 'x.js' type");
  });
});

describe('yarn wire: allocate response from Hadoop 3.5.0', () => {
  const r = decodeAllocateResponse(Buffer.from(JAVA.allocateResponse, 'hex'));

  it('reads response id, cluster size and headroom', () => {
    expect(r.responseId).to.equal(5);
    expect(r.numClusterNodes).to.equal(2);
    expect(r.available).to.deep.equal({ memoryMb: 4096, vcores: 4 });
    expect(r.amCommand).to.equal(undefined);
    expect(r.updatedNodes).to.deep.equal([]);
    expect(r.preemption).to.equal(undefined);
  });

  it('reads two grants, with tag 11 and the -1 default', () => {
    expect(r.allocated).to.have.length(2);
    const [g2, g3] = r.allocated;
    expect(g2!.id.text).to.equal('container_1700000000123_0007_01_000002');
    expect(g2).to.deep.include({
      nodeId: { host: 'node-a', port: 45454 },
      nodeHttpAddress: 'node-a:8042',
      resource: { memoryMb: 1024, vcores: 1 },
      priority: 1,
      allocationRequestId: 11,
      executionType: 'guaranteed',
    });
    expect(g2!.containerToken.kind).to.equal('ContainerToken');
    expect(g2!.containerToken.service).to.equal('10.0.0.5:45454');
    expect(g2!.containerToken.identifier.toString()).to.equal('ident-c2');
    expect(g2!.containerToken.password.toString()).to.equal('pw-c2');
    expect(g3!.id.text).to.equal('container_e03_1700000000123_0007_01_000012');
    expect(g3!.allocationRequestId).to.equal(-1);
    expect(g3!.resource).to.deep.equal({ memoryMb: 2048, vcores: 2 });
  });

  it('keeps token passwords out of JSON and Object.keys', () => {
    const token = r.allocated[0]!.containerToken;
    expect(Object.keys(token)).to.not.include('password');
    expect(JSON.stringify(r)).to.not.contain(Buffer.from('pw-c2').toJSON().data.join(','));
  });

  it('reads the completion', () => {
    expect(r.completed).to.have.length(1);
    expect(r.completed[0]).to.deep.include({
      state: 'complete',
      exitStatus: 143,
      diagnostics: 'Container killed on request. Exit code is 143',
    });
    expect(r.completed[0]!.containerId.text).to.equal('container_1700000000123_0007_01_000009');
  });

  it('reads NM tokens per node and the rolled AMRMToken', () => {
    expect(r.nmTokens.map((t) => `${t.nodeId.host}:${t.nodeId.port}`)).to.deep.equal(['node-a:45454', 'node-b:45454']);
    expect(r.nmTokens[1]!.token.identifier.toString()).to.equal('nm-ident-b');
    expect(r.nmTokens[1]!.token.password.toString()).to.equal('nm-pw-b');
    expect(r.amRmToken!.kind).to.equal('YARN_AM_RM_TOKEN');
    expect(r.amRmToken!.service).to.equal('');
    expect(r.amRmToken!.identifier.toString()).to.equal('amrm-ident-2');
    expect(r.amRmToken!.password.toString()).to.equal('amrm-pw-2');
  });

  it('does not alias the response buffer', () => {
    const buf = Buffer.from(JAVA.allocateResponse, 'hex');
    const again = decodeAllocateResponse(buf);
    buf.fill(0);
    expect(again.amRmToken!.password.toString()).to.equal('amrm-pw-2');
  });
});
