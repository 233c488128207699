import { expect } from 'chai';
import { AttemptGoneError, RmClient, type RmClientOptions, type SchedulerConnection } from '../../appmaster/rm-client.js';
import { createToken, type Token } from '../../protocols/credentials/index.js';
import { ConnectionError, RemoteError, StandbyError } from '../../protocols/errors/index.js';
import {
  AM_NOT_REGISTERED_EXCEPTION,
  ATTEMPT_NOT_FOUND_EXCEPTION,
  type AllocateRequest,
  type AllocateResult,
  type ResourceAsk,
} from '../../protocols/yarn/index.js';

const token = (name: string): Token =>
  createToken({ identifier: Buffer.from(name), password: Buffer.from('pw'), kind: 'YARN_AM_RM_TOKEN', service: '' });

function result(over: Partial<AllocateResult> = {}): AllocateResult {
  return {
    responseId: 1,
    allocated: [],
    completed: [],
    nmTokens: [],
    numClusterNodes: 2,
    updatedNodes: [],
    containersFromPreviousAttempts: [],
    ...over,
  };
}

const registration = {
  maximumCapability: { memoryMb: 4096, vcores: 4 },
  containersFromPreviousAttempts: [],
  nmTokensFromPreviousAttempts: [],
  schedulerResourceTypes: ['memory' as const],
};

const ask: ResourceAsk = {
  allocationRequestId: 1,
  priority: 1,
  resource: { memoryMb: 256, vcores: 1 },
  count: 3,
  resourceName: '*',
  relaxLocality: true,
};

/** A scripted scheduler: each address gets its own list of behaviours for allocate. */
class FakeScheduler {
  readonly connects: { address: string; token: string; reconnects?: number }[] = [];
  readonly allocates: (AllocateRequest & { address: string })[] = [];
  registers = 0;
  finishes = 0;
  allocateScript: ((address: string) => Promise<AllocateResult>)[] = [];
  finishScript: boolean[] = [true];
  registerFailures: Error[] = [];
  finishFailures: Error[] = [];

  connect = (address: { host: string; port: number }, t: Token, _qops?: unknown, reconnects?: number): SchedulerConnection => {
    const at = `${address.host}:${address.port}`;
    this.connects.push({ address: at, token: t.identifier.toString(), ...(reconnects !== undefined ? { reconnects } : {}) });
    return {
      register: async () => {
        const f = this.registerFailures.shift();
        if (f) throw f;
        this.registers += 1;
        return registration;
      },
      allocate: async (r) => {
        this.allocates.push({ ...r, address: at });
        const next = this.allocateScript.shift();
        return next ? next(at) : result({ responseId: r.responseId + 1 });
      },
      finish: async () => {
        const f = this.finishFailures.shift();
        if (f) throw f;
        this.finishes += 1;
        return { unregistered: this.finishScript.shift() ?? true };
      },
      close: async () => {},
    };
  };
}

function client(fake: FakeScheduler, addresses = ['rm1:8030'], over: Partial<RmClientOptions> = {}) {
  return new RmClient({
    schedulerAddresses: addresses,
    amrmToken: token('t1'),
    connect: fake.connect,
    resyncAsks: () => [ask],
    sleep: async () => {},
    ...over,
  });
}

