// Multi-tenancy, aliases, cross-references, nested properties, multi-target vectors and aggregations through the
// TypeScript client weaviate-client 3.x (its own calls: collection.tenants.*, withTenant, client.alias.*,
// data.referenceAdd/referenceAddMany, Filter byRef / byRefCount, queries returning references, returnProperties with
// nested fields, multiTargetVector joins, aggregate.overAll / groupBy.overAll with metrics).
// Usage: node ts3_features.mjs <scenario>, like ts3_scenarios.mjs.
import assert from 'node:assert/strict';

import { module_, run } from './ts3_client.mjs';

const { dataType, configure, Filters } = module_;
const PROPS = [{ name: 'title', dataType: dataType.TEXT }, { name: 'n', dataType: dataType.INT }];

async function tenants(client) {
  await client.collections.delete('Ts3Tenants');
  const collection = await client.collections.create({
    name: 'Ts3Tenants', properties: PROPS, vectorizers: configure.vectors.selfProvided(),
    multiTenancy: configure.multiTenancy({ enabled: true }),
  });
  await collection.tenants.create([{ name: 'alice' }, { name: 'bob', activityStatus: 'INACTIVE' }]);
  const listed = await collection.tenants.get();
  assert.deepEqual(Object.keys(listed).sort(), ['alice', 'bob']);
  assert.equal(listed.bob.activityStatus, 'INACTIVE');
  assert.equal((await collection.tenants.getByName('nobody')), null);
  const alice = collection.withTenant('alice');
  const inserted = await alice.data.insertMany([{ properties: { title: 'apple', n: 1 }, vectors: [1, 0] },
                                                { properties: { title: 'apricot', n: 2 }, vectors: [0, 1] }]);
  assert.equal(inserted.hasErrors, false, JSON.stringify(inserted.errors));
  const found = await alice.query.nearVector([1, 0], { limit: 5 });
  assert.deepEqual(found.objects.map((o) => o.properties.title), ['apple', 'apricot']);
  assert.equal((await alice.aggregate.overAll()).totalCount, 2);
  await assert.rejects(collection.withTenant('bob').query.fetchObjects(), /tenant not active/);
  await collection.tenants.update({ name: 'bob', activityStatus: 'ACTIVE' });
  assert.equal((await collection.withTenant('bob').query.fetchObjects()).objects.length, 0);
  await assert.rejects(collection.query.fetchObjects(), /multi-tenancy enabled, but request was without tenant/);
  await collection.tenants.remove(['bob']);
  assert.deepEqual(Object.keys(await collection.tenants.get()), ['alice']);
}

async function aliases(client) {
  await client.alias.delete('Ts3Books').catch(() => {});  // 404 when it is not there, as in Weaviate
  for (const [name, title] of [['Ts3BooksA', 'first'], ['Ts3BooksB', 'second']]) {
    await client.collections.delete(name);
    const created = await client.collections.create({ name, properties: PROPS,
                                                      vectorizers: configure.vectors.selfProvided() });
    await created.data.insert({ properties: { title, n: 1 }, vectors: [1, 0] });
  }
  await client.alias.create({ collection: 'Ts3BooksA', alias: 'Ts3Books' });
  assert.deepEqual(await client.alias.get('Ts3Books'), { collection: 'Ts3BooksA', alias: 'Ts3Books' });
  assert.equal((await client.alias.listAll({ collection: 'Ts3BooksA' })).length, 1);
  const books = client.collections.use('Ts3Books');
  assert.deepEqual((await books.query.fetchObjects()).objects.map((o) => o.properties.title), ['first']);
  await client.alias.update({ alias: 'Ts3Books', newTargetCollection: 'Ts3BooksB' });
  assert.deepEqual((await books.query.fetchObjects()).objects.map((o) => o.properties.title), ['second']);
  await client.alias.delete('Ts3Books');
  assert.equal((await client.alias.listAll()).filter((a) => a.alias === 'Ts3Books').length, 0);
}

