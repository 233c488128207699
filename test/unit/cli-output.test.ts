import { expect } from 'chai';
import { Output, type TextSink } from '../../client/cli/output.js';

class Sink implements TextSink {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 80,
  ) {}
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }
}

const CLEAR = '\r\x1b[2K';

describe('cli output', () => {
  it('sends results to stdout and notes to stderr', () => {
    const out = new Output(new Sink(), new Sink());
    out.result('result');
    out.info('note');
    out.debug('hidden');
    expect((out.stdout as Sink).text).to.equal('result\n');
    expect((out.stderr as Sink).text).to.equal('note\n');
  });

  it('quiet keeps results and warnings only; verbose adds debug notes', () => {
    const quiet = new Output(new Sink(), new Sink(), { quiet: true });
    quiet.info('note');
    quiet.status('status');
    quiet.warn('warning');
    expect((quiet.stderr as Sink).text).to.equal('warning\n');
    const verbose = new Output(new Sink(), new Sink(), { verbose: true });
    verbose.debug('detail');
    expect((verbose.stderr as Sink).text).to.equal('detail\n');
  });

  it('prints the status as plain lines, only when it changes, when stderr is not a terminal', () => {
    const out = new Output(new Sink(), new Sink());
    out.status('ACCEPTED');
    out.status('ACCEPTED');
    out.status('RUNNING');
    expect((out.stderr as Sink).text).to.equal('ACCEPTED\nRUNNING\n');
  });

  it('keeps one live status line on a terminal, redrawn after other output', () => {
    const err = new Sink(true);
    const out = new Output(new Sink(), err);
    out.status('RUNNING 1s');
    out.status('RUNNING 2s');
    out.info('a note');
    out.clearStatus();
    expect(err.text).to.equal(`${CLEAR}RUNNING 1s${CLEAR}RUNNING 2s${CLEAR}a note\nRUNNING 2s${CLEAR}`);
  });

  it('cuts a status line to the terminal width', () => {
    const err = new Sink(true, 30);
    const out = new Output(new Sink(), err);
    out.status('x'.repeat(100));
    expect(err.text).to.equal(`${CLEAR}${'x'.repeat(28)}…`);
  });
});
