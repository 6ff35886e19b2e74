// The cluster test and deploy/ describe one topology: the same node settings in
// deploy/docker-compose.yml and in launch.mjs, nginx on deploy/nginx/talkline.conf with
// round-robin balancing, and only settings and files that exist. Needs no cluster.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";

import {
  COMPOSE_FILE,
  NGINX_TEMPLATE,
  OPTIONAL_KEYS,
  SHARED_NODE_SETTINGS,
  TEST_VALUES,
  knownKeys,
  nginxConfigFor,
  writeNginxConfig,
} from "./launch.mjs";

const indentOf = (line) => line.length - line.trimStart().length;
const meaningful = (line) => line.trim() !== "" && !line.trim().startsWith("#");
const unquote = (value) => value.trim().replace(/^"(.*)"$/, "$1");

/** `KEY: value` children of the mapping that starts after line `start`. */
function mappingAfter(lines, start) {
  const entries = {};
  let indent = null;
  for (let i = start + 1; i < lines.length; i += 1) {
    if (!meaningful(lines[i])) continue;
    if (indent === null) indent = indentOf(lines[i]);
    if (indentOf(lines[i]) < indent) break;
    if (indentOf(lines[i]) > indent) continue;
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(lines[i]);
    if (match) entries[match[1]] = unquote(match[2]);
  }
  return entries;
}

/**
 * The node environment of the compose file, by a line reading of its known shape (there
 * is no YAML parser among the test dependencies): the `&talkline-env` anchor, and each
 * `talkline-N` service's own `environment:` entries.
 */
function composeNodes(text) {
  const lines = text.split("\n");
  const anchor = lines.findIndex((l) => /^\s*environment:\s*&talkline-env\s*$/.test(l));
  assert.ok(anchor >= 0, `${COMPOSE_FILE}: no "environment: &talkline-env" block`);
  const shared = mappingAfter(lines, anchor);
  const nodes = {};
  lines.forEach((line, i) => {
    const service = /^  (talkline-\d+):\s*$/.exec(line);
    if (!service) return;
    const own = lines.slice(i + 1).findIndex((l) => meaningful(l) && indentOf(l) <= 2);
    const block = lines.slice(i + 1, own < 0 ? lines.length : i + 1 + own);
    const env = block.findIndex((l) => /^\s*environment:\s*$/.test(l));
    assert.ok(env >= 0, `${service[1]}: no environment block`);
    const entries = mappingAfter(block, env);
    assert.equal(entries["<<"], "*talkline-env", `${service[1]}: environment must merge <<: *talkline-env`);
    delete entries["<<"];
    nodes[service[1]] = entries;
  });
  return { shared, nodes };
}

const compose = composeNodes(fs.readFileSync(COMPOSE_FILE, "utf8"));
const template = fs.readFileSync(NGINX_TEMPLATE, "utf8");

