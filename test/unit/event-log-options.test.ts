import { expect } from 'chai';
import { parseEventLogOption } from '../../client/cli/commands/submit.js';
import { ConfigError } from '../../protocols/errors/index.js';
import { eventLogPath } from '../../protocols/event-log/index.js';
import { checkEventLogSettings } from '../../protocols/job-spec/index.js';

describe('--event-log and the job spec eventLog', () => {
  it('takes off or an HDFS directory', () => {
    expect(parseEventLogOption('off')).to.deep.equal({ enabled: false });
    expect(parseEventLogOption(' /shared/history/ ')).to.deep.equal({ enabled: true, dir: '/shared/history/' });
    expect(parseEventLogOption('logs')).to.deep.equal({ enabled: true, dir: 'logs' });
  });

  it('refuses what HDFS cannot name, saying what is wrong and what to give', () => {
    const cases: [string, RegExp][] = [
      ['', /^--event-log: "" is empty; give "off" or an HDFS directory/],
      ['hdfs://nn:8020/x', /^--event-log: "hdfs:\/\/nn:8020\/x" is a URL, not an HDFS path; give "off"/],
      ['/a/../b', /has a "\." or "\.\." component/],
      ['/a:b', /contains ":"/],
      ['/a\nb', /control character/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseEventLogOption(text), text).to.throw(ConfigError, message);
    }
  });

  it('is checked in the spec the AM reads', () => {
    expect(checkEventLogSettings({ enabled: true, dir: '/x' })).to.deep.equal({ enabled: true, dir: '/x' });
    expect(() => checkEventLogSettings({ enabled: 'yes' })).to.throw(ConfigError, /job\.eventLog\.enabled must be true or false/);
    expect(() => checkEventLogSettings({ enabled: true, dir: '../x' })).to.throw(ConfigError, /job\.eventLog\.dir/);
    expect(() => checkEventLogSettings(null)).to.throw(ConfigError, /job\.eventLog must be an object/);
  });

  it('puts the log at <dir>/<appId>, by default in the user home', () => {
    expect(eventLogPath('alice', 'application_1_0001')).to.equal('/user/alice/.spindle/history/application_1_0001');
    expect(eventLogPath('alice', 'application_1_0001', '/shared/h/')).to.equal('/shared/h/application_1_0001');
    expect(eventLogPath('alice', 'application_1_0001', 'h')).to.equal('/user/alice/h/application_1_0001');
  });
});
