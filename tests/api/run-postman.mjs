// Runs docs/postman/talkline.postman_collection.json with newman against a real server:
// the built binary (TALKLINE_BIN) on a free port and a fresh data dir, started with the
// site administrator the environment file names. Every answer is also checked against
// docs/openapi.json, as the integration tests' are. Exits non-zero when any request's
// tests fail or any answer is not as documented.
//
//   TALKLINE_BIN=build/src/talkline node tests/api/run-postman.mjs

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import newman from 'newman';

import { startServer } from '../integration/harness.mjs';
import { loadContract } from './openapi_contract.mjs';

const postmanDir = fileURLToPath(new URL('../../docs/postman/', import.meta.url));
const collection = JSON.parse(fs.readFileSync(`${postmanDir}talkline.postman_collection.json`, 'utf8'));
const environment = JSON.parse(fs.readFileSync(`${postmanDir}talkline.postman_environment.json`, 'utf8'));
const setting = (key) => environment.values.find((v) => v.key === key).value;

const server = await startServer({
  env: { TALKLINE_ADMIN_USERNAME: setting('adminUsername'), TALKLINE_ADMIN_PASSWORD: setting('adminPassword') },
});
const contract = loadContract();
const mismatches = [];
let failures = 0;
try {
  const summary = await new Promise((resolve, reject) => {
    const run = newman.run(
      {
        collection,
        environment,
        envVar: [{ key: 'baseUrl', value: server.baseUrl }],
        // The upload's file is named relative to the collection.
        workingDir: postmanDir,
        insecureFileRead: false,
        reporters: ['cli'],
        reporter: { cli: { noSummary: false } },
        timeoutRequest: 10_000,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    run.on('request', (error, { request, response }) => {
      if (error || !response) return;
      const headers = {};
      response.headers.each((header) => (headers[header.key.toLowerCase()] = header.value));
      const problem = contract.check({
        method: request.method,
        url: request.url.getPathWithQuery(),
        status: response.code,
        headers,
        body: response.stream ?? Buffer.alloc(0),
      });
      if (problem) mismatches.push(problem);
    });
  });
  for (const problem of mismatches) console.error(`not as docs/openapi.json documents it: ${problem}`);
  failures = summary.run.failures.length + mismatches.length;
  if (summary.run.stats.requests.total === 0) failures += 1;
} finally {
  await server.dispose();
}
if (failures > 0) {
  console.error(`newman: ${failures} failure(s)`);
  process.exit(1);
}
