#!/usr/bin/env bash
# Checks the monitoring files in deploy/: the Prometheus config and alert rules with
# promtool (Debian's `prometheus` package; scripts/install-deps.sh --test), the rules'
# unit tests (deploy/prometheus/tests, one file per rule group), and that the Grafana
# dashboard and provisioning files parse. That every metric they query exists is
# checked against a real scrape by tests/integration/metrics.test.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v promtool >/dev/null 2>&1; then
  echo "check-monitoring: promtool not found (install the prometheus package: scripts/install-deps.sh --test)" >&2
  exit 1
fi

promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/tests/*.test.yml

# Every rule group has its test file, so a new group cannot go untested.
for group in $(sed -n 's/^  - name: talkline-\(.*\)$/\1/p' deploy/prometheus/alerts.yml); do
  if [[ ! -f deploy/prometheus/tests/$group.test.yml ]]; then
    echo "check-monitoring: rule group talkline-$group has no deploy/prometheus/tests/$group.test.yml" >&2
    exit 1
  fi
done

node --input-type=module - <<'JS'
import fs from 'node:fs';
const dashboard = JSON.parse(fs.readFileSync('deploy/grafana/dashboards/talkline.json', 'utf8'));
const datasource = fs.readFileSync('deploy/grafana/provisioning/datasources/prometheus.yml', 'utf8');
const uid = /uid:\s*(\S+)/.exec(datasource)?.[1];
const problems = [];
for (const panel of dashboard.panels) {
  if (panel.type === 'row') continue;
  if (panel.datasource?.uid !== uid) problems.push(`panel "${panel.title}" does not use datasource ${uid}`);
  if (!panel.targets?.length) problems.push(`panel "${panel.title}" has no query`);
}
if (!fs.readFileSync('deploy/grafana/provisioning/dashboards/talkline.yml', 'utf8').includes('/var/lib/grafana/dashboards')) {
  problems.push('the dashboard provider does not read /var/lib/grafana/dashboards, where compose mounts the dashboards');
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`grafana: ${dashboard.panels.length} panels, datasource ${uid}: OK`);
JS
