import { expect } from 'chai';
import { Duplex } from 'node:stream';
import { AuthenticationError, type SpindleError } from '../../protocols/errors/index.js';
import { FrameDecoder, decodeResponsePacket } from '../../protocols/hadoop-rpc/framing.js';
import { decodeSasl } from '../../protocols/hadoop-rpc/messages.js';
import { RpcConnection } from '../../protocols/hadoop-rpc/index.js';
import { FakeClock, fakeMechanism } from './hadoop-rpc-fake-server.js';

/* Captured from the local Hadoop 3.5.0 ResourceManager (scripts/cluster) with this client. */
const SIMPLE_REFUSED =
  '0000007e7d08ffffffff0f1002180922316f72672e6170616368652e6861646f6f702e73656375726974792e416363657373' +
  '436f6e74726f6c457863657074696f6e2a3853494d504c452061757468656e7469636174696f6e206973206e6f7420656e61' +
  '626c65642e2020417661696c61626c653a5b544f4b454e5d300f3a004001';
const NEGOTIATE =
  '000000a20e08dfffffff0f100018093a00400191011001228c010a05544f4b454e120a4449474553542d4d44351a00220764' +
  '656661756c742a6c7265616c6d3d2264656661756c74222c6e6f6e63653d22765a74504b414e716d3478434c3430794d4a48' +
  '32695956492b52387a4f564a4d3848657575456f34222c716f703d2261757468222c636861727365743d7574662d382c616c' +
  '676f726974686d3d6d64352d73657373';
const INVALID_TOKEN =
  '000000aaa80108dfffffff0f10021809223b6f72672e6170616368652e6861646f6f702e73656375726974792e746f6b656e' +
  '2e5365637265744d616e6167657224496e76616c6964546f6b656e2a59617070617474656d70745f37393537373036373439' +
  '3030393333383433335f313239373233393338305f31383639333039323934206e6f7420666f756e6420696e20414d524d54' +
  '6f6b656e5365637265744d616e616765722e300f3a004001';
const CLIENT_RM_STREAM =
  '0000002e1a0800100018093a10c90f33bd406e41cc9185313abd05391f4000120a1008021000180220002800300038004000' +
  '000004979509080110011809222e6f72672e6170616368652e6861646f6f702e6970632e5270634e6f537563684d6574686f' +
  '64457863657074696f6e2ac608556e6b6e6f776e206d6574686f64206e6f537563684d6574686f642063616c6c6564206f6e' +
  '206f72672e6170616368652e6861646f6f702e7961726e2e6170692e4170706c69636174696f6e436c69656e7450726f746f' +
  '636f6c50422070726f746f636f6c2e0a096174206f72672e6170616368652e6861646f6f702e6970632e50726f746f627566' +
  '527063456e67696e6532245365727665722450726f746f427566527063496e766f6b65722e63616c6c2850726f746f627566' +
  '527063456e67696e65322e6a6176613a363230290a096174206f72672e6170616368652e6861646f6f702e6970632e50726f' +
  '746f627566527063456e67696e6532245365727665722450726f746f427566527063496e766f6b65722e63616c6c2850726f' +
  '746f627566527063456e67696e65322e6a6176613a353939290a096174206f72672e6170616368652e6861646f6f702e6970' +
  '632e50726f746f627566527063456e67696e6532245365727665722450726f746f427566527063496e766f6b65722e63616c' +
  '6c2850726f746f627566527063456e67696e65322e6a6176613a353833290a096174206f72672e6170616368652e6861646f' +
  '6f702e6970632e525043245365727665722e63616c6c285250432e6a6176613a31323238290a096174206f72672e61706163' +
  '68652e6861646f6f702e6970632e5365727665722452706343616c6c2e72756e285365727665722e6a6176613a3133313229' +
  '0a096174206f72672e6170616368652e6861646f6f702e6970632e5365727665722452706343616c6c2e72756e2853657276' +
  '65722e6a6176613a31323237290a096174206a6176612e626173652f6a6176612e73656375726974792e416363657373436f' +
  '6e74726f6c6c65722e646f50726976696c6567656428416363657373436f6e74726f6c6c65722e6a6176613a373132290a09' +
  '6174206a6176612e626173652f6a617661782e73656375726974792e617574682e5375626a6563742e646f4173285375626a' +
  '6563742e6a6176613a343339290a096174206f72672e6170616368652e6861646f6f702e73656375726974792e6175746865' +
  '6e7469636174696f6e2e7574696c2e5375626a6563745574696c2e646f4173285375626a6563745574696c2e6a6176613a33' +
  '3238290a096174206f72672e6170616368652e6861646f6f702e73656375726974792e5573657247726f7570496e666f726d' +
  '6174696f6e2e646f4173285573657247726f7570496e666f726d6174696f6e2e6a6176613a31393538290a096174206f7267' +
  '2e6170616368652e6861646f6f702e6970632e5365727665722448616e646c65722e776f726b285365727665722e6a617661' +
  '3a33323739290a096174206f72672e6170616368652e6861646f6f702e7574696c2e636f6e63757272656e742e5375626a65' +
  '6374496e6865726974696e675468726561642e72756e285375626a656374496e6865726974696e675468726561642e6a6176' +
  '613a323039290a30023a10c90f33bd406e41cc9185313abd05391f4000';

