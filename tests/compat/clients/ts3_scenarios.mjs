// Scenarios for the TypeScript client weaviate-client 3.x (REST for schema, gRPC for queries and batches), run with
// node by tests/compat. Usage: node ts3_scenarios.mjs <scenario>; WB_HTTP_PORT, WB_GRPC_PORT, WB_API_KEY and
// WB_TS_MODULES (the client's node_modules) come from the environment. A scenario throws (exit status 1) when the
// server answers unlike Weaviate. Adding a scenario: one function in the table `run` gets, one test in test_clients.py (or another test_*.py of tests/compat).
import assert from 'node:assert/strict';

import { module_, run } from './ts3_client.mjs';

const { dataType, configure } = module_;

async function fresh(client, name) {
  await client.collections.delete(name);
  return client.collections.create({
    name, properties: [{ name: 'title', dataType: dataType.TEXT }, { name: 'n', dataType: dataType.INT }],
    vectorizers: configure.vectors.selfProvided(),
  });
}

async function connectAndInsert(client) {
  assert.equal(await client.isReady(), true);
  const collection = await fresh(client, 'Ts3Items');
  const objects = Array.from({ length: 500 }, (_, i) => ({
    properties: { title: `item ${i}`, n: i }, vectors: [i % 7, 1, (i % 3) / 3] }));
  const inserted = await collection.data.insertMany(objects);
  assert.equal(inserted.hasErrors, false, JSON.stringify(inserted.errors));
  assert.equal(Object.keys(inserted.uuids).length, 500);
  assert.equal((await collection.aggregate.overAll()).totalCount, 500);
  const found = await collection.query.nearVector([3, 1, 0], { limit: 5, returnMetadata: ['distance'] });
  assert.equal(found.objects.length, 5);
  assert.equal(found.objects[0].properties.n % 7, 3);
  assert.ok(found.objects[0].metadata.distance <= found.objects[4].metadata.distance);
}

async function clusterAndShards(client) {
  const collection = await fresh(client, 'Ts3Shards');
  await collection.data.insertMany([{ properties: { title: 'a', n: 1 }, vectors: [1, 0] },
                                    { properties: { title: 'b', n: 2 }, vectors: [0, 1] }]);
  const [node] = await client.cluster.nodes({ collection: 'Ts3Shards', output: 'verbose' });
  assert.equal(node.status, 'HEALTHY');
  assert.equal(node.shards.length, 1);
  assert.equal(node.shards[0].class, 'Ts3Shards');
  assert.equal(node.shards[0].objectCount, 2);
  assert.equal(typeof node.batchStats.ratePerSecond, 'number');
  const minimal = await client.cluster.nodes();
  assert.equal(minimal.length, 1);
  const [shard] = await collection.config.getShards();
  assert.equal(shard.name, node.shards[0].name);
  assert.ok(['READY', 'INDEXING'].includes(shard.status), shard.status);
  const updated = await collection.config.updateShards('READONLY');
  assert.equal(updated[0].status, 'READONLY');
  await assert.rejects(collection.data.insert({ properties: { title: 'refused', n: 3 }, vectors: [1, 1] }),
                       /read-only/);
  await collection.config.updateShards('READY', shard.name);
  await collection.data.insert({ properties: { title: 'accepted', n: 3 }, vectors: [1, 1] });
  assert.equal((await collection.aggregate.overAll()).totalCount, 3);
}

await run({ insert: connectAndInsert, cluster: clusterAndShards });
