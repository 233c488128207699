import { expect } from 'chai';
import { createToken } from '../../protocols/credentials/index.js';
import { AccessDeniedError, fromJavaException, ProtocolError, RemoteError } from '../../protocols/errors/index.js';
import {
  APPLICATION_CLIENT_PROTOCOL,
  APPLICATION_MASTER_PROTOCOL,
  ApplicationClientRpc,
  ApplicationMasterClient,
  CONTAINER_MANAGEMENT_PROTOCOL,
  ContainerManagerClient,
  encodeAllocateRequest,
  encodeStartContainersRequest,
  isAttemptNotFound,
  isInvalidToken,
  isNotRegistered,
  makeContainerId,
  type RpcCaller,
} from '../../protocols/yarn/index.js';

// ---- a tiny protobuf writer, independent of our .proto files, to hand-build server answers ----

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return Buffer.from(out);
}
const num = (field: number, value: number | bigint) => Buffer.concat([varint(field << 3), varint(value)]);
/** A float field (wire type 5, little-endian IEEE 754 single). */
const float32 = (field: number, value: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return Buffer.concat([varint((field << 3) | 5), b]);
};
const msg = (field: number, ...parts: (Buffer | string)[]) => {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  return Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);
};

// ApplicationIdProto{id=1, cluster_timestamp=2}; ApplicationAttemptIdProto{application_id=1, attemptId=2};
// ContainerIdProto{app_attempt_id=2, id=3}; NodeIdProto{host=1, port=2}; TokenProto{identifier=1, password=2, kind=3, service=4}.
const TS = 1700000000123;
const appIdBytes = (field: number) => msg(field, num(1, 7), num(2, TS));
const attemptBytes = (field: number, attempt = 1) => msg(field, appIdBytes(1), num(2, attempt));
const containerIdBytes = (field: number, seq: number | bigint) => msg(field, attemptBytes(2), num(3, seq));
const nodeIdBytes = (field: number, host: string, port: number) => msg(field, msg(1, host), num(2, port));
const tokenBytes = (field: number, id: string, pw: string, kind: string, service = '') =>
  msg(field, msg(1, id), msg(2, pw), msg(3, kind), msg(4, service));

const attempt = { appId: { clusterTimestamp: TS, id: 7 }, attemptId: 1 };

interface Recorded {
  method: string;
  request: Buffer;
  opts: unknown;
}

