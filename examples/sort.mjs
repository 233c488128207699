// A total sort of generated records: part-00000 holds the smallest keys, part-00001 the next, ...
//
//   spindle submit --executors 2 examples/sort.mjs 1000000 /out/sorted 8
//
// sortBy samples the keys first to choose the partition bounds, then shuffles by range; prints
// {"records":..., "ordered":true} after checking the order across partitions.
/** @typedef {import('spindle').Context} Context */

/** A small deterministic generator so every run sorts the same records. */
function keyOf(i) {
  let x = Math.imul(i ^ 0x5bd1e995, 0x27d4eb2d);
  x ^= x >>> 15;
  return (x >>> 0).toString(36).padStart(7, '0');
}

/**
 * @param {Context} ctx
 * @param {string[]} args  [records, output directory, partitions]
 */
export default async function main(ctx, [records = '1000000', output, partitions = '8']) {
  if (!output) throw new Error('usage: sort.mjs <records> <output> [partitions]');
  const rows = ctx.range(Number(records)).map((i) => ({ key: keyOf(i), id: i }));
  const sorted = rows.sortBy((r) => r.key, { partitions: Number(partitions) });
  await sorted.saveAsJsonFile(output, { overwrite: true });
  // First and last key of each partition: in order, partitions must not overlap.
  const edges = await sorted
    .mapPartitions(async (rs) => {
      let first,
        last,
        n = 0;
      for await (const r of rs) {
        first ??= r.key;
        last = r.key;
        n++;
      }
      return n ? [[first, last]] : [];
    })
    .collect();
  const ordered = edges.every(([first, last], i) => first <= last && (i === 0 || edges[i - 1][1] <= first));
  return { records: await sorted.count(), ordered };
}
