// The TypeScript client weaviate-client 3.x for the ts3 scenario scripts: the package (its ES build, imported by
// file URL after resolving it from WB_TS_MODULES, since its node_modules is not beside these scripts), a connection
// to the server under test (WB_HTTP_PORT, WB_GRPC_PORT, WB_API_KEY), and the runner every script ends with.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(`${process.env.WB_TS_MODULES}/`);
const entry = require.resolve('weaviate-client').replace('/cjs/', '/esm/');
export const module_ = await import(pathToFileURL(entry).href);
export const weaviate = module_.default;

export async function connect() {
  const key = process.env.WB_API_KEY;
  return weaviate.connectToLocal({ host: '127.0.0.1', port: Number(process.env.WB_HTTP_PORT),
                                   grpcPort: Number(process.env.WB_GRPC_PORT),
                                   authCredentials: key ? new module_.ApiKey(key) : undefined });
}

/** Run the scenario named on the command line (a function of `scenarios`) with a fresh client. */
export async function run(scenarios) {
  const scenario = process.argv[2];
  const client = await connect();
  try {
    await scenarios[scenario](client);
  } finally {
    await client.close();
  }
  console.log(`ts3 ${scenario}: ok`);
}
