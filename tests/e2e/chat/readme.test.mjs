// The README promises a socket.io-client snippet that works exactly as written. This
// runs that very snippet, only pointed at the test server instead of localhost:8080.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { useServer } from "../../integration/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(path.join(here, "../../../README.md"), "utf8");

let server;
useServer((s) => ({ server } = s));

test("the README's real-time snippet sends a message and prints the ack", async () => {
  const snippet = readme.match(/## Real-time[\s\S]*?```js\n([\s\S]*?)```/);
  assert.ok(snippet, "README has a js snippet under '## Real-time'");
  assert.match(snippet[1], /http:\/\/localhost:8080/);
  const source = snippet[1].replaceAll("http://localhost:8080", server.baseUrl);
  // Inside tests/e2e so that `import "socket.io-client"` resolves to the pinned copy.
  const file = path.join(here, `.readme-snippet-${process.pid}.mjs`);
  writeFileSync(file, source);
  try {
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, [file], { timeout: 20_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    assert.match(stdout, /ok: true/);
    assert.match(stdout, /seq: 1/);
    assert.match(stdout, /body: 'hi'/);
    assert.match(stdout, /seq: 2/);
    assert.match(stdout, /kind: 'file'/);
    assert.match(stdout, /attachments: \[ \[Object\] \]/);
  } finally {
    rmSync(file, { force: true });
  }
});
