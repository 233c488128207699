// Filters Avro records by a field and writes the survivors as Avro, with a smaller schema.
//
//   spindle submit examples/avro-filter.mjs /events /out/purchases purchase
//
// Input: Avro files of {type: string, user: string, amount: double | null, tags: string[], ...}.
/** @typedef {import('spindle').Context} Context */

const PURCHASE = {
  type: 'record',
  name: 'Purchase',
  fields: [
    { name: 'user', type: 'string' },
    { name: 'amount', type: ['null', 'double'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};

/**
 * @param {Context} ctx
 * @param {string[]} args  [input, output, event type = purchase]
 */
export default async function main(ctx, [input, output, type = 'purchase']) {
  const events = ctx.avroFile(input);
  const kept = events.filter((e) => e.type === type, { type }).map((e) => ({ user: e.user, amount: e.amount ?? null, tags: e.tags ?? [] }));
  await kept.saveAsAvroFile(output, PURCHASE, { codec: 'deflate', overwrite: true });
  return { events: await events.count(), kept: await ctx.avroFile(output).count() };
}
