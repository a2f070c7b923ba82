// Module scenarios for weaviate-ts-client 2.2.0 (REST and GraphQL): multi2vec-clip and multi2vec-bind classes,
// vectorized by the fake inference containers of tests/compat, whose vectors are in modules.json (concept i is the
// one-hot e_i, a blend the sum of its concepts; media payloads are base64('<modality>:<concept>')).
// Usage: node ts_modules.mjs <scenario>, with the environment of ts_scenarios.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.WB_TS_MODULES}/`);
const weaviateModule = require('weaviate-ts-client');
const weaviate = weaviateModule.default ?? weaviateModule;
const TABLE = JSON.parse(readFileSync(new URL('./modules.json', import.meta.url)));

const media = (modality, concept) => Buffer.from(`${modality}:${concept}`).toString('base64');
function vector(concept) {
  const parts = TABLE.blends[concept] ?? [concept];
  return Array.from({ length: TABLE.dim }, (_, i) => (parts.includes(TABLE.concepts[i]) ? 1 : 0));
}
function cosineDistance(a, b) {
  const dot = (x, y) => x.reduce((sum, v, i) => sum + v * y[i], 0);
  return 1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}
// Weaviate's nearText movement with force 1: moveTo halves the way to the target, moveAwayFrom adds half the gap.
const moveTo = (v, t) => v.map((x, i) => x / 2 + t[i] / 2);
const moveAway = (v, t) => v.map((x, i) => x + (x - t[i]) / 2);
const close = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-3, `${actual} != ${expected}`);

const CLIP_OBJECTS = [{ title: 'cat', n: 0, image: media('image', 'cat') }, { title: 'cat', n: 1 },
  { n: 2, image: media('image', 'dog') }, { title: 'car', n: 3, image: media('image', 'car') }];
const BIND_MEDIA = [['image', 'cat'], ['audio', 'dog'], ['video', 'car'], ['imu', 'boat'], ['thermal', 'tree'],
  ['depth', 'bird']]; // bind object n has one medium only: BIND_MEDIA[n]
const NEAR = { text: 'withNearText', vector: 'withNearVector', image: 'withNearImage', audio: 'withNearAudio',
  video: 'withNearVideo', imu: 'withNearIMU', thermal: 'withNearThermal', depth: 'withNearDepth' };

function connect() {
  return weaviate.client({ scheme: 'http', host: `127.0.0.1:${process.env.WB_HTTP_PORT}` });
}

async function fresh(client, body) {
  if (await client.schema.exists(body.class)) await client.schema.classDeleter().withClassName(body.class).do();
  await client.schema.classCreator().withClass(body).do();
}

async function batchImport(client, name, objects) {
  const results = await client.batch.objectsBatcher()
    .withObjects(...objects.map((properties) => ({ class: name, properties }))).do();
  assert.deepEqual(results.filter((r) => r.result.errors).map((r) => r.result.errors), []);
  return Object.fromEntries(results.map((r) => [r.properties.n, r.id]));
}

async function get(client, name, near, args, limit = 1) {
  const result = await client.graphql.get().withClassName(name).withFields('n _additional { id distance }')
    [NEAR[near]](args).withLimit(limit).do();
  return result.data.Get[name];
}

// The client sends near<Media> as `Image:`, `Audio:`, ... (the server's shim), and only when another argument
// (where, nearText, limit, ...) is set: a lone near<Media> is dropped from the query. Hence the no-op where.
async function count(client, name, near, args) {
  const result = await client.graphql.aggregate().withClassName(name).withFields('meta { count }')[NEAR[near]](args)
    .withWhere({ path: ['n'], operator: 'GreaterThanEqual', valueInt: 0 }).do();
  return result.data.Aggregate[name][0].meta.count;
}

async function explore(client, near, args, className) {
  const result = await client.graphql.explore().withFields('beacon className distance')[NEAR[near]](args)
    .withLimit(100).do();
  return result.data.Explore.filter((hit) => hit.className === className);
}

async function checkMoves(client, ids) {
  const cats = await get(client, 'TsClip', 'text', { concepts: ['cat'] }, 2);
  assert.deepEqual(cats.map((r) => r.n).sort(), [0, 1]);
  const toward = await get(client, 'TsClip', 'text', { concepts: ['pet'], moveTo: { concepts: ['cat'], force: 1 } });
  assert.ok([0, 1].includes(toward[0].n));
  close(toward[0]._additional.distance, cosineDistance(moveTo(vector('pet'), vector('cat')), vector('cat')));
  const away = await get(client, 'TsClip', 'text', { concepts: ['pet'],
    moveAwayFrom: { concepts: ['cat'], force: 1 } });
  assert.equal(away[0].n, 2);
  close(away[0]._additional.distance, cosineDistance(moveAway(vector('pet'), vector('cat')), vector('dog')));
  const both = await get(client, 'TsClip', 'text', { concepts: ['pet'], moveTo: { objects: [{ id: ids[2] }], force: 1 },
    moveAwayFrom: { concepts: ['cat'], force: 1 } });
  assert.equal(both[0].n, 2);
  const expected = moveAway(moveTo(vector('pet'), vector('dog')), vector('cat'));
  close(both[0]._additional.distance, cosineDistance(expected, vector('dog')));
}

