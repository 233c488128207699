import { expect } from 'chai';
import { AuthenticationError, ProtocolError } from '../../protocols/errors/index.js';
import { SaslNegotiation } from '../../protocols/hadoop-rpc/sasl-negotiation.js';
import { DEFAULT_AUTHS, RSPAUTH, fakeMechanism, fakeResponse, xorLayer } from './hadoop-rpc-fake-server.js';

const credentials = { identifier: Buffer.from([1, 2, 3]), password: Buffer.from([0xff, 0xfe]) };

function negotiation(factory = fakeMechanism().factory): SaslNegotiation {
  return new SaslNegotiation({ server: 'rm:8030', credentials, mechanismFactory: factory });
}

describe('hadoop-rpc SASL negotiation', () => {
  it('answers the inline challenge and echoes the chosen auth without it', () => {
    const { factory, created } = fakeMechanism();
    const n = negotiation(factory);
    expect(n.start()).to.deep.equal({ state: 'NEGOTIATE' });
    const step = n.receive({ state: 'NEGOTIATE', auths: DEFAULT_AUTHS });
    // Hadoop: user name = base64(identifier), password = base64(password); protocol/serverId as advertised.
    expect(created).to.deep.equal([{ username: 'AQID', password: '//4=', protocol: '', serverId: 'default' }]);
    expect(step.send).to.deep.equal({
      state: 'INITIATE',
      auths: [{ method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default' }],
      token: fakeResponse(created[0]!, Buffer.from('challenge-1')),
    });
    const done = n.receive({ state: 'SUCCESS', token: RSPAUTH });
    expect(done.outcome).to.deep.equal({ method: 'TOKEN', qop: 'auth', securityLayer: undefined });
  });

  it('passes allowedQops to the mechanism and returns its security layer', () => {
    const layer = xorLayer('auth-int');
    const { factory, created } = fakeMechanism('auth-int', layer);
    const n = new SaslNegotiation({ server: 's:1', credentials, mechanismFactory: factory, allowedQops: ['auth-int'] });
    n.start();
    n.receive({ state: 'NEGOTIATE', auths: DEFAULT_AUTHS });
    expect(created[0]!.allowedQops).to.deep.equal(['auth-int']);
    const done = n.receive({ state: 'SUCCESS', token: RSPAUTH });
    expect(done.outcome?.qop).to.equal('auth-int');
    expect(done.outcome?.securityLayer).to.equal(layer);
  });

  it('handles CHALLENGE/RESPONSE rounds when no challenge came inline', () => {
    const { factory, created } = fakeMechanism();
    const n = negotiation(factory);
    n.start();
    const auths = [{ method: 'TOKEN', mechanism: 'DIGEST-MD5', protocol: '', serverId: 'default' }];
    const initiate = n.receive({ state: 'NEGOTIATE', auths });
    expect(initiate.send).to.deep.equal({ state: 'INITIATE', auths });
    const response = n.receive({ state: 'CHALLENGE', token: Buffer.from('c2') });
    expect(response.send).to.deep.equal({ state: 'RESPONSE', token: fakeResponse(created[0]!, Buffer.from('c2')) });
    expect(n.receive({ state: 'SUCCESS', token: RSPAUTH }).outcome?.method).to.equal('TOKEN');
  });

  it('treats SUCCESS in answer to NEGOTIATE as SIMPLE', () => {
    const n = negotiation();
    n.start();
    expect(n.receive({ state: 'SUCCESS' }).outcome).to.deep.equal({ method: 'SIMPLE', qop: undefined, securityLayer: undefined });
  });

  it('explains a Kerberos-only server', () => {
    const n = negotiation();
    n.start();
    expect(() =>
      n.receive({ state: 'NEGOTIATE', auths: [{ method: 'KERBEROS', mechanism: 'GSSAPI', protocol: 'rm', serverId: 'host' }] }),
    ).to.throw(AuthenticationError, /rm:8030.*Kerberized.*KERBEROS\/GSSAPI.*Kerberos \(SASL GSSAPI/);
  });

  it('refuses a token mechanism other than DIGEST-MD5', () => {
    const n = negotiation();
    n.start();
    expect(() =>
      n.receive({ state: 'NEGOTIATE', auths: [{ method: 'TOKEN', mechanism: 'SCRAM-SHA-256', protocol: '', serverId: 'default' }] }),
    ).to.throw(AuthenticationError, /SCRAM-SHA-256.*only DIGEST-MD5.*hadoop\.security\.sasl\.mechanism/);
  });

  it('fails when rspauth is missing or wrong', () => {
    for (const token of [undefined, Buffer.from('rspauth=bad')]) {
      const n = negotiation();
      n.start();
      n.receive({ state: 'NEGOTIATE', auths: DEFAULT_AUTHS });
      expect(() => n.receive(token === undefined ? { state: 'SUCCESS' } : { state: 'SUCCESS', token })).to.throw(
        AuthenticationError,
        /SASL authentication to rm:8030 failed/,
      );
    }
  });

  it('wraps mechanism failures as AuthenticationError', () => {
    const n = negotiation(() => {
      throw new Error('no acceptable qop');
    });
    n.start();
    expect(() => n.receive({ state: 'NEGOTIATE', auths: DEFAULT_AUTHS })).to.throw(AuthenticationError, /no acceptable qop/);
  });

  it('rejects states out of order', () => {
    const n = negotiation();
    n.start();
    expect(() => n.receive({ state: 'CHALLENGE', token: Buffer.from('x') })).to.throw(ProtocolError, /expected NEGOTIATE or SUCCESS/);
    const m = negotiation();
    m.start();
    m.receive({ state: 'NEGOTIATE', auths: DEFAULT_AUTHS });
    expect(() => m.receive({ state: 'NEGOTIATE' })).to.throw(ProtocolError, /expected CHALLENGE or SUCCESS/);
  });
});