describe('appmaster rm-client', () => {
  it('sends response id 0 after registering, then echoes what the RM answered', async () => {
    const fake = new FakeScheduler();
    fake.allocateScript = [async () => result({ responseId: 7 }), async () => result({ responseId: 8 })];
    const rm = client(fake);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    await rm.allocate({ progress: 0, asks: [ask], releases: [] });
    await rm.allocate({ progress: 0.5, asks: [], releases: [] });
    expect(fake.allocates.map((a) => a.responseId)).to.deep.equal([0, 7]);
  });

  it('keeps the newest NMToken per node', async () => {
    const fake = new FakeScheduler();
    const node = { host: 'n1', port: 45451 };
    fake.allocateScript = [
      async () => result({ nmTokens: [{ nodeId: node, token: token('nm-a') }] }),
      async () => result({ nmTokens: [{ nodeId: node, token: token('nm-b') }] }),
    ];
    const rm = client(fake);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    await rm.allocate({ progress: 0, asks: [], releases: [] });
    expect(rm.nmToken(node)!.identifier.toString()).to.equal('nm-a');
    await rm.allocate({ progress: 0, asks: [], releases: [] });
    expect(rm.nmToken(node)!.identifier.toString()).to.equal('nm-b');
    expect(rm.nmToken({ host: 'n2', port: 1 })).to.equal(undefined);
  });

  it('re-registers on ApplicationMasterNotRegisteredException and resends the full ask table with id 0', async () => {
    const fake = new FakeScheduler();
    fake.allocateScript = [
      async () => result({ responseId: 5 }),
      async () => {
        throw new RemoteError('not registered', { exceptionClassName: AM_NOT_REGISTERED_EXCEPTION });
      },
      async () => result({ responseId: 1 }),
    ];
    const rm = client(fake);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    await rm.allocate({ progress: 0, asks: [], releases: [] });
    await rm.allocate({ progress: 0, asks: [], releases: [] });
    expect(fake.registers).to.equal(2);
    const resent = fake.allocates[2]!;
    expect(resent.responseId).to.equal(0);
    expect(resent.asks).to.deep.equal([ask]);
  });

  it('turns ApplicationAttemptNotFoundException into AttemptGoneError', async () => {
    const fake = new FakeScheduler();
    fake.allocateScript = [
      async () => {
        throw new RemoteError('gone', { exceptionClassName: ATTEMPT_NOT_FOUND_EXCEPTION });
      },
    ];
    const rm = client(fake);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    const err = await rm.allocate({ progress: 0, asks: [], releases: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AttemptGoneError);
  });

  it('fails over to the next scheduler address on a standby or refused connection, with the current token', async () => {
    const fake = new FakeScheduler();
    fake.allocateScript = [
      async () => result({ responseId: 3, amRmToken: token('t2') }),
      async () => {
        throw new StandbyError('standby');
      },
      async () => result({ responseId: 4 }),
    ];
    const rm = client(fake, ['rm1:8030', 'rm2:8030']);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    await rm.allocate({ progress: 0, asks: [], releases: [] });
    await rm.allocate({ progress: 0, asks: [], releases: [] });
    expect(fake.allocates.map((a) => a.address)).to.deep.equal(['rm1:8030', 'rm1:8030', 'rm2:8030']);
    expect(fake.connects).to.deep.equal([
      { address: 'rm1:8030', token: 't1', reconnects: 0 },
      { address: 'rm2:8030', token: 't2', reconnects: 0 },
    ]);
    expect(rm.server).to.equal('rm2:8030');
  });

  it('gives up after trying every address once when the failover timeout is 0, with the last connection error', async () => {
    const fake = new FakeScheduler();
    fake.registerFailures = [new ConnectionError('refused 1'), new ConnectionError('refused 2')];
    const rm = client(fake, ['rm1:8030', 'rm2:8030'], { failoverTimeoutMs: 0 });
    const err = await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as Error).message).to.equal('refused 2');
  });

  it('repeats finish until the RM confirms unregistration', async () => {
    const fake = new FakeScheduler();
    fake.finishScript = [false, false, true];
    const rm = client(fake);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    await rm.finish('succeeded', 'done');
    expect(fake.finishes).to.equal(3);
  });

  it('repeats finish while no ResourceManager answers (RM failover), then re-registers with the new active one', async () => {
    const fake = new FakeScheduler();
    const logs: string[] = [];
    // Each call is one round over the RMs here: finish itself repeats it.
    const rm = client(fake, ['rm1:8030', 'rm2:8030'], { log: (m) => logs.push(m), failoverTimeoutMs: 0 });
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    // rm1 died (refused), rm2 still standby; a whole round fails twice; then rm2 is active and has
    // recovered the application, but not this attempt's registration.
    fake.finishFailures = [
      new ConnectionError('refused'),
      new StandbyError('standby'),
      new ConnectionError('refused'),
      new StandbyError('standby'),
      new ConnectionError('refused'),
      new RemoteError('not registered', { exceptionClassName: AM_NOT_REGISTERED_EXCEPTION }),
    ];
    await rm.finish('succeeded', 'done');
    expect(fake.finishes).to.equal(1);
    expect(fake.registers).to.equal(2);
    expect(rm.server).to.equal('rm2:8030');
    expect(logs.filter((l) => l.startsWith('unregistering: no ResourceManager answered'))).to.have.length(2);
  });

  it('gives up unregistering once the finish timeout has passed without a ResourceManager', async () => {
    const fake = new FakeScheduler();
    const rm = client(fake, ['rm1:8030', 'rm2:8030'], {
      finishTimeoutMs: 20,
      failoverTimeoutMs: 0,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms / 50)),
    });
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    fake.finishFailures = Array.from({ length: 1000 }, () => new ConnectionError('refused'));
    const err = await rm.finish('succeeded', 'done').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectionError);
    expect(fake.finishes).to.equal(0);
  });

  it('with several RMs, goes round them with growing waits until one is active, within the failover timeout', async () => {
    const fake = new FakeScheduler();
    let t = 0;
    const waits: number[] = [];
    const logs: string[] = [];
    const rm = client(fake, ['rm1:8030', 'rm2:8030'], {
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
      log: (m) => logs.push(m),
    });
    // Five rounds of rm1 refused and rm2 standby (the election takes a while); then rm1 is still
    // refused and rm2 answers.
    fake.registerFailures = [
      ...Array.from({ length: 5 }, () => [new ConnectionError('refused'), new StandbyError('standby')]).flat(),
      new ConnectionError('refused'),
    ];
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    expect(fake.registers).to.equal(1);
    expect(rm.server).to.equal('rm2:8030');
    expect(waits).to.deep.equal([200, 400, 800, 1600, 2000]);
    expect(logs.filter((l) => l.startsWith('failing over'))).to.have.length(2);
    expect(logs.at(-1)).to.equal('ResourceManager scheduler rm2:8030 answered after 6 rounds over the ResourceManagers');
    // A refused RM is left at once (no reconnect retries) when there is another one to try.
    expect(new Set(fake.connects.map((c) => c.reconnects))).to.deep.equal(new Set([0]));
  });

  it('with several RMs, gives up once the failover timeout has passed; with one, leaves retries to the connection', async () => {
    const fake = new FakeScheduler();
    let t = 0;
    const rm = client(fake, ['rm1:8030', 'rm2:8030'], {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      failoverTimeoutMs: 10_000,
    });
    fake.registerFailures = Array.from({ length: 100 }, (_, i) => new ConnectionError(`refused ${i}`));
    const err = await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConnectionError);
    expect(t).to.be.within(10_000, 12_000);

    const single = new FakeScheduler();
    single.registerFailures = [new ConnectionError('refused')];
    const one = client(single, ['rm1:8030']);
    const e1 = await one.register({ host: 'h', rpcPort: 0, trackingUrl: '' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(e1).to.be.instanceOf(ConnectionError);
    expect(single.connects).to.deep.equal([{ address: 'rm1:8030', token: 't1' }]);
  });

  it('does not repeat a finish the RM refused for another reason', async () => {
    const fake = new FakeScheduler();
    const rm = client(fake);
    await rm.register({ host: 'h', rpcPort: 0, trackingUrl: '' });
    fake.finishFailures = [new RemoteError('bad request', { exceptionClassName: 'org.apache.hadoop.yarn.exceptions.YarnException' })];
    const err = await rm.finish('succeeded', 'done').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).to.equal('bad request');
    expect(fake.finishFailures).to.have.length(0);
  });

  it('rejects a malformed scheduler address, naming it', () => {
    expect(() => client(new FakeScheduler(), ['rm1'])).to.throw(/scheduler address must be host:port, got 'rm1'/);
    expect(() => client(new FakeScheduler(), [])).to.throw(/yarn.resourcemanager.scheduler.address/);
  });
});
