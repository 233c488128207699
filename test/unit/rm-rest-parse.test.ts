import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtocolError } from '../../protocols/errors/index.js';
import {
  parseAppResponse,
  xmlElementText,
  parseApps,
  parseAttempts,
  parseClusterInfo,
  parseClusterMetrics,
  parseNewApplication,
  parseNodes,
} from '../../protocols/rm-rest/index.js';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'rm-rest');

/** A response body captured from the real Hadoop 3.5.0 RM (see test/fixtures/rm-rest/README.md). */
function real(name: string): unknown {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;
}

/** One app object from the real single-app list, for building variants. */
function realAppObject(): Record<string, unknown> {
  const body = real('apps-single.json') as { apps: { app: Record<string, unknown>[] } };
  return body.apps.app[0]!;
}

describe('rm-rest parsers', () => {
  describe('real Hadoop 3.5.0 answers', () => {
    it('reads cluster info', () => {
      const info = parseClusterInfo(real('cluster-info.json'));
      expect(info.haState).to.equal('ACTIVE');
      expect(info.state).to.equal('STARTED');
      expect(info.resourceManagerVersion).to.equal('3.5.0');
      expect(info.id).to.be.a('number').and.to.be.greaterThan(0);
    });

    it('reads cluster metrics with camelCase names', () => {
      const m = parseClusterMetrics(real('cluster-metrics.json'));
      expect(m.activeNodes).to.equal(2);
      expect(m.totalMb).to.equal(12288);
      expect(m.totalVcores).to.equal(16);
      expect(m.availableMb).to.equal(12288);
    });

    it('reads two nodes', () => {
      const nodes = parseNodes(real('nodes.json'));
      expect(nodes).to.have.length(2);
      expect(nodes.map((n) => n.nodeHttpAddress).sort()).to.deep.equal(['localhost:8042', 'localhost:8052']);
      expect(nodes[0]!.state).to.equal('RUNNING');
      expect(nodes[0]!.availMemoryMb).to.equal(6144);
      expect(nodes[0]!.availableVcores).to.equal(8);
    });

    it('reads an empty node list rendered as {"nodes":{}}', () => {
      expect(real('nodes-empty.json')).to.deep.equal({ nodes: {} });
      expect(parseNodes(real('nodes-empty.json'))).to.deep.equal([]);
    });

    it('reads an empty app list rendered as {"apps":{}}', () => {
      expect(real('apps-empty.json')).to.deep.equal({ apps: {} });
      expect(parseApps(real('apps-empty.json'))).to.deep.equal([]);
    });

    it('reads a one-element app list (an array on 3.5.0) with lower-cased tags', () => {
      const apps = parseApps(real('apps-single.json'));
      expect(apps).to.have.length(1);
      const app = apps[0]!;
      expect(app.name).to.equal('fixture-sleep');
      expect(app.user).to.equal('fixture');
      expect(app.applicationType).to.equal('SPINDLE-FIXTURE');
      expect(app.tags).to.deep.equal(['fixture-tag', 'second']);
      expect(app.queue).to.equal('root.default');
    });

    it('reads an accepted app whose AM container runs', () => {
      const app = parseAppResponse(real('app-accepted.json'));
      expect(app.state).to.equal('ACCEPTED');
      expect(app.finalStatus).to.equal('UNDEFINED');
      expect(app.id).to.match(/^application_\d+_\d+$/);
      expect(app.allocatedMb).to.equal(128);
      expect(app.runningContainers).to.equal(1);
      expect(app.amHostHttpAddress).to.match(/^localhost:80[45]2$/);
      expect(app.trackingUrl).to.equal(undefined);
      expect(app.finishedTime).to.equal(0);
    });

    it('reads a killed app and turns -1 holdings into 0', () => {
      const app = parseAppResponse(real('app-killed.json'));
      expect(app.state).to.equal('KILLED');
      expect(app.finalStatus).to.equal('KILLED');
      expect(app.allocatedMb).to.equal(0);
      expect(app.allocatedVcores).to.equal(0);
      expect(app.runningContainers).to.equal(0);
      expect(app.finishedTime).to.be.greaterThan(app.startedTime);
      expect(app.diagnostics).to.contain('was killed by user');
      expect(app.trackingUrl).to.contain('/cluster/app/');
    });

    it('reads attempts', () => {
      const attempts = parseAttempts(real('appattempts.json'));
      expect(attempts).to.have.length(1);
      expect(attempts[0]!.id).to.equal(1);
      expect(attempts[0]!.attemptId).to.match(/^appattempt_\d+_\d+_000001$/);
      expect(attempts[0]!.containerId).to.match(/^container_\d+_\d+_01_000001$/);
      expect(attempts[0]!.state).to.equal('LAUNCHED');
    });

    it('reads new-application with the maximum capability', () => {
      const n = parseNewApplication(real('new-application.json'));
      expect(n.applicationId).to.match(/^application_\d+_\d+$/);
      expect(n.maximumResourceCapability).to.deep.equal({ memoryMb: 4096, vcores: 4 });
    });
  });

  describe('empty and single-element variants (Jersey 1 / Jettison / MOXy)', () => {
    /** Every way an empty wrapped list has been (or may be) rendered. */
    const empties = (element: string): [string, unknown][] => [
      ['null', null],
      ['{}', {}],
      ['""', ''],
      [`{"${element}":null}`, { [element]: null }],
      [`{"${element}":[]}`, { [element]: [] }],
    ];
    const lists: [string, string, (body: unknown) => unknown[]][] = [
      ['apps', 'app', parseApps],
      ['nodes', 'node', parseNodes],
      ['appAttempts', 'appAttempt', parseAttempts],
    ];
    for (const [wrapper, element, parse] of lists) {
      for (const [label, value] of empties(element)) {
        it(`${wrapper}: ${label} → []`, () => {
          expect(parse({ [wrapper]: value })).to.deep.equal([]);
        });
      }
      it(`${wrapper}: missing → []`, () => {
        expect(parse({})).to.deep.equal([]);
        expect(parse(null)).to.deep.equal([]);
      });
    }

    it('accepts a single app as an object instead of an array', () => {
      const apps = parseApps({ apps: { app: realAppObject() } });
      expect(apps).to.have.length(1);
      expect(apps[0]!.name).to.equal('fixture-sleep');
    });

    it('accepts a single node and a single attempt as objects', () => {
      const node = (real('nodes.json') as { nodes: { node: unknown[] } }).nodes.node[0];
      expect(parseNodes({ nodes: { node } })).to.have.length(1);
      const attempt = (real('appattempts.json') as { appAttempts: { appAttempt: unknown[] } }).appAttempts.appAttempt[0];
      expect(parseAttempts({ appAttempts: { appAttempt: attempt } })[0]!.id).to.equal(1);
    });

    it('accepts many apps and skips non-object entries', () => {
      const a = realAppObject();
      const apps = parseApps({ apps: { app: [a, null, 'junk', { ...a, id: 'application_1_0002' }] } });
      expect(apps.map((x) => x.id)).to.deep.equal([a.id, 'application_1_0002']);
    });

    it('accepts numbers and booleans rendered as strings', () => {
      const app = parseApps({
        apps: { app: { ...realAppObject(), allocatedMB: '512', progress: '42.5', unmanagedApplication: 'true' } },
      })[0]!;
      expect(app.allocatedMb).to.equal(512);
      expect(app.progress).to.equal(42.5);
      expect(app.unmanagedApplication).to.equal(true);
    });
  });

  describe('tags', () => {
    const cases: [string, unknown, string[]][] = [
      ['comma string', 'a,b', ['a', 'b']],
      ['single string', 'a', ['a']],
      ['empty string', '', []],
      ['null', null, []],
      ['missing', undefined, []],
      ['{}', {}, []],
      ['array', ['a', 'b'], ['a', 'b']],
      ['{"tag":[...]}', { tag: ['a', 'b'] }, ['a', 'b']],
      ['{"tag":"a"}', { tag: 'a' }, ['a']],
    ];
    for (const [label, value, want] of cases) {
      it(`${label} → ${JSON.stringify(want)}`, () => {
        const o: Record<string, unknown> = { ...realAppObject() };
        if (value === undefined) delete o.applicationTags;
        else o.applicationTags = value;
        expect(parseApps({ apps: { app: [o] } })[0]!.tags).to.deep.equal(want);
      });
    }
  });

  describe('malformed answers', () => {
    it('rejects an app answer without "app"', () => {
      expect(() => parseAppResponse({})).to.throw(ProtocolError, /no "app"/);
    });
    it('rejects new-application without an id', () => {
      expect(() => parseNewApplication({ 'maximum-resource-capability': {} })).to.throw(ProtocolError, /application-id/);
    });
    it('reads the documented "maximum-resource-capabilities" spelling too', () => {
      const n = parseNewApplication({
        'application-id': 'application_1_0001',
        'maximum-resource-capabilities': { memory: 8192, vCores: 32 },
      });
      expect(n.maximumResourceCapability).to.deep.equal({ memoryMb: 8192, vcores: 32 });
    });
  });

  it('reads the diagnostics of a single attempt from its XML answer (Hadoop 3.5.0 serves no JSON there)', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><appAttempt><appAttemptId>appattempt_1796319572887_0002_000001</appAttemptId>' +
      '<host>N/A</host><diagnosticsInfo>AM Container for appattempt_1796319572887_0002_000001 exited with  exitCode: 137\n' +
      'Failing this attempt.Diagnostics: [2026-12-03 17:48:00.092]Container killed on request. Exit code is 137\n' +
      'For more detailed output, check &lt;the page&gt; &amp; click &#65;&#x42;.\n</diagnosticsInfo><appAttemptState>FAILED</appAttemptState></appAttempt>';
    expect(xmlElementText(xml, 'diagnosticsInfo')).to.equal(
      'AM Container for appattempt_1796319572887_0002_000001 exited with  exitCode: 137\n' +
        'Failing this attempt.Diagnostics: [2026-12-03 17:48:00.092]Container killed on request. Exit code is 137\n' +
        'For more detailed output, check <the page> & click AB.',
    );
    expect(xmlElementText(xml, 'appAttemptState')).to.equal('FAILED');
    expect(xmlElementText(xml, 'missing')).to.equal(undefined);
    expect(xmlElementText('<a><diagnosticsInfo></diagnosticsInfo></a>', 'diagnosticsInfo')).to.equal(undefined);
  });
});
