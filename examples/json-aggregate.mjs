// Totals per key over JSON lines: revenue and order count per shop, the top shops saved as JSON.
//
//   spindle submit examples/json-aggregate.mjs /sales /out/top-shops
//
// Input lines look like {"shop":"berlin","amount":12.5,"items":3}.
/** @typedef {import('spindle').Context} Context */

/** Adds one order to the running totals (runs on executors, once per record). */
function addOrder(totals, order) {
  const t = (totals[order.shop] ??= { revenue: 0, orders: 0 });
  t.revenue += order.amount;
  t.orders += 1;
  return totals;
}

/** Merges the totals of two partitions (runs on the driver). */
function merge(a, b) {
  for (const [shop, t] of Object.entries(b)) {
    const into = (a[shop] ??= { revenue: 0, orders: 0 });
    into.revenue += t.revenue;
    into.orders += t.orders;
  }
  return a;
}

/**
 * @param {Context} ctx
 * @param {string[]} args  [input, output, top = 10]
 */
export default async function main(ctx, [input, output, top = '10']) {
  const orders = ctx.jsonFile(input).filter((o) => typeof o.shop === 'string' && typeof o.amount === 'number');
  const totals = await orders.aggregate({}, addOrder, merge);
  const ranked = Object.entries(totals)
    .map(([shop, t]) => ({ shop, ...t }))
    .sort((a, b) => b.revenue - a.revenue)
    .slice(0, Number(top));
  await ctx.parallelize(ranked, 1).saveAsJsonFile(output, { overwrite: true });
  return { shops: Object.keys(totals).length, top: ranked };
}
