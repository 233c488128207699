import { expect } from 'chai';
import { FETCH_REQUEST_BYTES, MapOutputTracker } from '../../appmaster/driver/map-output-tracker.js';

describe('map output tracker', () => {
  const status = (address: string, file: string, sizes: number[]) => ({ address, file, sizes });

  it('lists missing map partitions, and what each reducer fetches from whom (empty segments left out)', () => {
    const t = new MapOutputTracker();
    t.register(4, 3);
    expect(t.missing(4)).to.deep.equal([0, 1, 2]);
    t.add(4, 0, 'e1', status('h1:1', 'shuffle_4_0_1', [10, 0]));
    t.add(4, 2, 'e2', status('h2:1', 'shuffle_4_2_3', [5, 7]));
    expect(t.missing(4)).to.deep.equal([1]);
    t.add(4, 1, 'e1', status('h1:1', 'shuffle_4_1_2', [1, 2]));
    t.register(4, 3);
    expect(t.missing(4)).to.deep.equal([]);
    expect(t.readInput(4, 0)).to.deep.equal({
      reduceId: 0,
      sources: [
        { executorId: 'e1', address: 'h1:1', files: ['shuffle_4_0_1', 'shuffle_4_1_2'], bytes: 11 },
        { executorId: 'e2', address: 'h2:1', files: ['shuffle_4_2_3'], bytes: 5 },
      ],
    });
    expect(t.readInput(4, 1).sources.map((s) => s.files)).to.deep.equal([['shuffle_4_1_2'], ['shuffle_4_2_3']]);
  });

  it('forgets the outputs of a lost executor, in every shuffle', () => {
    const t = new MapOutputTracker();
    t.register(1, 2);
    t.register(2, 1);
    t.add(1, 0, 'e1', status('h1:1', 'a', [1]));
    t.add(1, 1, 'e2', status('h2:1', 'b', [1]));
    t.add(2, 0, 'e1', status('h1:1', 'c', [1]));
    expect(t.removeExecutor('e1')).to.equal(2);
    expect(t.missing(1)).to.deep.equal([0]);
    expect(t.missing(2)).to.deep.equal([0]);
    expect([...t.executors()]).to.deep.equal(['e2']);
    expect(() => t.readInput(1, 0)).to.throw(/map output 0 of shuffle 1 is missing/);
  });

  it("splits one server's files into requests of about FETCH_REQUEST_BYTES", () => {
    const t = new MapOutputTracker();
    t.register(1, 5);
    const big = Math.floor(FETCH_REQUEST_BYTES / 2) + 1;
    for (let m = 0; m < 5; m++) t.add(1, m, 'e1', status('h1:1', `f${m}`, [big]));
    expect(t.readInput(1, 0).sources.map((s) => s.files)).to.deep.equal([['f0'], ['f1'], ['f2'], ['f3'], ['f4']]);
  });
});
