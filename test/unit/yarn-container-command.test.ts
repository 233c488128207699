import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { containerCommandWord } from '../../protocols/yarn/index.js';

describe('container command words', () => {
  // The NodeManager's launch script runs a command as: exec /bin/bash -c "<command>" (unescaped).
  const asYarnRunsIt = (command: string): string =>
    execFileSync('/bin/bash', ['-c', `exec /bin/bash -c "${command}"`], { encoding: 'utf8' });

  for (const word of ['node', '/opt/my node/bin/node', `a'b"c$HOME\`id\`\\y`, '', '$(id)', 'tab\there', '!x ~y *z']) {
    it(`keeps ${JSON.stringify(word)} one word, unchanged`, () => {
      expect(asYarnRunsIt(`printf '%s|' ${containerCommandWord(word)} end`)).to.equal(`${word}|end|`);
    });
  }

  it('leaves plain words as they are', () => {
    expect(containerCommandWord('/usr/bin/node')).to.equal('/usr/bin/node');
  });
});
