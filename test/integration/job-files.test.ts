import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * File sources and save actions on the real cluster: textFile over a file of many 4 KiB blocks
 * (every kind of line ending, multi-byte characters, lines longer than a block) gives exactly the
 * lines of a local read; saveAsTextFile commits part files and _SUCCESS and nothing else.
 */
describe('job engine on the real cluster: files', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-job-${randomBytes(4).toString('hex')}`;

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  /** Lines as Hadoop reads them: \n, \r and \r\n end lines; no empty line after the last ending. */
  function localLines(text: string): string[] {
    if (text === '') return [];
    const lines = text.split(/\r\n|\r|\n/);
    if (/[\r\n]$/.test(text)) lines.pop();
    return lines;
  }

  function sampleText(): string {
    const endings = ['\n', '\r\n', '\r'];
    const words = ['alpha', 'βήτα', '雪', '🎉party', 'ERROR disk', 'x'];
    let text = '';
    for (let i = 0; text.length < 100_000; i++) {
      const repeat = i % 97 === 0 ? 900 : 1 + (i % 7); // now and then a line longer than a block
      const line = `${i} ${Array.from({ length: repeat }, (_, k) => words[(i + k) % words.length]).join(' ')}`;
      text += line + endings[i % endings.length];
      if (i % 50 === 0) text += endings[(i + 1) % 3]; // empty lines
    }
    return `${text}last line without an ending`;
  }

  it('textFile over a multi-block file gives exactly the lines of a local read, and saveAsTextFile commits them', async () => {
    const text = sampleText();
    const input = `${base}/in/data.txt`;
    await h.hdfs.create(input, text, { blockSize: 4096 });
    await h.hdfs.create(`${base}/in/_ignored`, 'not input\n');
    const blocks = await h.hdfs.getFileBlockLocations(input);
    expect(blocks.length, 'blocks').to.be.greaterThan(20);
    const out = `${base}/out`;
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input, out]) {
  const lines = ctx.textFile(input);
  const errors = lines.filter((l) => l.includes('ERROR'));
  await errors.saveAsTextFile(out);
  return { partitions: await lines.numPartitions(), lines: await lines.collect(), errors: await errors.count() };
}`,
      args: [`${base}/in`, out],
    });
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    const result = run.result as { partitions: number; lines: string[]; errors: number };
    const expected = localLines(text);
    expect(result.partitions).to.equal(blocks.length);
    expect(result.lines.length).to.equal(expected.length);
    expect(result.lines).to.deep.equal(expected);
    const expectedErrors = expected.filter((l) => l.includes('ERROR'));
    expect(result.errors).to.equal(expectedErrors.length);

    const names = (await h.hdfs.listStatus(out)).map((f) => f.name).sort();
    expect(names).to.include('_SUCCESS');
    const parts = names.filter((n) => n.startsWith('part-'));
    expect(parts).to.deep.equal(Array.from({ length: blocks.length }, (_, i) => `part-${String(i).padStart(5, '0')}`));
    expect(names.length, names.join(',')).to.equal(parts.length + 1);
    let written: string[] = [];
    for (const p of parts) written = written.concat(localLines(await readText(h.hdfs, `${out}/${p}`)));
    expect(written).to.deep.equal(expectedErrors);
    const siblings = (await h.hdfs.listStatus(base)).map((f) => f.name);
    expect(
      siblings.filter((n) => n.startsWith('.')),
      'no staging left',
    ).to.deep.equal([]);
  });
});
