// Estimates π by throwing random points at the unit square and counting those inside the circle.
//
//   spindle submit --executors 2 examples/pi.mjs 10000000 20
//
// prints {"pi":3.1418..., "points":10000000}
/** @typedef {import('spindle').Context} Context */

/** One random point: inside the quarter circle of radius 1? */
function inside() {
  const x = Math.random();
  const y = Math.random();
  return x * x + y * y <= 1;
}

/**
 * @param {Context} ctx
 * @param {string[]} args  [points = 1000000, slices = ctx.defaultParallelism]
 */
export default async function main(ctx, [points = '1000000', slices]) {
  const n = Number(points);
  const hits = await ctx
    .range(n, slices ? Number(slices) : ctx.defaultParallelism)
    .filter(() => inside())
    .count();
  return { pi: (4 * hits) / n, points: n };
}