describe("the cluster test mirrors deploy/", () => {
  test("the compose nodes and the launcher's nodes have the same settings", () => {
    const launcherShared = [
      "TALKLINE_STORE",
      "TALKLINE_BUS",
      "TALKLINE_JWT_SECRET",
      ...Object.keys(SHARED_NODE_SETTINGS),
      ...Object.keys(TEST_VALUES),
      ...OPTIONAL_KEYS,
    ].sort();
    assert.deepEqual(
      Object.keys(compose.shared).sort(),
      launcherShared,
      "x-talkline-node environment keys vs launch.mjs",
    );
    for (const [key, value] of Object.entries(SHARED_NODE_SETTINGS)) {
      assert.equal(compose.shared[key], value, `${key}: compose and launch.mjs must agree`);
    }
    const names = Object.keys(compose.nodes).sort();
    assert.ok(names.length >= 2, `expected several talkline-N services, found ${names.join(", ")}`);
    const ids = new Set();
    for (const name of names) {
      const env = compose.nodes[name];
      assert.deepEqual(
        Object.keys(env).sort(),
        ["TALKLINE_NODE_ADDRESS", "TALKLINE_NODE_ID"],
        `${name}'s own settings`,
      );
      assert.equal(env.TALKLINE_NODE_ADDRESS, `${name}:8080`, `${name}: the address other nodes reach it at`);
      ids.add(env.TALKLINE_NODE_ID);
    }
    assert.equal(ids.size, names.length, "every node needs its own TALKLINE_NODE_ID");
  });

  test("every setting the compose file and the launcher pass is one the binary knows", () => {
    const known = knownKeys();
    const composeKeys = [...Object.keys(compose.shared), ...Object.values(compose.nodes).flatMap(Object.keys)];
    const launcherKeys = [
      "TALKLINE_NODE_ID",
      "TALKLINE_NODE_ADDRESS",
      ...Object.keys(SHARED_NODE_SETTINGS),
      ...Object.keys(TEST_VALUES),
      ...OPTIONAL_KEYS,
    ];
    const unknown = [...new Set([...composeKeys, ...launcherKeys])].filter((key) => !known.has(key));
    assert.deepEqual(unknown, [], `settings unknown to ${process.env.TALKLINE_BIN} (talkline --help)`);
  });

  test("nginx balances round-robin over exactly the compose nodes", () => {
    const withoutComments = template.replace(/#.*$/gm, "");
    const upstream = /upstream\s+talkline\s*\{([^}]*)\}/.exec(withoutComments);
    assert.ok(upstream, "deploy/nginx/talkline.conf: no upstream talkline block");
    const directives = upstream[1]
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const balancing = directives.filter((d) => /^(ip_hash|hash|sticky|least_conn|least_time|random)\b/.test(d));
    assert.deepEqual(balancing, [], "no stickiness or other balancing method: the design is round-robin");
    const servers = directives.filter((d) => d.startsWith("server ")).map((d) => d.split(/\s+/)[1]);
    assert.deepEqual(
      servers.sort(),
      Object.keys(compose.nodes)
        .map((n) => `${n}:8080`)
        .sort(),
    );
  });

  test("the test's nginx config is the deploy file with only the three substitutions, and nginx -t accepts it", async () => {
    const generated = nginxConfigFor({ listenPort: 18080, upstreams: ["127.0.0.1:18081", "127.0.0.1:18082"] });
    const strip = (text) =>
      text
        .split("\n")
        .filter((l) => meaningful(l) && !/^\s*server\s+\S+:\d+/.test(l))
        .map((l) => l.replace(/rate=\d+r\/[sm]/, "rate=R").replace(/listen\s+\S+;/, "listen L;"))
        .join("\n");
    assert.equal(
      strip(generated),
      strip(template),
      "everything but upstream servers, listen and rates must be the deploy file's",
    );
    assert.match(generated, /server 127\.0\.0\.1:18081 max_fails=3 fail_timeout=10s;/);
    assert.match(generated, /listen 127\.0\.0\.1:18080;/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "talkline-nginx-t-"));
    try {
      await writeNginxConfig(dir, { listenPort: 18080, upstreams: ["127.0.0.1:18081"] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the compose file refers only to files that exist", () => {
    const text = fs.readFileSync(COMPOSE_FILE, "utf8");
    const deployDir = path.dirname(COMPOSE_FILE);
    const mounted = [...text.matchAll(/^\s*-\s*(\.\/[^:\s]+):/gm)].map((m) => path.join(deployDir, m[1]));
    const dockerfiles = [...text.matchAll(/^\s*dockerfile:\s*(\S+)/gm)].map((m) => path.join(deployDir, "..", m[1]));
    assert.ok(
      mounted.length > 0 && dockerfiles.length > 0,
      "expected mounted files and a dockerfile in the compose file",
    );
    for (const file of [...mounted, ...dockerfiles])
      assert.ok(fs.existsSync(file), `${file} is referenced but missing`);
  });
});
