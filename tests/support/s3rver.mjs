// Runs s3rver (an S3-compatible server on the filesystem, from tests/e2e/node_modules)
// for the C++ tests: tests/support/s3_server.cpp starts it as
//
//   node s3rver.mjs PORT DIRECTORY BUCKET [KEY_FILE CERT_FILE]
//
// and waits until the port accepts connections. With a key and a certificate it serves
// HTTPS. The bucket exists before the port opens. Signatures are checked (the account
// is s3rver's: access key S3RVER, secret S3RVER). Runs until killed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const S3rver = require('@20minutes/s3rver');

const [port, directory, bucket, keyFile, certFile] = process.argv.slice(2);
if (!port || !directory || !bucket) {
  console.error('usage: node s3rver.mjs PORT DIRECTORY BUCKET [KEY_FILE CERT_FILE]');
  process.exit(2);
}

const options = {
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  // Path-style requests only (<endpoint>/<bucket>/<key>), as the S3 store sends them.
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
};
if (keyFile && certFile) {
  options.key = readFileSync(keyFile);
  options.cert = readFileSync(certFile);
}

const address = await new S3rver(options).run();
console.log(`s3rver listening on ${address.address}:${address.port}`);