async function references(client) {
  for (const name of ['Ts3Book', 'Ts3Author']) await client.collections.delete(name);
  const authors = await client.collections.create({ name: 'Ts3Author', properties: PROPS,
                                                    vectorizers: configure.vectors.selfProvided() });
  const books = await client.collections.create({
    name: 'Ts3Book', properties: PROPS, references: [{ name: 'writtenBy', targetCollection: 'Ts3Author' }],
    vectorizers: configure.vectors.selfProvided(),
  });
  const ann = await authors.data.insert({ properties: { title: 'Ann', n: 1 }, vectors: [1, 0] });
  const bob = await authors.data.insert({ properties: { title: 'Bob', n: 2 }, vectors: [0, 1] });
  const first = await books.data.insert({ properties: { title: 'one', n: 1 }, vectors: [1, 0] });
  const second = await books.data.insert({ properties: { title: 'two', n: 2 }, vectors: [0, 1] });
  await books.data.referenceAdd({ fromUuid: first, fromProperty: 'writtenBy', to: ann });
  const many = await books.data.referenceAddMany([{ fromUuid: second, fromProperty: 'writtenBy', to: [ann, bob] }]);
  assert.equal(many.hasErrors, false, JSON.stringify(many.errors));
  const byBob = await books.query.fetchObjects({ filters: books.filter.byRef('writtenBy').byProperty('title')
    .equal('Bob') });
  assert.deepEqual(byBob.objects.map((o) => o.properties.title), ['two']);
  const twoAuthors = await books.query.fetchObjects({ filters: books.filter.byRefCount('writtenBy')
    .greaterThan(1) });
  assert.deepEqual(twoAuthors.objects.map((o) => o.properties.title), ['two']);
  const withRefs = await books.query.fetchObjectById(second, {
    returnReferences: [{ linkOn: 'writtenBy', returnProperties: ['title'] }] });
  assert.deepEqual(withRefs.references.writtenBy.objects.map((o) => o.properties.title).sort(), ['Ann', 'Bob']);
  await books.data.referenceDelete({ fromUuid: second, fromProperty: 'writtenBy', to: bob });
  const after = await books.query.fetchObjectById(second, { returnReferences: [{ linkOn: 'writtenBy' }] });
  assert.equal(after.references.writtenBy.objects.length, 1);
}

async function shapes(client) {
  await client.collections.delete('Ts3Shapes');
  const collection = await client.collections.create({
    name: 'Ts3Shapes',
    properties: [{ name: 'n', dataType: dataType.INT }, { name: 'tag', dataType: dataType.TEXT },
                 { name: 'meta', dataType: dataType.OBJECT, nestedProperties: [
                   { name: 'when', dataType: dataType.DATE }, { name: 'note', dataType: dataType.TEXT }] }],
    vectorizers: [configure.vectors.selfProvided({ name: 'a' }), configure.vectors.selfProvided({ name: 'b' })],
  });
  const when = new Date('2024-01-02T03:04:05Z');
  const inserted = await collection.data.insertMany([
    { properties: { n: 1, tag: 'x', meta: { when, note: 'one' } }, vectors: { a: [1, 0], b: [0, 1] } },
    { properties: { n: 2, tag: 'x', meta: { when, note: 'two' } }, vectors: { a: [0, 1], b: [0, 1] } },
    { properties: { n: 3, tag: 'y', meta: { when, note: 'three' } }, vectors: { a: [0, 1], b: [1, 0] } }]);
  assert.equal(inserted.hasErrors, false, JSON.stringify(inserted.errors));
  const nested = await collection.query.fetchObjects({
    filters: collection.filter.byProperty('n').equal(1),
    returnProperties: [{ name: 'meta', properties: ['when'] }] });
  assert.deepEqual(Object.keys(nested.objects[0].properties.meta), ['when']);
  assert.equal(new Date(nested.objects[0].properties.meta.when).getTime(), when.getTime());
  const joined = await collection.query.nearVector({ a: [1, 0], b: [0, 1] }, {
    targetVector: collection.multiTargetVector.sum(['a', 'b']), limit: 3, returnMetadata: ['distance'] });
  assert.equal(joined.objects[0].properties.n, 1);  // both of its vectors are exact matches
  assert.ok(Math.abs(joined.objects[0].metadata.distance) < 1e-6, JSON.stringify(joined.objects[0].metadata));
  const weighted = await collection.query.nearVector({ a: [0, 1], b: [1, 0] }, {
    targetVector: collection.multiTargetVector.manualWeights({ a: 1, b: 2 }), limit: 1 });
  assert.equal(weighted.objects[0].properties.n, 3);
  const all = await collection.aggregate.overAll({ returnMetrics: collection.metrics.aggregate('n')
    .integer(['sum', 'maximum', 'mean']) });
  assert.equal(all.totalCount, 3);
  assert.deepEqual([all.properties.n.sum, all.properties.n.maximum, all.properties.n.mean], [6, 3, 2]);
  const grouped = await collection.aggregate.groupBy.overAll({ groupBy: 'tag' });
  assert.deepEqual(Object.fromEntries(grouped.map((g) => [g.groupedBy.value, g.totalCount])), { x: 2, y: 1 });
}

await run({ tenants, aliases, references, shapes });