const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** A socket that answers the client's n-th write with the n-th reply, then hangs up after the last. */
function replaySocket(replies: Buffer[]): Duplex {
  let writes = 0;
  const socket: Duplex = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      const reply = replies[writes++];
      if (reply !== undefined) {
        socket.push(reply);
        if (writes === replies.length) socket.push(null);
      }
      callback();
    },
  });
  return socket;
}

async function failure(c: RpcConnection, method: string): Promise<SpindleError> {
  try {
    await c.call(method, new Uint8Array(0));
  } catch (e) {
    return e as SpindleError;
  }
  throw new Error('expected a failure');
}

describe('hadoop-rpc against captured ResourceManager bytes', () => {
  it('decodes the scheduler port NEGOTIATE: TOKEN/DIGEST-MD5 only, protocol "" present, inline challenge', () => {
    const [packet] = new FrameDecoder().push(bytes(NEGOTIATE));
    const { header, body } = decodeResponsePacket(packet!);
    expect(header).to.include({ callId: -33, status: 'SUCCESS', serverIpcVersionNum: 9 });
    const sasl = decodeSasl(body!);
    expect(sasl.state).to.equal('NEGOTIATE');
    expect(sasl.auths).to.have.length(1);
    const { challenge, ...auth } = sasl.auths![0]!;
    expect(auth).to.deep.equal({ method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default' });
    expect(challenge!.toString()).to.match(/^realm="default",nonce="[^"]+",qop="auth",charset=utf-8,algorithm=md5-sess$/);
  });

  it('decodes a client-port stream byte by byte: SUCCESS with body, then ERROR with a stack trace', () => {
    const decoder = new FrameDecoder();
    const packets: Buffer[] = [];
    for (const b of bytes(CLIENT_RM_STREAM)) packets.push(...decoder.push(Buffer.from([b])));
    expect(packets).to.have.length(2);
    const ok = decodeResponsePacket(packets[0]!);
    expect(ok.header).to.include({ callId: 0, status: 'SUCCESS' });
    expect(ok.header.clientId).to.have.length(16);
    // GetClusterMetricsResponseProto { cluster_metrics { num_node_managers: 2, ... } }
    expect(ok.body!.subarray(0, 4).toString('hex')).to.equal('0a100802');
    const err = decodeResponsePacket(packets[1]!);
    expect(err.body).to.equal(undefined);
    expect(err.header).to.include({
      callId: 1,
      status: 'ERROR',
      errorDetail: 'ERROR_NO_SUCH_METHOD',
      exceptionClassName: 'org.apache.hadoop.ipc.RpcNoSuchMethodException',
    });
    expect(err.header.errorMsg!.split('\n')[0]).to.equal(
      'Unknown method noSuchMethod called on org.apache.hadoop.yarn.api.ApplicationClientProtocolPB protocol.',
    );
  });

  it('turns the FATAL refusing SIMPLE auth (call id -1) into an AuthenticationError', async () => {
    const c = new RpcConnection({
      host: 'rm',
      port: 8030,
      protocol: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB',
      auth: { kind: 'simple', user: 'alice' },
      clock: new FakeClock(),
      socketFactory: () => replaySocket([bytes(SIMPLE_REFUSED)]),
    });
    const err = await failure(c, 'registerApplicationMaster');
    expect(err).to.be.instanceOf(AuthenticationError);
    expect(err.message).to.equal(
      'registerApplicationMaster: server rm:8030 refused the connection: AccessControlException: SIMPLE authentication is not enabled.  Available:[TOKEN]',
    );
    expect(err.exceptionClassName).to.equal('org.apache.hadoop.security.AccessControlException');
  });

  it('turns the FATAL for an unknown token into an AuthenticationError naming InvalidToken', async () => {
    const { factory, created } = fakeMechanism();
    const c = new RpcConnection({
      host: 'rm',
      port: 8030,
      protocol: 'org.apache.hadoop.yarn.api.ApplicationMasterProtocolPB',
      auth: { kind: 'token', identifier: Buffer.from('id'), password: Buffer.from('pw') },
      clock: new FakeClock(),
      saslMechanism: factory,
      socketFactory: () => replaySocket([bytes(NEGOTIATE), bytes(INVALID_TOKEN)]),
    });
    const err = await failure(c, 'registerApplicationMaster');
    expect(created[0]).to.deep.include({ protocol: '', serverId: 'default' });
    expect(err).to.be.instanceOf(AuthenticationError);
    expect(err.exceptionClassName).to.equal('org.apache.hadoop.security.token.SecretManager$InvalidToken');
    expect(err.message).to.match(
      /refused the connection: SecretManager\$InvalidToken: appattempt_\S+ not found in AMRMTokenSecretManager\.$/,
    );
    expect(err.retriable).to.equal(false);
  });
});