/** Records calls and answers each with the next canned response (or error). */
function fakeRpc(...answers: (Buffer | Error)[]): RpcCaller & { calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    calls,
    async call(method, request, opts) {
      calls.push({ method, request: Buffer.from(request), opts });
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected call ${method}`);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('yarn clients: protocol constants', () => {
  it('names the three protocols, version 1', () => {
    expect(APPLICATION_MASTER_PROTOCOL).to.deep.equal({ name: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB', version: 1 });
    expect(CONTAINER_MANAGEMENT_PROTOCOL).to.deep.equal({
      name: 'org.apache.hadoop.yarn.api.ContainerManagementProtocolPB',
      version: 1,
    });
    expect(APPLICATION_CLIENT_PROTOCOL).to.deep.equal({ name: 'org.apache.hadoop.yarn.api.ApplicationClientProtocolPB', version: 1 });
  });
});

describe('ApplicationMasterClient', () => {
  it('register: sends registerApplicationMaster and reads the hand-built answer', async () => {
    const answer = Buffer.concat([
      msg(1, num(1, 8192), num(2, 4)), // maximumCapability
      msg(
        4,
        containerIdBytes(1, 3),
        nodeIdBytes(2, 'n1', 45454),
        msg(3, 'n1:8042'),
        msg(4, num(1, 1024), num(2, 1)),
        msg(5, num(1, 0)),
        tokenBytes(6, 'ci', 'cp', 'ContainerToken'),
      ),
      msg(5, 'root.default'), // queue
      msg(6, nodeIdBytes(1, 'n1', 45454), tokenBytes(2, 'ni', 'np', 'NMToken', 'n1:45454')),
      num(7, 0), // scheduler_resource_types MEMORY
    ]);
    const rpc = fakeRpc(answer);
    const res = await new ApplicationMasterClient(rpc).register({ host: 'h', rpcPort: 0, trackingUrl: '' }, { timeoutMs: 5000 });
    expect(rpc.calls[0]!.method).to.equal('registerApplicationMaster');
    expect(rpc.calls[0]!.request.toString('hex')).to.equal('0a0168' + '1000' + '1a00');
    expect(rpc.calls[0]!.opts).to.deep.equal({ timeoutMs: 5000 });
    expect(res.maximumCapability).to.deep.equal({ memoryMb: 8192, vcores: 4 });
    expect(res.queue).to.equal('root.default');
    expect(res.schedulerResourceTypes).to.deep.equal(['memory']);
    expect(res.containersFromPreviousAttempts.map((g) => g.id.text)).to.deep.equal(['container_1700000000123_0007_01_000003']);
    expect(res.containersFromPreviousAttempts[0]!.allocationRequestId).to.equal(-1);
    expect(res.nmTokensFromPreviousAttempts[0]!.token.password.toString()).to.equal('np');
  });

  it('allocate: sends allocate with the encoded request and reads commands, preemption and nodes', async () => {
    const answer = Buffer.concat([
      num(1, 2), // a_m_command AM_SHUTDOWN
      num(2, 42), // response_id
      msg(6, nodeIdBytes(1, 'n2', 45454), msg(2, 'n2:8042'), msg(3, '/rack1'), num(7, 5), msg(8, 'disk full'), num(14, 1)),
      num(7, 3), // num_cluster_nodes
      msg(8, msg(1, msg(1, containerIdBytes(1, 4))), msg(2, msg(2, containerIdBytes(1, 5)), msg(2, containerIdBytes(1, 6)))),
    ]);
    const rpc = fakeRpc(answer);
    const req = { responseId: 41, progress: 0.25, asks: [], releases: [makeContainerId(attempt, 0, 9)] };
    const res = await new ApplicationMasterClient(rpc).allocate(req);
    expect(rpc.calls[0]!.method).to.equal('allocate');
    expect(rpc.calls[0]!.request.equals(encodeAllocateRequest(req))).to.equal(true);
    expect(rpc.calls[0]!.opts).to.equal(undefined);
    expect(res.amCommand).to.equal('shutdown');
    expect(res.responseId).to.equal(42);
    expect(res.numClusterNodes).to.equal(3);
    expect(res.allocated).to.deep.equal([]);
    expect(res.amRmToken).to.equal(undefined);
    expect(res.available).to.equal(undefined);
    expect(res.updatedNodes).to.deep.equal([
      {
        id: 'n2:45454',
        nodeHostName: 'n2',
        nodeHttpAddress: 'n2:8042',
        rack: '/rack1',
        state: 'LOST',
        healthReport: 'disk full',
        lastHealthUpdate: 0,
        version: '',
        numContainers: 0,
        usedMemoryMb: 0,
        availMemoryMb: 0,
        usedVcores: 0,
        availableVcores: 0,
        updateType: 'unusable',
      },
    ]);
    expect(res.preemption!.strict.map((c) => c.sequence)).to.deep.equal([4]);
    expect(res.preemption!.negotiable.map((c) => c.sequence)).to.deep.equal([5, 6]);
  });

  it('allocate: a container number with epoch bits above 2^32 survives int64 decoding', async () => {
    const seq = (200n << 40n) | 7n;
    const rpc = fakeRpc(
      msg(3, containerIdBytes(1, seq), nodeIdBytes(2, 'n', 1), msg(4, num(1, 1), num(2, 1)), tokenBytes(6, 'i', 'p', 'ContainerToken')),
    );
    const res = await new ApplicationMasterClient(rpc).allocate({ responseId: 0, progress: 0, asks: [], releases: [] });
    expect(res.allocated[0]!.id.text).to.equal('container_e200_1700000000123_0007_01_000007');
  });

  it('allocate: a grant without container id is a ProtocolError naming allocate', async () => {
    const rpc = fakeRpc(msg(3, nodeIdBytes(2, 'n', 1), tokenBytes(6, 'i', 'p', 'k')));
    const err = await new ApplicationMasterClient(rpc)
      .allocate({ responseId: 0, progress: 0, asks: [], releases: [] })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as ProtocolError).message).to.equal('allocate: YARN message lacks a container id');
    expect((err as ProtocolError).operation).to.equal('allocate');
  });

  it('allocate: garbage bytes are a ProtocolError, not a crash', async () => {
    const rpc = fakeRpc(Buffer.from([0x1a, 0xff, 0x01])); // field 3, length 255, no body
    const err = await new ApplicationMasterClient(rpc)
      .allocate({ responseId: 0, progress: 0, asks: [], releases: [] })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as Error).message).to.match(/^allocate: cannot decode AllocateResponseProto/);
  });

  it('passes remote errors through unchanged; helpers recognise the RM exceptions', async () => {
    const notRegistered = fromJavaException(
      'org.apache.hadoop.yarn.exceptions.ApplicationMasterNotRegisteredException',
      'AM should re-register',
      { method: 'allocate' },
    );
    const rpc = fakeRpc(notRegistered);
    const err = await new ApplicationMasterClient(rpc)
      .allocate({ responseId: 3, progress: 0, asks: [], releases: [] })
      .catch((e: unknown) => e);
    expect(err).to.equal(notRegistered);
    expect(isNotRegistered(err)).to.equal(true);
    expect(isAttemptNotFound(err)).to.equal(false);
    expect(isAttemptNotFound(fromJavaException('ApplicationAttemptNotFoundException', 'gone'))).to.equal(true);
    const invalid = fromJavaException('org.apache.hadoop.security.token.SecretManager$InvalidToken', 'Invalid AMRMToken');
    expect(invalid).to.be.instanceOf(AccessDeniedError);
    expect(isInvalidToken(invalid)).to.equal(true);
    expect(isNotRegistered(new RemoteError('x'))).to.equal(false);
    expect(isNotRegistered(new Error('ApplicationMasterNotRegisteredException'))).to.equal(false);
  });

  it('finish: sends finishApplicationMaster and reads isUnregistered (default false)', async () => {
    const rpc = fakeRpc(Buffer.alloc(0), num(1, 1));
    const client = new ApplicationMasterClient(rpc);
    expect(await client.finish({ finalStatus: 'failed', diagnostics: 'boom' })).to.deep.equal({ unregistered: false });
    expect(await client.finish({ finalStatus: 'failed', diagnostics: 'boom' })).to.deep.equal({ unregistered: true });
    expect(rpc.calls.map((c) => c.method)).to.deep.equal(['finishApplicationMaster', 'finishApplicationMaster']);
    expect(rpc.calls[0]!.request.toString('hex')).to.equal('0a04626f6f6d' + '1802');
  });
});

describe('ContainerManagerClient', () => {
  const c2 = makeContainerId(attempt, 0, 2);
  const c3 = makeContainerId(attempt, 0, 3);
  const exception = (field: number, seq: number, message: string, cls: string) =>
    msg(field, containerIdBytes(1, seq), msg(2, msg(1, message), msg(2, 'trace...'), msg(3, cls)));

  it('startContainers: sends the encoded batch, splits started and failed', async () => {
    const answer = Buffer.concat([
      msg(1, msg(1, 'mapreduce_shuffle'), msg(2, Buffer.from([0, 1]))), // services_meta_data, ignored
      containerIdBytes(2, 2),
      exception(3, 3, 'Container 3 already started', 'org.apache.hadoop.yarn.exceptions.YarnException'),
    ]);
    const rpc = fakeRpc(answer);
    const reqs = [
      {
        containerToken: createToken({ identifier: Buffer.from('i'), password: Buffer.from('p'), kind: 'ContainerToken', service: 's' }),
        launch: { localResources: {}, environment: { A: 'b' }, commands: ['true'] },
      },
    ];
    const res = await new ContainerManagerClient(rpc).startContainers(reqs, { timeoutMs: 100 });
    expect(rpc.calls[0]!.method).to.equal('startContainers');
    expect(rpc.calls[0]!.request.equals(encodeStartContainersRequest(reqs))).to.equal(true);
    expect(rpc.calls[0]!.opts).to.deep.equal({ timeoutMs: 100 });
    expect(res.started.map((c) => c.text)).to.deep.equal([c2.text]);
    expect(res.failed).to.have.length(1);
    expect(res.failed[0]!.containerId.text).to.equal(c3.text);
    expect(res.failed[0]).to.deep.include({
      message: 'Container 3 already started',
      exceptionClassName: 'org.apache.hadoop.yarn.exceptions.YarnException',
    });
  });

  it('stopContainers: sends repeated container_id = 1', async () => {
    const rpc = fakeRpc(Buffer.concat([containerIdBytes(1, 2), exception(2, 3, 'not found', 'ContainerNotFoundException')]));
    const res = await new ContainerManagerClient(rpc).stopContainers([c2, c3]);
    expect(rpc.calls[0]!.method).to.equal('stopContainers');
    expect(rpc.calls[0]!.request.equals(Buffer.concat([containerIdBytes(1, 2), containerIdBytes(1, 3)]))).to.equal(true);
    expect(res.stopped.map((c) => c.sequence)).to.deep.equal([2]);
    expect(res.failed[0]!.message).to.equal('not found');
  });

  it('getContainerStatuses: reads statuses with proto2 defaults', async () => {
    const answer = Buffer.concat([
      msg(1, containerIdBytes(1, 2), num(2, 2), msg(5, num(1, 512), num(2, 1))), // running, no exit status, no diagnostics
      msg(1, containerIdBytes(1, 3), num(2, 3), msg(3, 'done'), num(4, 0), num(6, 2)),
    ]);
    const rpc = fakeRpc(answer);
    const res = await new ContainerManagerClient(rpc).getContainerStatuses([c2, c3]);
    expect(rpc.calls[0]!.method).to.equal('getContainerStatuses');
    expect(rpc.calls[0]!.request.equals(Buffer.concat([containerIdBytes(1, 2), containerIdBytes(1, 3)]))).to.equal(true);
    expect(res.failed).to.deep.equal([]);
    expect(res.statuses[0]).to.deep.include({ state: 'running', exitStatus: -1000, diagnostics: 'N/A', executionType: 'guaranteed' });
    expect(res.statuses[0]!.capability).to.deep.equal({ memoryMb: 512, vcores: 1 });
    expect(res.statuses[1]).to.deep.include({ state: 'complete', exitStatus: 0, diagnostics: 'done', executionType: 'opportunistic' });
  });

  it('getContainerStatuses: a negative exit status (sign-extended varint) reads back negative', async () => {
    const rpc = fakeRpc(msg(1, containerIdBytes(1, 2), num(2, 3), num(4, -102)));
    const res = await new ContainerManagerClient(rpc).getContainerStatuses([c2]);
    expect(res.statuses[0]!.exitStatus).to.equal(-102);
  });
});

describe('ApplicationClientRpc', () => {
  it('getApplicationReport: sends application_id = 1 and reads the report incl. am_rm_token (19)', async () => {
    const answer = msg(
      1,
      appIdBytes(1),
      msg(2, 'alice'),
      msg(3, 'default'),
      msg(4, 'spindle-job'),
      msg(5, 'am-host'),
      num(6, 0),
      num(8, 5), // RUNNING
      msg(9, 'http://rm:8088/proxy/application_1700000000123_0007/'),
      num(11, 1700000001000), // startTime
      num(13, 0), // APP_UNDEFINED
      attemptBytes(16, 1),
      float32(17, 0.25),
      msg(18, 'SPINDLE'),
      tokenBytes(19, 'amrm-i', 'amrm-p', 'YARN_AM_RM_TOKEN'),
    );
    const rpc = fakeRpc(answer);
    const report = await new ApplicationClientRpc(rpc).getApplicationReport({ clusterTimestamp: TS, id: 7 });
    expect(rpc.calls[0]!.method).to.equal('getApplicationReport');
    expect(rpc.calls[0]!.request.equals(appIdBytes(1))).to.equal(true);
    expect(report).to.deep.include({
      id: 'application_1700000000123_0007',
      user: 'alice',
      queue: 'default',
      name: 'spindle-job',
      state: 'RUNNING',
      finalStatus: 'UNDEFINED',
      progress: 25,
      trackingUrl: 'http://rm:8088/proxy/application_1700000000123_0007/',
      applicationType: 'SPINDLE',
      startedTime: 1700000001000,
      finishedTime: 0,
      elapsedTime: 0,
      // "N/A", the proto default, is no diagnostics at all.
      diagnostics: '',
    });
    // rpc_port 0: the AM serves no RPC.
    expect(report.amRpcAddress).to.equal(undefined);
    expect(report.currentAttemptId).to.equal('appattempt_1700000000123_0007_000001');
    expect(report.amRmToken!.kind).to.equal('YARN_AM_RM_TOKEN');
    expect(report.amRmToken!.password.toString()).to.equal('amrm-p');
  });

  it('getApplicationReport: a report without am_rm_token leaves it undefined', async () => {
    const rpc = fakeRpc(msg(1, appIdBytes(1), num(8, 4), msg(10, 'waiting')));
    const report = await new ApplicationClientRpc(rpc).getApplicationReport({ clusterTimestamp: TS, id: 7 });
    expect(report.amRmToken).to.equal(undefined);
    expect(report.state).to.equal('ACCEPTED');
    expect(report.diagnostics).to.equal('waiting');
  });

  it('getApplicationReport: a finished report with an AM RPC address, and an unknown state refused', async () => {
    const done = msg(1, appIdBytes(1), msg(5, 'am-host'), num(6, 7000), num(8, 6), num(11, 1000), num(12, 4500), num(13, 1));
    const report = await new ApplicationClientRpc(fakeRpc(done)).getApplicationReport({ clusterTimestamp: TS, id: 7 });
    expect(report).to.deep.include({ state: 'FINISHED', finalStatus: 'SUCCEEDED', amRpcAddress: 'am-host:7000', elapsedTime: 3500 });
    const odd = new ApplicationClientRpc(fakeRpc(msg(1, appIdBytes(1), num(8, 42))));
    await odd.getApplicationReport({ clusterTimestamp: TS, id: 7 }).then(
      () => expect.fail('an unknown state was accepted'),
      (err: unknown) => expect(err).to.be.instanceOf(ProtocolError),
    );
  });
});