// A legacy multi2vec-clip class: import, fetch with vector, nearText with moves, nearImage, Aggregate with
// nearImage (sent as `Image:` by this client) and Explore.
async function clip(client) {
  await fresh(client, { class: 'TsClip', vectorizer: 'multi2vec-clip',
    moduleConfig: { 'multi2vec-clip': { textFields: ['title'], imageFields: ['image'] } },
    properties: [{ name: 'title', dataType: ['text'] }, { name: 'n', dataType: ['int'] },
      { name: 'image', dataType: ['blob'] }] });
  const first = await client.data.creator().withClassName('TsClip').withProperties(CLIP_OBJECTS[0]).do();
  const ids = { 0: first.id, ...await batchImport(client, 'TsClip', CLIP_OBJECTS.slice(1)) };
  const dog = await client.data.getterById().withClassName('TsClip').withId(ids[2]).withVector().do();
  assert.deepEqual(dog.vector, vector('dog')); // the image alone was vectorized
  await checkMoves(client, ids);
  const image = await get(client, 'TsClip', 'image', { image: media('image', 'dog') });
  assert.equal(image[0].n, 2);
  assert.ok(image[0]._additional.distance < 1e-6);
  assert.equal(await count(client, 'TsClip', 'image', { image: media('image', 'cat'), distance: 0.01 }), 2);
  const cars = await explore(client, 'text', { concepts: ['car'] }, 'TsClip');
  assert.ok(cars[0].beacon.endsWith(`/TsClip/${ids[3]}`) && cars[0].distance < 1e-6, JSON.stringify(cars));
  const dogs = await explore(client, 'vector', { vector: vector('dog') }, 'TsClip');
  assert.ok(dogs[0].beacon.endsWith(`/TsClip/${ids[2]}`) && dogs[0].distance < 1e-6, JSON.stringify(dogs));
}

// One named multi2vec-bind vector with all seven modalities (`IMUFields`, as the clients spell it): every
// near<Media> of the client, with and without targetVectors; Aggregate with `Audio:`/`Video:`/`Depth:`/`IMU:`.
async function bind(client) {
  const config = { textFields: ['title'], IMUFields: ['imu'] };
  BIND_MEDIA.filter(([m]) => m !== 'imu').forEach(([m]) => { config[`${m}Fields`] = [m]; });
  await fresh(client, { class: 'TsBind', properties: [{ name: 'title', dataType: ['text'] },
    { name: 'n', dataType: ['int'] }, ...BIND_MEDIA.map(([m]) => ({ name: m, dataType: ['blob'] }))],
  vectorConfig: { multi: { vectorizer: { 'multi2vec-bind': config }, vectorIndexType: 'hnsw' } } });
  const stored = await client.schema.classGetter().withClassName('TsBind').do();
  assert.deepEqual(stored.vectorConfig.multi.vectorizer['multi2vec-bind'].IMUFields, ['imu']);
  const ids = await batchImport(client, 'TsBind', BIND_MEDIA.map(([m, c], n) => ({ n, [m]: media(m, c) })));
  const imu = await client.data.getterById().withClassName('TsBind').withId(ids[3]).withVector().do();
  assert.deepEqual(imu.vectors, { multi: vector('boat') });
  for (const [n, [modality, concept]] of BIND_MEDIA.entries()) {
    const args = { [modality]: media(modality, concept), ...(n % 2 ? { targetVectors: ['multi'] } : {}) };
    const found = await get(client, 'TsBind', modality, args);
    assert.equal(found[0].n, n, modality);
    assert.ok(found[0]._additional.distance < 1e-6, modality);
  }
  for (const [modality, concept] of BIND_MEDIA.filter(([m]) => m !== 'thermal')) { // no withNearThermal here
    const args = { [modality]: media(modality, concept), distance: 0.01 };
    assert.equal(await count(client, 'TsBind', modality, args), 1, modality);
  }
  const across = await explore(client, 'text', { concepts: ['cat'] }, 'TsBind');
  assert.ok(across[0].beacon.endsWith(`/TsBind/${ids[0]}`), JSON.stringify(across)); // the word finds the image
}

// Explore with a medium: this client sends `Explore(Image: {...})`, `Explore(IMU: {...})`, ... as in Aggregate.
async function exploreMedia(client) {
  await fresh(client, { class: 'TsExplore', properties: [{ name: 'n', dataType: ['int'] },
    { name: 'image', dataType: ['blob'] }, { name: 'imu', dataType: ['blob'] }], vectorizer: 'multi2vec-bind',
  moduleConfig: { 'multi2vec-bind': { imageFields: ['image'], IMUFields: ['imu'] } } });
  const ids = await batchImport(client, 'TsExplore', [{ n: 0, image: media('image', 'cat') },
    { n: 1, imu: media('imu', 'dog') }]);
  const cats = await explore(client, 'image', { image: media('image', 'cat') }, 'TsExplore');
  assert.ok(cats[0].beacon.endsWith(`/TsExplore/${ids[0]}`), JSON.stringify(cats));
  const dogs = await explore(client, 'imu', { imu: media('imu', 'dog') }, 'TsExplore');
  assert.ok(dogs[0].beacon.endsWith(`/TsExplore/${ids[1]}`), JSON.stringify(dogs));
}

const SCENARIOS = { clip, bind, explore_media: exploreMedia };
const scenario = process.argv[2];
await SCENARIOS[scenario](connect());
console.log(`ts ${scenario}: ok`);
