// Scenarios for weaviate-ts-client 2.2.0 (REST and GraphQL), run with node by tests/compat.
// Usage: node ts_scenarios.mjs <scenario>; WB_HTTP_PORT, WB_API_KEY and WB_TS_MODULES (the client's node_modules)
// come from the environment. A scenario throws (exit status 1) when the server answers unlike Weaviate.
// Adding a scenario: one function in SCENARIOS, one test function in tests/compat/test_clients.py.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.WB_TS_MODULES}/`);
const weaviateModule = require('weaviate-ts-client');
const weaviate = weaviateModule.default ?? weaviateModule;
const { ApiKey } = weaviateModule;

const PROPS = [{ name: 'title', dataType: ['text'] }, { name: 'n', dataType: ['int'] }];
const NAMED = { default: { vectorizer: { none: {} }, vectorIndexType: 'hnsw' } };

function connect(key = process.env.WB_API_KEY) {
  return weaviate.client({ scheme: 'http', host: `127.0.0.1:${process.env.WB_HTTP_PORT}`,
                           apiKey: key ? new ApiKey(key) : undefined });
}

async function fresh(client, name, named) {
  if (await client.schema.exists(name)) await client.schema.classDeleter().withClassName(name).do();
  const body = named ? { class: name, properties: PROPS, vectorConfig: NAMED }
                     : { class: name, properties: PROPS, vectorizer: 'none' };
  await client.schema.classCreator().withClass(body).do();
}

async function schema(client) {
  await fresh(client, 'TsLegacy', false);
  await fresh(client, 'TsNamed', true);
  const names = (await client.schema.getter().do()).classes.map((c) => c.class);
  assert.ok(names.includes('TsLegacy') && names.includes('TsNamed'), names.join());
  const named = await client.schema.classGetter().withClassName('TsNamed').do();
  assert.deepEqual(named.vectorConfig.default.vectorizer, { none: {} });
  await client.schema.classDeleter().withClassName('TsLegacy').do();
  assert.equal(await client.schema.exists('TsLegacy'), false);
}

async function data(client) {
  for (const named of [false, true]) {
    await fresh(client, 'TsData', named);
    const created = await client.data.creator().withClassName('TsData').withProperties({ title: 'one', n: 1 })
      .withVector([1, 0]).do();
    const id = created.id;
    const got = await client.data.getterById().withClassName('TsData').withId(id).withVector().do();
    assert.deepEqual(got.properties, { title: 'one', n: 1 });
    assert.deepEqual(named ? got.vectors.default : got.vector, [1, 0]);
    assert.equal(await client.data.checker().withClassName('TsData').withId(id).do(), true);
    assert.equal(await client.data.checker().withClassName('TsData').withId(randomUUID()).do(), false);
    await client.data.merger().withClassName('TsData').withId(id).withProperties({ n: 2 }).do();
    const merged = await client.data.getterById().withClassName('TsData').withId(id).do();
    assert.equal(merged.properties.n, 2);
    await client.data.updater().withClassName('TsData').withId(id).withProperties({ title: 'new' })
      .withVector([0, 1]).do();
    const replaced = await client.data.getterById().withClassName('TsData').withId(id).do();
    assert.deepEqual(replaced.properties, { title: 'new' });
    await client.data.deleter().withClassName('TsData').withId(id).do();
    assert.equal(await client.data.checker().withClassName('TsData').withId(id).do(), false);
  }
}

async function batch(client) {
  await fresh(client, 'TsBatch', false);
  const objects = Array.from({ length: 60 }, (_, i) => ({ class: 'TsBatch', properties: { title: `t${i}`, n: i },
                                                          vector: [1, i] }));
  objects.push({ class: 'TsBatch', properties: { title: 'bad' }, vector: [1, 2, 3] });
  const results = await client.batch.objectsBatcher().withObjects(...objects).do();
  const failed = results.filter((r) => r.result.errors);
  assert.equal(failed.length, 1);
  assert.match(JSON.stringify(failed[0].result.errors), /length/);
  let seen = 0; let after;
  for (;;) {
    let getter = client.data.getter().withClassName('TsBatch').withLimit(25);
    if (after) getter = getter.withAfter(after);
    const page = (await getter.do()).objects;
    if (page.length === 0) break;
    seen += page.length; after = page[page.length - 1].id;
  }
  assert.equal(seen, 60);
  const where = { path: ['n'], operator: 'LessThan', valueInt: 10 };
  const dry = await client.batch.objectsBatchDeleter().withClassName('TsBatch').withWhere(where).withDryRun(true).do();
  assert.equal(dry.results.matches, 10);
  const done = await client.batch.objectsBatchDeleter().withClassName('TsBatch').withWhere(where)
    .withOutput('verbose').do();
  assert.equal(done.results.successful, 10);
  assert.equal(done.results.objects.length, 10);
}

async function query(client) {
  await fresh(client, 'TsQuery', false);
  const titles = ['red apple', 'green apple', 'blue sky', 'red sky'];
  await client.batch.objectsBatcher().withObjects(...titles.map((title, n) => ({
    class: 'TsQuery', properties: { title, n }, vector: [1, n] }))).do();
  const near = await client.graphql.get().withClassName('TsQuery').withFields('title n _additional { distance }')
    .withNearVector({ vector: [1, 3] }).withLimit(2).do();
  assert.deepEqual(near.data.Get.TsQuery.map((r) => r.n), [3, 2]);
  const keyword = await client.graphql.get().withClassName('TsQuery').withFields('title')
    .withBm25({ query: 'apple' }).do();
  assert.deepEqual(keyword.data.Get.TsQuery.map((r) => r.title).sort(), ['green apple', 'red apple']);
  const hybrid = await client.graphql.get().withClassName('TsQuery').withFields('title')
    .withHybrid({ query: 'sky', alpha: 0.5, vector: [1, 3] })
    .withWhere({ path: ['n'], operator: 'GreaterThan', valueInt: 1 }).withLimit(1).do();
  assert.deepEqual(hybrid.data.Get.TsQuery, [{ title: 'red sky' }]);
  const count = await client.graphql.aggregate().withClassName('TsQuery').withFields('meta { count }').do();
  assert.equal(count.data.Aggregate.TsQuery[0].meta.count, 4);
}

async function authGoodKey(client) {
  await fresh(client, 'TsAuth', false);
  await client.data.creator().withClassName('TsAuth').withProperties({ title: 'x' }).withVector([1]).do();
}

async function authBadKey() {
  await assert.rejects(connect('not-a-key').schema.getter().do(), /401/);
}

const SCENARIOS = { schema, data, batch, query, auth_good_key: authGoodKey, auth_bad_key: authBadKey };
const scenario = process.argv[2];
await SCENARIOS[scenario](connect());
console.log(`ts ${scenario}: ok`);
