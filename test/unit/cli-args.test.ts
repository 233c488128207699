import { expect } from 'chai';
import { ConfigError } from '../../protocols/errors/index.js';
import {
  collectEnvironment,
  parseAppId,
  parseContainerId,
  parseCount,
  parseDuration,
  parseInteger,
  parseKeyValue,
  parseShipSpec,
  parseSize,
  splitList,
} from '../../client/cli/args.js';
import { hdfsSourceParts } from '../../client/resources.js';

describe('cli argument parsing', () => {
  describe('sizes (whole MB)', () => {
    const cases: [string, number][] = [
      ['512m', 512],
      ['512M', 512],
      ['512mb', 512],
      ['2g', 2048],
      ['2GiB', 2048],
      ['1.5g', 1536],
      ['1024', 1024],
      ['1t', 1024 * 1024],
      ['1536k', 2],
      ['1024k', 1],
      [' 256m ', 256],
    ];
    for (const [text, mb] of cases) it(`${JSON.stringify(text)} → ${mb} MB`, () => expect(parseSize('--memory', text)).to.equal(mb));

    for (const bad of ['', 'm', '5x', '-1g', '2 gigs', '1e3m', 'g2']) {
      it(`rejects ${JSON.stringify(bad)} naming the option`, () => {
        expect(() => parseSize('--memory', bad)).to.throw(
          ConfigError,
          /^--memory: .* is not a size; use e\.g\. 512m, 2g or 1\.5g \(a number alone is MB\)$/,
        );
      });
    }
    it('rejects sizes below 1 MB', () => {
      expect(() => parseSize('--executor-memory', '0')).to.throw(
        ConfigError,
        '--executor-memory: "0" is less than 1 MB; use e.g. 512m, 2g or 1.5g (a number alone is MB)',
      );
      // Kilobytes and bytes are not rounded up into a megabyte: "1k" is a slip, not a container size.
      for (const small of ['0.5k', '1k', '0.4k', '1b', '512b', '1000kb', '0.5m']) {
        expect(() => parseSize('--memory', small), small).to.throw(ConfigError, /is less than 1 MB/);
      }
    });
  });

  describe('durations (ms)', () => {
    const cases: [string, number][] = [
      ['30s', 30_000],
      ['10m', 600_000],
      ['1h30m', 5_400_000],
      ['500ms', 500],
      ['2d', 172_800_000],
      ['90', 90_000],
      ['1.5s', 1500],
      ['1H', 3_600_000],
    ];
    for (const [text, ms] of cases) it(`${JSON.stringify(text)} → ${ms} ms`, () => expect(parseDuration('--timeout', text)).to.equal(ms));
    for (const bad of ['', 's', '10x', '1h 30m', '-5s', 'ten minutes']) {
      it(`rejects ${JSON.stringify(bad)}`, () =>
        expect(() => parseDuration('--timeout', bad)).to.throw(ConfigError, /^--timeout: .* is not a duration/));
    }
    it('rejects zero', () => expect(() => parseDuration('--timeout', '0s')).to.throw(ConfigError, 'must be longer than 0'));
  });

  describe('counts and integers', () => {
    it('parses whole numbers with a minimum', () => {
      expect(parseCount('-n', '4')).to.equal(4);
      expect(parseCount('-n', ' 12 ')).to.equal(12);
      expect(parseCount('--max-failures', '0', 0)).to.equal(0);
      expect(() => parseCount('-n', '0')).to.throw(ConfigError, '-n: 0 is less than 1; use a whole number from 1 to');
    });
    for (const bad of ['1e3', '0x10', '-1', '1.5', '', ' ', '+4', 'four', '1_000', '٣']) {
      it(`refuses ${JSON.stringify(bad)} with the accepted form`, () =>
        expect(() => parseCount('--executors', bad, 0, 100)).to.throw(
          ConfigError,
          `--executors: "${bad}" is not a whole number; use a whole number from 0 to 100, digits only (no sign, decimal point, exponent or 0x)`,
        ));
    }
    it('refuses a count past its ceiling before the cluster is asked', () => {
      expect(parseCount('--executors', '100', 0, 100)).to.equal(100);
      expect(() => parseCount('--executors', '1000000000', 0, 100)).to.throw(
        ConfigError,
        '--executors: 1000000000 is more than 100, the most Spindle accepts; use a whole number from 0 to 100',
      );
      // Past 2^53 the number is no longer exact; the ceiling still holds.
      expect(() => parseCount('-n', '99999999999999999999')).to.throw(ConfigError, /is more than 9007199254740991/);
    });
    it('allows negative priorities within int32', () => {
      expect(parseInteger('--priority', '-3')).to.equal(-3);
      expect(parseInteger('--priority', '+7')).to.equal(7);
      expect(() => parseInteger('--priority', '2147483648')).to.throw(ConfigError, /from -2147483648 to 2147483647; use digits/);
      expect(() => parseInteger('--priority', '1e3')).to.throw(ConfigError, /"1e3" is not a whole number/);
    });
  });

  describe('NAME=value', () => {
    it('splits at the first =, keeps the rest of the value', () => {
      expect(parseKeyValue('--env', 'A=b=c')).to.deep.equal(['A', 'b=c']);
      expect(parseKeyValue('--env', 'EMPTY=')).to.deep.equal(['EMPTY', '']);
    });
    it('rejects missing = and bad names', () => {
      expect(() => parseKeyValue('--env', 'NOVALUE')).to.throw(ConfigError, '--env: "NOVALUE" is not NAME=value');
      expect(() => parseKeyValue('--env', '=x')).to.throw(ConfigError, /not NAME=value/);
      expect(() => parseKeyValue('--env', '1A=x')).to.throw(ConfigError, /"1A" is not a valid variable name/);
      expect(() => parseKeyValue('--env', 'A-B=x')).to.throw(ConfigError, /not a valid variable name/);
    });
    it('collects repeated options, the later value winning', () => {
      expect(collectEnvironment('--env', ['A=1', 'B=2', 'A=3'], {})).to.deep.equal({ A: '3', B: '2' });
    });
    it('--env NAME takes the value from this environment, so secrets stay off the command line', () => {
      const env = { TOKEN: 's3cret=x', EMPTY: '' };
      expect(collectEnvironment('--env', ['TOKEN', 'EMPTY', 'B=2'], env)).to.deep.equal({ TOKEN: 's3cret=x', EMPTY: '', B: '2' });
      expect(() => collectEnvironment('--env', ['MISSING'], env)).to.throw(
        ConfigError,
        '--env MISSING: MISSING is not set here; export it first, or pass MISSING=value',
      );
      expect(() => collectEnvironment('--env', ['1A'], env)).to.throw(ConfigError, /"1A" is neither NAME=value nor a variable name/);
    });
  });

  describe('path#alias', () => {
    it('defaults the alias to the file name', () => {
      expect(parseShipSpec('--file', 'data/input.csv')).to.deep.equal({ source: 'data/input.csv', alias: 'input.csv', remote: false });
    });
    it('takes the alias after the last #', () => {
      expect(parseShipSpec('--archive', 'deps.tgz#deps')).to.deep.equal({ source: 'deps.tgz', alias: 'deps', remote: false });
      expect(parseShipSpec('--file', 'a#b.txt#c.txt')).to.deep.equal({ source: 'a#b.txt', alias: 'c.txt', remote: false });
    });
    it('recognises HDFS sources', () => {
      expect(parseShipSpec('--file', 'hdfs:///data/lookup.json')).to.deep.equal({
        source: 'hdfs:///data/lookup.json',
        alias: 'lookup.json',
        remote: true,
      });
      expect(parseShipSpec('--file', 'hdfs://nn:8020/x/y.bin#z')).to.deep.equal({
        source: 'hdfs://nn:8020/x/y.bin',
        alias: 'z',
        remote: true,
      });
    });
    it('takes HDFS paths literally: ?, %, spaces and non-ASCII are parts of the name', () => {
      expect(parseShipSpec('--file', 'hdfs:///d/50% off? ünï.txt')).to.deep.equal({
        source: 'hdfs:///d/50% off? ünï.txt',
        alias: '50% off? ünï.txt',
        remote: true,
      });
      expect(hdfsSourceParts('hdfs://nn:8020/d/a?b')).to.deep.equal({ authority: 'nn:8020', path: '/d/a?b' });
      expect(hdfsSourceParts('hdfs:/d/%20')).to.deep.equal({ path: '/d/%20' });
      expect(() => parseShipSpec('--file', 'hdfs://nn:8020')).to.throw(ConfigError, /--file: "hdfs:\/\/nn:8020" is not an HDFS path/);
    });
    it('rejects aliases with a slash and empty sources', () => {
      expect(() => parseShipSpec('--file', 'a.txt#dir/b.txt')).to.throw(
        ConfigError,
        '--file: alias "dir/b.txt" must be a plain file name (no "/")',
      );
      expect(() => parseShipSpec('--file', '#x')).to.throw(ConfigError, /names no file/);
      expect(() => parseShipSpec('--file', 'a.txt#..')).to.throw(ConfigError, /plain file name/);
    });
  });

  it('splits comma lists from repeated options', () => {
    expect(splitList(['a,b', ' c ', '', 'd,,e'])).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
  });

  it('checks application and container ids', () => {
    expect(parseAppId(' application_1700000000000_0001 ')).to.equal('application_1700000000000_0001');
    expect(() => parseAppId('app_1')).to.throw(ConfigError, /is not an application id; ids look like application_/);
    expect(parseContainerId('container_e17_1700000000000_0001_01_000002')).to.equal('container_e17_1700000000000_0001_01_000002');
    expect(() => parseContainerId('container_1')).to.throw(ConfigError, /is not a container id/);
  });
});
