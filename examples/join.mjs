// Joining two JSON-lines datasets by key: orders with their customers, and revenue per country.
//
//   spindle submit examples/join.mjs /data/customers.jsonl /data/orders.jsonl /out/revenue
//
// customers: {"id": 1, "name": "Ada", "country": "UK"}   orders: {"customer": 1, "amount": 12.5}
// prints {"orders":..., "unknownCustomer":..., "countries":...}; /out/revenue holds
// [country, total] lines.
/** @typedef {import('spindle').Context} Context */

/**
 * @param {Context} ctx
 * @param {string[]} args  [customers, orders, output directory]
 */
export default async function main(ctx, [customersPath, ordersPath, output]) {
  if (!customersPath || !ordersPath || !output) throw new Error('usage: join.mjs <customers> <orders> <output>');
  const customers = ctx.jsonFile(customersPath).map((c) => [c.id, c]);
  const orders = ctx.jsonFile(ordersPath).map((o) => [o.customer, o.amount]);
  // [id, [amount, customer | undefined]]: orders whose customer is unknown are kept, and counted.
  const joined = orders.leftOuterJoin(customers);
  const revenue = joined
    .filter(([, [, c]]) => c !== undefined)
    .map(([, [amount, c]]) => [c.country, amount])
    .reduceByKey((a, b) => a + b, { partitions: 2 })
    .sortByKey({ partitions: 1 });
  await revenue.saveAsJsonFile(output, { overwrite: true });
  return {
    orders: await joined.count(),
    unknownCustomer: await joined.filter(([, [, c]]) => c === undefined).count(),
    countries: await revenue.count(),
  };
}
