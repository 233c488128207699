import { expect } from 'chai';
import { parseDecimal, parseMillis } from '../../client/cli/args.js';
import { speculationOptions } from '../../client/cli/commands/submit.js';
import { ConfigError } from '../../protocols/errors/index.js';
import { checkSpeculation, DEFAULT_SPECULATION, speculation } from '../../protocols/job-spec/index.js';

describe('speculation options', () => {
  it('are off without --speculation and default to multiplier 1.5, quantile 0.75, 100 ms with it', () => {
    expect(speculationOptions({})).to.equal(undefined);
    expect(speculationOptions({ speculation: true })).to.deep.equal({});
    expect(speculation(speculationOptions({ speculation: true }))).to.deep.equal({
      multiplier: 1.5,
      quantile: 0.75,
      minRuntimeMs: 100,
      intervalMs: 100,
    });
    expect(DEFAULT_SPECULATION).to.deep.equal({ multiplier: 1.5, quantile: 0.75, minRuntimeMs: 100, intervalMs: 100 });
  });

  it('reads the tuning options', () => {
    expect(
      speculationOptions({
        speculation: true,
        speculationMultiplier: '3',
        speculationQuantile: '0.9',
        speculationMinRuntime: '2s',
      }),
    ).to.deep.equal({ multiplier: 3, quantile: 0.9, minRuntimeMs: 2000 });
    expect(speculationOptions({ speculation: true, speculationMinRuntime: '250' })).to.deep.equal({ minRuntimeMs: 250 });
    expect(speculationOptions({ speculation: true, speculationMinRuntime: '0' })).to.deep.equal({ minRuntimeMs: 0 });
  });

  it('refuse bad values naming the option and the accepted range', () => {
    const bad = (raw: Parameters<typeof speculationOptions>[0], message: RegExp): void => {
      expect(() => speculationOptions(raw)).to.throw(ConfigError, message);
    };
    bad({ speculationQuantile: '0.9' }, /--speculation-quantile only applies with --speculation; add --speculation/);
    bad({ speculation: true, speculationQuantile: '0' }, /--speculation-quantile: 0 is out of range; use a number above 0 and at most 1/);
    bad({ speculation: true, speculationQuantile: '1.5' }, /--speculation-quantile: 1.5 is out of range/);
    bad({ speculation: true, speculationMultiplier: '0.5' }, /--speculation-multiplier: 0.5 is out of range; use a number at least 1/);
    bad({ speculation: true, speculationMultiplier: 'fast' }, /--speculation-multiplier: "fast" is not a number/);
    bad({ speculation: true, speculationMinRuntime: '-5' }, /--speculation-min-runtime: "-5" is not a duration/);
    expect(() => parseDecimal('--x', '1e3', { min: 1 })).to.throw(ConfigError, /is not a number/);
    expect(parseMillis('--x', '1.5s')).to.equal(1500);
  });

  it('are checked in the job spec, naming the field', () => {
    expect(checkSpeculation({ multiplier: 2, quantile: 1, minRuntimeMs: 0, intervalMs: 100 })).to.include({ quantile: 1 });
    expect(() => checkSpeculation('on')).to.throw(ConfigError, /job\.speculation must be an object/);
    expect(() => speculation({ quantile: 0 })).to.throw(ConfigError, /job\.speculation\.quantile must be above 0 and at most 1, got 0/);
    expect(() => speculation({ multiplier: Number.NaN })).to.throw(ConfigError, /job\.speculation\.multiplier must be a number, got NaN/);
    expect(() => speculation({ intervalMs: 0 })).to.throw(ConfigError, /job\.speculation\.intervalMs must be at least 1/);
    expect(() => speculation({ minRuntimeMs: -1 })).to.throw(ConfigError, /job\.speculation\.minRuntimeMs must be 0 or more/);
  });
});
