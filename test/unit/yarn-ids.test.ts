import { expect } from 'chai';
import { ConfigError } from '../../protocols/errors/index.js';
import {
  attemptIdFromContainerId,
  containerIdFromNumber,
  containerNumber,
  formatAppAttemptId,
  formatApplicationId,
  makeContainerId,
  MAX_CONTAINER_SEQUENCE,
  parseAppAttemptId,
  parseApplicationId,
  parseContainerId,
  sameApplicationId,
} from '../../protocols/yarn/index.js';

// Expected strings and numbers were printed by Hadoop 3.5.0's own ApplicationId /
// ApplicationAttemptId / ContainerId (toString, fromString, getContainerId).

describe('yarn ids', () => {
  const appId = { clusterTimestamp: 1700000000123, id: 7 };
  const attempt = { appId, attemptId: 1 };

  it('formats application and attempt ids with Hadoop padding', () => {
    expect(formatApplicationId(appId)).to.equal('application_1700000000123_0007');
    expect(formatAppAttemptId(attempt)).to.equal('appattempt_1700000000123_0007_000001');
    expect(formatApplicationId({ clusterTimestamp: 1410901177871, id: 12345 })).to.equal('application_1410901177871_12345');
  });

  it('formats container ids: epoch only when > 0, minimum widths, never truncates', () => {
    expect(makeContainerId(attempt, 0, 2).text).to.equal('container_1700000000123_0007_01_000002');
    expect(makeContainerId(attempt, 3, 12).text).to.equal('container_e03_1700000000123_0007_01_000012');
    const big = makeContainerId({ appId: { clusterTimestamp: 1700000000123, id: 123456 }, attemptId: 1234567 }, 1234, 12345678);
    expect(big.text).to.equal('container_e1234_1700000000123_123456_1234567_12345678');
  });

  it('parses container ids with and without epoch and computes the 64-bit number', () => {
    const withEpoch = parseContainerId('container_e17_1410901177871_0001_01_000005');
    expect(withEpoch).to.deep.include({ epoch: 17, sequence: 5, text: 'container_e17_1410901177871_0001_01_000005' });
    expect(withEpoch.appAttemptId).to.deep.equal({ appId: { clusterTimestamp: 1410901177871, id: 1 }, attemptId: 1 });
    expect(containerNumber(withEpoch)).to.equal(18691697672197n); // Java getContainerId()

    const plain = parseContainerId('container_1410901177871_0001_01_000005');
    expect(containerNumber(plain)).to.equal(5n);

    const wide = parseContainerId('container_e03_1410901177871_12345_1234567_1234567');
    expect(containerNumber(wide)).to.equal(3298536117895n);
    expect(wide.text).to.equal('container_e03_1410901177871_12345_1234567_1234567');
    expect(formatAppAttemptId(wide.appAttemptId)).to.equal('appattempt_1410901177871_12345_1234567');
  });

  it('canonicalises the text (e00 and short numbers)', () => {
    expect(parseContainerId('container_e00_1410901177871_1_1_5').text).to.equal('container_1410901177871_0001_01_000005');
  });

  it('splits the wire number back into epoch and sequence', () => {
    const id = containerIdFromNumber(attempt, '18691697672197');
    expect(id.epoch).to.equal(17);
    expect(id.sequence).to.equal(5);
    expect(id.text).to.equal('container_e17_1700000000123_0007_01_000005');
    expect(containerIdFromNumber(attempt, (5n << 40n) | BigInt(MAX_CONTAINER_SEQUENCE)).sequence).to.equal(MAX_CONTAINER_SEQUENCE);
  });

  it('derives the attempt from a container id', () => {
    const a = attemptIdFromContainerId('container_e17_1410901177871_0001_02_000001');
    expect(formatAppAttemptId(a)).to.equal('appattempt_1410901177871_0001_000002');
    expect(attemptIdFromContainerId(makeContainerId(attempt, 0, 1))).to.equal(attempt);
  });

  it('round-trips application and attempt ids', () => {
    expect(parseApplicationId('application_1410901177871_12345')).to.deep.equal({ clusterTimestamp: 1410901177871, id: 12345 });
    const parsed = parseAppAttemptId('appattempt_1410901177871_0001_000002');
    expect(formatAppAttemptId(parsed)).to.equal('appattempt_1410901177871_0001_000002');
    expect(sameApplicationId(parsed.appId, { clusterTimestamp: 1410901177871, id: 1 })).to.equal(true);
    expect(sameApplicationId(parsed.appId, { clusterTimestamp: 1410901177871, id: 2 })).to.equal(false);
  });

  it('rejects malformed ids with ConfigError naming the input', () => {
    for (const bad of ['container_1_2_3', 'container_x_1_1_1_1', 'container_e_1_1_1_1', 'Container_1_1_1_1', 'container_1_1_1_1 ']) {
      expect(() => parseContainerId(bad), bad).to.throw(ConfigError, bad.trim() === bad ? bad : 'invalid container id');
    }
    expect(() => parseContainerId(`container_1_1_1_${2 ** 40}`)).to.throw(ConfigError, 'container sequence');
    expect(() => parseApplicationId('application_abc_1')).to.throw(ConfigError, "'application_abc_1'");
    expect(() => parseAppAttemptId('appattempt_1_2')).to.throw(ConfigError);
    expect(() => makeContainerId(attempt, -1, 1)).to.throw(ConfigError, 'epoch');
    expect(() => containerIdFromNumber(attempt, -1n)).to.throw(ConfigError, 'negative');
  });
});
