// The /metrics families every node serves, with their Prometheus types, and a parser of
// the text exposition format. Shared by the metrics test, the dashboard and alert-rule
// drift checks, and the cluster test (which checks the Redis and PostgreSQL ones).

import fs from 'node:fs';

/// Families on every node, whatever its backends.
export const NODE_FAMILIES = {
  talkline_http_requests_total: 'counter',
  talkline_http_request_duration_seconds: 'histogram',
  talkline_socket_connections: 'gauge',
  talkline_engineio_sessions: 'gauge',
  talkline_messages_accepted_total: 'counter',
  talkline_messages_acked_total: 'counter',
  talkline_messages_delivered_total: 'counter',
  talkline_messages_refused_total: 'counter',
  talkline_message_ack_latency_seconds: 'histogram',
  talkline_store_commit_duration_seconds: 'histogram',
  talkline_store_commit_jobs: 'histogram',
  talkline_store_writer_queued_jobs: 'gauge',
  talkline_event_loop_lag_seconds: 'histogram',
  talkline_loop_inbox_queued_deliveries: 'gauge',
  talkline_rate_limited_total: 'counter',
  talkline_bus_publish_lag_seconds: 'histogram',
  talkline_bus_delivery_lag_seconds: 'histogram',
  talkline_webhook_attempts_total: 'counter',
  talkline_webhook_failures_total: 'counter',
  talkline_webhook_dead_letters_total: 'counter',
  talkline_webhook_retrying_events: 'gauge',
  talkline_event_log_queued_events: 'gauge',
  talkline_event_log_dropped_total: 'counter',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  process_virtual_memory_bytes: 'gauge',
  process_open_fds: 'gauge',
  process_max_fds: 'gauge',
  process_start_time_seconds: 'gauge',
  process_threads: 'gauge',
};

/// Families only a node with a redis:// bus and a postgres:// store serves.
export const CLUSTER_FAMILIES = {
  talkline_redis_up: 'gauge',
  talkline_redis_links_up: 'gauge',
  talkline_redis_reconnects_total: 'counter',
  talkline_bus_published_total: 'counter',
  talkline_bus_dropped_total: 'counter',
  talkline_bus_queued_bytes: 'gauge',
  talkline_postgres_up: 'gauge',
  talkline_postgres_reconnects_total: 'counter',
};

/// Parses the text exposition format: { types: {family: type}, samples: [{name, labels, value}] }.
/// Throws on a line it cannot read, so a malformed exposition fails the test.
export function parseMetrics(text) {
  const types = {};
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types[name] = type;
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unreadable /metrics line: ${line}`);
    const labels = {};
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return { types, samples };
}

/// The value of one sample (labels must all match), or undefined.
export function valueOf(parsed, name, labels = {}) {
  const found = parsed.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  return found?.value;
}

/// The sum over every sample of `name` whose labels match.
export function sumOf(parsed, name, labels = {}) {
  return parsed.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((total, s) => total + s.value, 0);
}

/// Metric names (talkline_* and process_*) that a file's text refers to: a dashboard's
/// queries, an alert rule's expressions. Histogram series suffixes are kept; see
/// familyOf.
export function metricNamesIn(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...new Set(text.match(/\b(?:talkline|process)_[a-z0-9_]+\b/g) ?? [])];
}

/// The family a series name belongs to in `types` (name_bucket → name), or undefined.
export function familyOf(types, name) {
  if (types[name]) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types[base] === 'histogram' ? base : undefined;
}
