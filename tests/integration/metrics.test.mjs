import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { api, assertJson, createGroup, registerUser, uniqueSuffix, useServer } from './harness.mjs';
import { CLUSTER_FAMILIES, NODE_FAMILIES, familyOf, metricNamesIn, parseMetrics, sumOf, valueOf } from './metric_families.mjs';

// socket.io-client is pinned in tests/e2e's package-lock.json.
const { io } = createRequire(new URL('../e2e/package.json', import.meta.url))('socket.io-client');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function connect(baseUrl, token, transports) {
  return new Promise((resolve, reject) => {
    const socket = io(baseUrl, { auth: { token }, transports, reconnection: false, forceNew: true });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

describe('/metrics', () => {
  let server;
  let client;
  // A small send bucket, so a short burst meets the rate limit; a fast lag probe.
  useServer((started) => ({ server, client } = started), {
    env: {
      TALKLINE_MESSAGES_PER_SECOND_PER_USER: '1',
      TALKLINE_MESSAGE_BURST_PER_USER: '3',
      TALKLINE_LOOP_LAG_PROBE_MS: '50',
    },
  });

  let scraped;

  async function scrape() {
    const res = await client.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    return parseMetrics(res.text);
  }

  it('counts sends, refusals, deliveries and latencies after real traffic', async () => {
    const alice = await registerUser(client, 'ma');
    const bob = await registerUser(client, 'mb');
    const group = await createGroup(client, alice, [bob]);

    // HTTP: one send that is acked, one refused for its input.
    assertJson(
      await client.post(`/api/v1/conversations/${group.id}/messages`, {
        token: alice.accessToken,
        body: { clientMsgId: `h-${uniqueSuffix()}`, body: 'over http' },
      }),
      201,
    );
    const bad = await client.post(`/api/v1/conversations/${group.id}/messages`, {
      token: alice.accessToken,
      body: { clientMsgId: `h-${uniqueSuffix()}` },
    });
    assert.equal(bad.status, 400);

    // Sockets on both transports; bob hears alice's socket send.
    const sender = await connect(server.baseUrl, alice.accessToken, ['polling']);
    const receiver = await connect(server.baseUrl, bob.accessToken, ['websocket']);
    try {
      const heard = new Promise((resolve) => receiver.on('message:new', resolve));
      const ack = await sender.timeout(5000).emitWithAck('message:send', {
        conversationId: group.id,
        clientMsgId: `s-${uniqueSuffix()}`,
        body: 'over the socket',
      });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      await heard;
      // Past the burst: refused by the send limit.
      const burst = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          sender.timeout(5000).emitWithAck('message:send', {
            conversationId: group.id,
            clientMsgId: `b-${i}-${uniqueSuffix()}`,
            body: `burst ${i}`,
          }),
        ),
      );
      assert.ok(burst.some((answer) => answer.ok === false && answer.error.code === 'rate_limited'));
      await sleep(200);  // a few lag probes

      scraped = await scrape();
      const m = scraped;
      assert.equal(valueOf(m, 'talkline_socket_connections'), 2);
      assert.equal(valueOf(m, 'talkline_engineio_sessions', { transport: 'websocket' }), 1);
      assert.equal(valueOf(m, 'talkline_engineio_sessions', { transport: 'polling' }), 1);
    } finally {
      sender.close();
      receiver.close();
    }

    const m = scraped;
    assert.ok(valueOf(m, 'talkline_messages_accepted_total') >= 2);
    assert.ok(valueOf(m, 'talkline_messages_acked_total') >= 2);
    assert.ok(valueOf(m, 'talkline_messages_delivered_total') >= 1);
    assert.ok(valueOf(m, 'talkline_messages_refused_total', { reason: 'invalid_argument' }) >= 1);
    assert.ok(valueOf(m, 'talkline_messages_refused_total', { reason: 'rate_limited' }) >= 1);
    assert.equal(valueOf(m, 'talkline_messages_refused_total', { reason: 'internal' }), 0);
    assert.ok(valueOf(m, 'talkline_rate_limited_total', { limit: 'message_send' }) >= 1);
    assert.equal(valueOf(m, 'talkline_rate_limited_total', { limit: 'http_per_ip' }), 0);
    assert.ok(valueOf(m, 'talkline_message_ack_latency_seconds_count') >= 1);
    assert.ok(valueOf(m, 'talkline_message_ack_latency_seconds_sum') > 0);
    assert.equal(
      valueOf(m, 'talkline_message_ack_latency_seconds_bucket', { le: '+Inf' }),
      valueOf(m, 'talkline_message_ack_latency_seconds_count'),
    );
    assert.ok(valueOf(m, 'talkline_store_commit_duration_seconds_count') >= 2);
    assert.ok(valueOf(m, 'talkline_store_commit_jobs_sum') >= 2);
    assert.ok(sumOf(m, 'talkline_event_loop_lag_seconds_count') >= 1);
    assert.ok(valueOf(m, 'talkline_bus_delivery_lag_seconds_count') >= 1);
    assert.ok(sumOf(m, 'talkline_http_requests_total', { status: '201' }) >= 1);
    assert.ok(valueOf(m, 'process_resident_memory_bytes') > 1e6);
    assert.ok(valueOf(m, 'process_cpu_seconds_total') > 0);
    assert.ok(valueOf(m, 'process_open_fds') > 3);
    assert.ok(valueOf(m, 'process_start_time_seconds') > 1.6e9);
    // Nothing waits once the traffic is answered.
    assert.equal(valueOf(m, 'talkline_store_writer_queued_jobs'), 0);
  });

  it('serves every family with its type, and no user or conversation in any label', () => {
    assert.ok(scraped, 'the traffic test ran first');
    for (const [name, type] of Object.entries(NODE_FAMILIES)) {
      assert.equal(scraped.types[name], type, `${name} should be a ${type}`);
    }
    const allowed = new Set(['method', 'route', 'status', 'reason', 'limit', 'loop', 'transport', 'le', 'role']);
    for (const sample of scraped.samples) {
      for (const label of Object.keys(sample.labels)) assert.ok(allowed.has(label), `${sample.name}: label ${label}`);
      if (sample.name.endsWith('_total')) assert.equal(scraped.types[sample.name], 'counter', sample.name);
    }
    // Routes are patterns: no id leaks into a label value.
    for (const sample of scraped.samples) {
      for (const value of Object.values(sample.labels)) assert.doesNotMatch(value, /[0-9]{10,}/, sample.name);
    }
  });

  it('backs every metric the Grafana dashboard and the alert rules query', () => {
    const dashboard = path.join(repo, 'deploy/grafana/dashboards/talkline.json');
    JSON.parse(fs.readFileSync(dashboard, 'utf8'));
    for (const file of [dashboard, path.join(repo, 'deploy/prometheus/alerts.yml')]) {
      const names = metricNamesIn(file);
      assert.ok(names.length > 10, `${file} queries metrics`);
      for (const name of names) {
        if (CLUSTER_FAMILIES[name]) continue;  // checked by the cluster test
        assert.ok(familyOf(scraped.types, name), `${path.relative(repo, file)} queries ${name}, which /metrics lacks`);
      }
    }
  });
});
