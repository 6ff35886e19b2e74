// Turns the results of scripts/bench.sh into bench/RESULTS.md, and checks them.
//
//   node bench/render-results.mjs [--results DIR] [--out FILE]    render (bench/results → bench/RESULTS.md)
//   node bench/render-results.mjs --check DIR                      exit 1 unless every run passed with zero correctness counts
//   node bench/render-results.mjs --record-machine DIR [--talkline BIN]   write DIR/machine.json
//
// Inputs, per run: <scenario>-<server>.json (talkline-bench --json) and
// <scenario>-<server>.run.json (written by scripts/bench.sh: commands, exit codes, times).
// Every figure is read defensively: a field the generator did not write shows as "—".

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SCENARIOS = ["connections", "direct", "group", "persist", "daily-model"];
const SERVERS = ["talkline", "peer-memory", "peer-sqlite"];
/** cross-node: one server against itself on one and on two nodes (its own section). */
const CROSS_NODE = "cross-node";
const CROSS_NODE_SERVERS = ["talkline-1node", "talkline-2nodes", "peer-1node", "peer-2nodes"];
/** attachments: file uploads over HTTP, TalkLine only (the peer has no uploads; its own section). */
const ATTACHMENTS = "attachments";
const SERVER_TITLES = {
  talkline: "TalkLine",
  "peer-memory": "socket.io peer (memory)",
  "peer-sqlite": "socket.io peer (SQLite)",
  "talkline-1node": "TalkLine, 1 node",
  "talkline-2nodes": "TalkLine, 2 nodes + Redis",
  "peer-1node": "socket.io peer, 1 process",
  "peer-2nodes": "socket.io peer, 2 processes + redis-adapter",
};
/** The peer each scenario is judged against (the other one, if present, is extra). */
const MAIN_PEER = { persist: "peer-sqlite" };
const DASH = "—";
const LATENCY_NAMES = {
  send_to_ack: "send→ack",
  send_to_deliver: "send→deliver",
  send_to_last_delivery: "send→last delivery",
};
const latencyName = (key) => LATENCY_NAMES[key] ?? key.replace(/_/g, " ");

// ---- reading ---------------------------------------------------------------------------

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Every run in `dir`: {scenario, server, run (manifest), result (bench JSON or undefined)}. */
function loadRuns(dir) {
  const runs = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    if (!name.endsWith(".run.json")) continue;
    const run = readJson(path.join(dir, name));
    if (!run) continue;
    const result = readJson(path.join(dir, run.result ?? name.replace(/\.run\.json$/, ".json")));
    runs.push({ scenario: run.scenario, server: run.server, run, result });
  }
  return runs;
}

function get(object, ...keys) {
  let value = object;
  for (const key of keys) {
    if (value === null || value === undefined || typeof value !== "object") return undefined;
    value = value[key];
  }
  return value;
}

function num(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

// ---- checks ----------------------------------------------------------------------------

/** Non-zero correctness counts of one result, as "name=value" strings. */
function correctnessProblems(scenario, result) {
  const problems = [];
  for (const [key, value] of Object.entries(result?.correctness ?? {})) {
    if (typeof value === "number" && value !== 0) problems.push(`${key}=${value}`);
  }
  if (scenario === "connections") {
    for (const key of ["failed", "dropped_while_idle"]) {
      const value = num(get(result, "results", key));
      if (value) problems.push(`${key}=${value}`);
    }
  }
  return problems;
}

/** Why a run did not pass, or "" when it did. */
function runProblem(entry) {
  const { run, result, scenario } = entry;
  const parts = [];
  if (run.status !== "ok") parts.push(`${run.status}${run.bench_exit != null ? ` (exit ${run.bench_exit})` : ""}`);
  else if (!result) parts.push("no JSON result");
  const problems = result ? correctnessProblems(scenario, result) : [];
  if (problems.length) parts.push(`correctness: ${problems.join(", ")}`);
  return parts.join("; ");
}

function check(dir) {
  const runs = loadRuns(dir);
  if (runs.length === 0) {
    console.error(`bench check: no runs in ${dir}`);
    return 1;
  }
  let failures = 0;
  for (const entry of runs) {
    const problem = runProblem(entry);
    if (problem) failures++;
    console.log(`${problem ? "FAIL" : "ok  "} ${entry.scenario} against ${entry.server}${problem ? `: ${problem}` : ""}`);
  }
  console.log(`bench check: ${runs.length - failures} of ${runs.length} runs clean`);
  return failures ? 1 : 0;
}

// ---- machine ---------------------------------------------------------------------------

function firstMatch(file, pattern) {
  try {
    return fs.readFileSync(file, "utf8").match(pattern)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

function packageVersion(name) {
  return readJson(path.join(repoRoot, "bench/peers/socketio-node/node_modules", name, "package.json"))?.version;
}

function run(command, args) {
  try {
    return execFileSync(command, args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function describeMachine(talkline) {
  const memKib = Number(firstMatch("/proc/meminfo", /^MemTotal:\s+(\d+)/m));
  const openFiles = fs.existsSync("/proc/self/limits")
    ? fs.readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\S+)\s+(\S+)/m)
    : null;
  let gitRev = run("git", ["rev-parse", "--short", "HEAD"]);
  // The results being rendered do not make the source dirty.
  const changed = run("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results", ":!bench/RESULTS.md"]);
  if (gitRev && changed) gitRev += "+dirty";
  return {
    recorded_at: new Date().toISOString(),
    cpu_model: firstMatch("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? os.cpus()[0]?.model,
    cores: os.cpus().length,
    ram_gib: memKib ? memKib / 1024 / 1024 : undefined,
    kernel: os.release(),
    os: firstMatch("/etc/os-release", /^PRETTY_NAME="?([^"\n]*)"?$/m),
    debian_version: firstMatch("/etc/debian_version", /^(.+)$/m),
    load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
    open_files: openFiles ? { soft: openFiles[1], hard: openFiles[2] } : undefined,
    node: process.version,
    socket_io: packageVersion("socket.io"),
    better_sqlite3: packageVersion("better-sqlite3"),
    socket_io_redis_adapter: packageVersion("@socket.io/redis-adapter"),
    node_redis: packageVersion("redis"),
    redis_server: run("redis-server", ["--version"])?.match(/v=(\S+)/)?.[1],
    postgresql: run(path.join(process.env.TALKLINE_PG_BIN || "/usr/lib/postgresql/15/bin", "postgres"), ["--version"])?.match(/(\d+(\.\d+)+)/)?.[1],
    talkline: talkline ? run(talkline, ["--version"])?.replace(/^talkline\s+/, "") : undefined,
    git: gitRev,
  };
}

// ---- formatting ------------------------------------------------------------------------

function fmtInt(value) {
  return num(value) === undefined ? DASH : Math.round(value).toLocaleString("en-US");
}

/** Integers with separators, other numbers with up to 3 decimals, anything else as text. */
function fmtNumber(value) {
  if (num(value) === undefined) return value === undefined || value === null ? DASH : String(value);
  return Number.isInteger(value) ? fmtInt(value) : String(Math.round(value * 1000) / 1000);
}

function fmtFixed(value, digits = 1) {
  return num(value) === undefined ? DASH : value.toFixed(digits);
}

function fmtMs(micros) {
  if (num(micros) === undefined) return DASH;
  const ms = micros / 1000;
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms).toLocaleString("en-US");
}

/** TalkLine against one peer, oriented so that above 1 means TalkLine is better. */
function ratio(talkline, peer, better) {
  if (num(talkline) === undefined || num(peer) === undefined || !better) return DASH;
  const r = better === "higher" ? talkline / peer : peer / talkline;
  if (!Number.isFinite(r) || r <= 0) return DASH;
  const text = (x) => (x >= 10 ? Math.round(x).toLocaleString("en-US") : x.toFixed(x >= 2 ? 1 : 2));
  if (r >= 1.005) return `${text(r)}× better`;
  if (r <= 1 / 1.005) return `${text(1 / r)}× worse`;
  return "same";
}

function table(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, "\\|").replace(/\n/g, " ")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

// ---- steps -----------------------------------------------------------------------------

function isSustained(step) {
  if (typeof step.sustained === "boolean") return step.sustained;
  return num(step.planned) > 0 && step.sent === step.planned && step.acked_ok === step.sent;
}

function p99(step, latency) {
  return num(get(step, `${latency}_us`, "p99"));
}

/**
 * The steps of a messaging result. A result without "steps" (a single-rate run of an
 * older generator) counts as one step built from its totals.
 */
function stepsOf(result, exitCode) {
  if (!result) return [];
  if (Array.isArray(result.steps) && result.steps.length) return result.steps;
  const rates = get(result, "parameters", "rates");
  return [
    {
      rate: num(get(result, "parameters", "rate")) ?? (Array.isArray(rates) ? rates[0] : undefined),
      sustained: exitCode === 0,
      ...result.throughput,
      ...result.latency,
      server_cpu_percent: get(result, "server", "cpu_percent"),
      bench_cpu_percent: get(result, "bench", "cpu_percent"),
    },
  ];
}

/** Highest-rate sustained step whose p99 `latency` is at most `boundUs` (no bound: any sustained step). */
function bestStep(steps, latency, boundUs) {
  let best;
  for (const step of steps) {
    if (!isSustained(step)) continue;
    const value = p99(step, latency);
    if (boundUs !== undefined && (value === undefined || value > boundUs)) continue;
    if (!best || num(step.rate) > num(best.rate)) best = step;
  }
  return best;
}

function boundUsOf(result, latency) {
  const ms = num(get(result, "parameters", `p99_bound_${latency}`));
  return ms && ms > 0 ? ms * 1000 : undefined;
}

/** The step with the generator's verdict "within its bound" and the highest rate. */
function bestWithinBound(result, steps, latency) {
  const flagged = steps.filter((s) => s.within_bound === true && isSustained(s));
  if (flagged.length) return flagged.reduce((a, b) => (num(b.rate) > num(a.rate) ? b : a));
  return bestStep(steps, latency, boundUsOf(result, latency));
}

function stepAt(steps, rate) {
  return steps.find((s) => s.rate === rate);
}

/** True when a step ran at the highest rate the run asked for (so capacity may be higher). */
function isTopRate(result, step) {
  const rates = get(result, "parameters", "rates");
  const top = Array.isArray(rates) && rates.length ? Math.max(...rates) : num(get(result, "parameters", "rate"));
  return step && top !== undefined && step.rate >= top;
}

// ---- scenario tables -------------------------------------------------------------------

/**
 * A metric row: `value(entry)` gives the figure for one run (a number, or text),
 * `better` is "higher", "lower" or null (not compared), `format` turns it into text.
 */
function metric(label, better, value, format = fmtInt) {
  return { label, better, value, format };
}

/** Figures of a messaging scenario measured on steps (direct, group, persist). */
function steppedMetrics({ latency, rateField, rateLabel, extraLatency, directTargets = false }) {
  const bound = (e) => boundUsOf(e.result, latency);
  const boundText = (entries) => {
    const us = entries.map((e) => bound(e)).find((x) => x !== undefined);
    return us === undefined ? "" : ` and p99 ${latencyName(latency)} ≤ ${us / 1000} ms`;
  };
  return (entries, common) => {
    const rows = [
      metric(
        `highest ${rateLabel} with every send acked${boundText(entries)} (↑)`,
        "higher",
        (e) => num(get(bestWithinBound(e.result, e.steps, latency), rateField)),
      ),
      metric(`peak ${rateLabel}, every send acked (↑)`, "higher", (e) => {
        const values = e.steps.filter(isSustained).map((s) => num(s[rateField])).filter((x) => x !== undefined);
        return values.length ? Math.max(...values) : undefined;
      }),
    ];
    if (directTargets) {
      rows.splice(
        1,
        0,
        metric(`highest ${rateLabel} with p99 send→deliver ≤ 2 ms (↑)`, "higher", (e) =>
          num(get(bestStep(e.steps, latency, 2000), rateField)),
        ),
      );
    }
    const at = common ? `at ${fmtInt(common)} msg/s` : "";
    if (common) {
      const step = (e) => stepAt(e.steps, common);
      for (const [name, key] of [
        ["p50", "p50"],
        ["p99", "p99"],
        ["p99.9", "p99_9"],
      ]) {
        rows.push(metric(`${name} ${latencyName(latency)} ${at}, ms (↓)`, "lower", (e) => num(get(step(e), `${latency}_us`, key)), fmtMs));
      }
      for (const other of ["send_to_ack", ...(extraLatency ? [extraLatency] : [])]) {
        if (other === latency) continue;
        rows.push(metric(`p99 ${latencyName(other)} ${at}, ms (↓)`, "lower", (e) => p99(step(e), other), fmtMs));
      }
      rows.push(metric(`server CPU ${at}, % (↓)`, "lower", (e) => num(get(step(e), "server_cpu_percent")), fmtFixed));
      rows.push(metric(`generator CPU ${at}, %`, null, (e) => num(get(step(e), "bench_cpu_percent")), fmtFixed));
    }
    if (directTargets) {
      rows.push(metric("p99 send→deliver at 20,000 msg/s, ms (↓)", "lower", (e) => p99(stepAt(e.steps, 20000), latency), fmtMs));
    }
    rows.push(
      metric("server RSS at the end, MiB (↓)", "lower", (e) => num(get(e.result, "server", "rss")), fmtFixed),
    );
    return rows;
  };
}

const METRICS = {
  connections: () => [
    metric("connections held (↑)", "higher", (e) => num(get(e.result, "results", "connected"))),
    metric("handshakes per second (↑)", "higher", (e) => num(get(e.result, "results", "handshakes_per_second"))),
    metric("server RSS per connection, KiB (↓)", "lower", (e) => num(get(e.result, "server", "rss_per_connection")), fmtFixed),
    metric("server RSS before connecting, MiB (↓)", "lower", (e) => num(get(e.result, "server", "rss_before")), fmtFixed),
    metric("server RSS with all connected, MiB (↓)", "lower", (e) => num(get(e.result, "server", "rss_connected")), fmtFixed),
    metric("server CPU while idle, % (↓)", "lower", (e) => num(get(e.result, "server", "cpu_idle_percent")), (x) => fmtFixed(x, 2)),
    metric("server CPU to accept them, s (↓)", "lower", (e) => num(get(e.result, "server", "cpu_connect_phase")), (x) => fmtFixed(x, 2)),
    metric("generator CPU to connect, s", null, (e) => num(get(e.result, "bench", "cpu_connect_phase")), (x) => fmtFixed(x, 2)),
  ],
  direct: steppedMetrics({
    latency: "send_to_deliver",
    rateField: "delivery_rate",
    rateLabel: "delivered msg/s",
    directTargets: true,
  }),
  group: steppedMetrics({
    latency: "send_to_deliver",
    rateField: "delivery_rate",
    rateLabel: "deliveries/s",
    extraLatency: "send_to_last_delivery",
  }),
  persist: steppedMetrics({ latency: "send_to_ack", rateField: "ack_rate", rateLabel: "durably acked msg/s" }),
  "daily-model": () => [
    metric("keeps up (every send acked, reads served, p99 deliver in bounds)", null, (e) => {
      const v = get(e.result, "model", "keeps_up");
      return typeof v === "boolean" ? (v ? "yes" : "no") : undefined;
    }, (x) => x ?? DASH),
    metric("planned sends/s", null, (e) => num(get(e.result, "model", "planned_send_rate"))),
    metric("planned history reads/s", null, (e) => num(get(e.result, "model", "planned_read_rate"))),
    metric("sends/s (↑)", "higher", (e) => num(get(e.result, "throughput", "send_rate"))),
    metric("deliveries/s (↑)", "higher", (e) => num(get(e.result, "throughput", "delivery_rate"))),
    metric("history reads/s (↑)", "higher", (e) => num(get(e.result, "throughput", "read_rate"))),
    metric("p50 send→ack, ms (↓)", "lower", (e) => num(get(e.result, "latency", "send_to_ack_us", "p50")), fmtMs),
    metric("p99 send→ack, ms (↓)", "lower", (e) => num(get(e.result, "latency", "send_to_ack_us", "p99")), fmtMs),
    metric("p99 send→deliver, ms (↓)", "lower", (e) => num(get(e.result, "latency", "send_to_deliver_us", "p99")), fmtMs),
    metric("p99 history read, ms (↓)", "lower", (e) => num(get(e.result, "latency", "history_read_us", "p99")), fmtMs),
    metric("server CPU, % (↓)", "lower", (e) => num(get(e.result, "server", "cpu_percent")), fmtFixed),
    metric("server RSS at the end, MiB (↓)", "lower", (e) => num(get(e.result, "server", "rss")), fmtFixed),
    metric("generator CPU, %", null, (e) => num(get(e.result, "bench", "cpu_percent")), fmtFixed),
  ],
};

/**
 * The planned rate at which to compare a scenario's servers side by side: the highest
 * step every server kept up with inside its bound; failing that, the highest step every
 * server kept up with; failing that, the lowest step every server ran. Returns
 * {rate, why} or undefined.
 */
function commonRate(entries, latency) {
  if (!entries.length) return undefined;
  const shared = (keep) => {
    const sets = entries.map((e) => new Set(e.steps.filter((s) => keep(e, s)).map((s) => s.rate)));
    return [...sets[0]].filter((rate) => rate !== undefined && sets.every((set) => set.has(rate)));
  };
  const withinBound = shared((e, s) => {
    const bound = boundUsOf(e.result, latency);
    return isSustained(s) && (bound === undefined || (p99(s, latency) ?? Infinity) <= bound);
  });
  if (withinBound.length) return { rate: Math.max(...withinBound), why: "the highest step that every server kept up with inside its p99 bound" };
  const sustained = shared((e, s) => isSustained(s));
  if (sustained.length) return { rate: Math.max(...sustained), why: "the highest step that every server kept up with (not every server stayed inside its p99 bound at any step)" };
  const ran = shared(() => true);
  if (ran.length) return { rate: Math.min(...ran), why: "the lowest step, which not every server kept up with" };
  return undefined;
}

const LATENCY_OF = { direct: "send_to_deliver", group: "send_to_deliver", persist: "send_to_ack", [CROSS_NODE]: "send_to_deliver" };

// ---- headline comparison ---------------------------------------------------------------

/**
 * TalkLine against the peer "at equal or better p99": for stepped scenarios, the peer's
 * highest step within its bound sets a rate and a p99; TalkLine's figure is its highest
 * sustained step whose p99 is no worse. Returns {text, ratio, lowerBound, note}.
 */
function headline(scenario, t, p) {
  if (!t?.result || !p?.result) return { text: "not run against both servers" };
  if (scenario === "connections") {
    const tv = num(get(t.result, "server", "rss_per_connection"));
    const pv = num(get(p.result, "server", "rss_per_connection"));
    if (!tv || !pv) return { text: "RSS per connection missing" };
    return { ratio: pv / tv, text: `server RSS per connection: ${fmtFixed(tv)} vs ${fmtFixed(pv)} KiB` };
  }
  if (scenario === "daily-model") {
    const tc = num(get(t.result, "server", "cpu_percent"));
    const pc = num(get(p.result, "server", "cpu_percent"));
    const tl = num(get(t.result, "latency", "send_to_deliver_us", "p99"));
    const pl = num(get(p.result, "latency", "send_to_deliver_us", "p99"));
    if (!tc || !pc) return { text: "server CPU missing" };
    const note = tl !== undefined && pl !== undefined && tl > pl ? " — but TalkLine's p99 is worse" : "";
    return {
      ratio: pc / tc,
      worseP99: tl !== undefined && pl !== undefined && tl > pl,
      text: `server CPU for the same load: ${fmtFixed(tc)}% vs ${fmtFixed(pc)}%; p99 send→deliver ${fmtMs(tl)} vs ${fmtMs(pl)} ms${note}`,
    };
  }
  const latency = LATENCY_OF[scenario];
  const rateField = latency === "send_to_ack" ? "ack_rate" : "delivery_rate";
  // The peer's reference: its highest step inside the bound, else its highest step kept up with.
  const peerBest = bestWithinBound(p.result, p.steps, latency) ?? bestStep(p.steps, latency, undefined);
  if (!peerBest) {
    const lowest = Math.min(...p.steps.map((s) => num(s.rate) ?? Infinity));
    const ours = bestWithinBound(t.result, t.steps, latency);
    if (!ours || !Number.isFinite(lowest)) return { text: "the peer kept up with no step" };
    return {
      ratio: num(ours[rateField]) / lowest,
      lowerBound: true,
      text: `the peer kept up with none of the steps (lowest ${fmtInt(lowest)} msg/s); TalkLine ${fmtInt(ours[rateField])} at p99 ${fmtMs(p99(ours, latency))} ms`,
    };
  }
  const peerP99 = p99(peerBest, latency);
  const ours = bestStep(t.steps, latency, peerP99);
  if (!ours) return { ratio: 0, text: `TalkLine kept up with no step at p99 ≤ ${fmtMs(peerP99)} ms` };
  const tv = num(ours[rateField]);
  const pv = num(peerBest[rateField]);
  // TalkLine's capacity may be higher when no faster step was tried (the top rate, or the
  // run stopped at its bound before reaching the peer's p99).
  const highestRun = Math.max(...t.steps.map((s) => num(s.rate) ?? -Infinity));
  return {
    ratio: tv && pv ? tv / pv : undefined,
    lowerBound: isTopRate(t.result, ours) || ours.rate >= highestRun,
    text: `${fmtInt(tv)} vs ${fmtInt(pv)} ${rateField === "ack_rate" ? "acked" : "delivered"}/s at p99 ${latencyName(latency)} ${fmtMs(p99(ours, latency))} vs ${fmtMs(peerP99)} ms`,
  };
}

// ---- targets (issue 11) ----------------------------------------------------------------

/** Server CPU microseconds per delivered message in one step (delivery_rate per second). */
function cpuPerDeliveryUs(step) {
  const cpu = num(step?.server_cpu_percent);
  const rate = num(step?.delivery_rate);
  return cpu !== undefined && rate ? (cpu / 100) * 1e6 / rate : undefined;
}

/** Verdict text for a figure with a must-reach and a goal threshold. */
function twoLevel(value, better, must, goal) {
  if (value === undefined) return NOT_SHOWN;
  const meets = (bound) => (better === "higher" ? value >= bound * 0.98 : value <= bound);
  if (meets(goal)) return `${MET} (goal too)`;
  if (meets(must)) return `${MET}; goal ${NOT_MET}`;
  return NOT_MET;
}

/**
 * CPU per delivered message, TalkLine against the in-memory peer, at the highest rate both
 * kept up with inside their bounds (the generator's limit does not matter to this figure).
 */
function cpuComparison(entries, latency) {
  const t = entries?.talkline;
  const p = entries?.["peer-memory"];
  if (!t?.steps?.length || !p?.steps?.length) return undefined;
  const common = commonRate([t, p], latency);
  if (!common) return undefined;
  const ts = stepAt(t.steps, common.rate);
  const ps = stepAt(p.steps, common.rate);
  const tu = cpuPerDeliveryUs(ts);
  const pu = cpuPerDeliveryUs(ps);
  if (tu === undefined || pu === undefined) return undefined;
  return { rate: common.rate, talkline: tu, peer: pu, ratio: tu / pu, benchCpu: num(ts?.bench_cpu_percent) };
}

function targets11(byScenario) {
  const rows = [];
  const tl = (scenario) => byScenario[scenario]?.talkline;
  for (const [scenario, must, goal] of [
    ["direct", 1 / 3, 1 / 6],
    ["group", 1 / 2, 1 / 4],
  ]) {
    const c = cpuComparison(byScenario[scenario], LATENCY_OF[scenario]);
    rows.push([
      `${scenario}: server CPU per delivered message, TalkLine ÷ in-memory peer, same rate`,
      `≤ ${fmtFixed(must, 2)} (goal ≤ ${fmtFixed(goal, 2)})`,
      c ? `${fmtFixed(c.ratio, 2)}: ${fmtFixed(c.talkline)} vs ${fmtFixed(c.peer)} µs at ${fmtInt(c.rate)} msg/s` : "not run against both",
      twoLevel(c?.ratio, "lower", must, goal),
    ]);
  }
  const d = tl("direct");
  const dBest = d ? bestStep(d.steps, "send_to_deliver", 50000) : undefined;
  const dRate = num(dBest?.delivery_rate);
  rows.push([
    "direct: durable acks, highest msg/s inside p99 send→deliver ≤ 50 ms",
    "≥ 30,000 (goal ≥ 60,000)",
    dBest ? `${fmtInt(dRate)} msg/s at p99 ${fmtMs(p99(dBest, "send_to_deliver"))} ms` : d ? "no step inside the bound" : "not run",
    twoLevel(dRate, "higher", 30000, 60000),
  ]);
  const g = tl("group");
  const gBest = g ? bestStep(g.steps, "send_to_deliver", 200000) : undefined;
  const gRate = num(gBest?.delivery_rate);
  const members = num(get(g?.result, "parameters", "members"));
  rows.push([
    `group ${num(get(g?.result, "parameters", "groups")) ?? "?"}×${members ?? "?"}: highest deliveries/s inside p99 ≤ 200 ms`,
    "≥ 100,000 (goal ≥ 180,000)",
    gBest ? `${fmtInt(gRate)} deliveries/s at p99 ${fmtMs(p99(gBest, "send_to_deliver"))} ms` : g ? "no step inside the bound" : "not run",
    twoLevel(gRate, "higher", 100000, 180000),
  ]);
  const ps = tl("persist");
  const mustStep = ps ? bestStep(ps.steps, "send_to_ack", 20000) : undefined;
  const goalStep = ps ? bestStep(ps.steps, "send_to_ack", 10000) : undefined;
  const mustRate = num(mustStep?.ack_rate);
  const goalRate = num(goalStep?.ack_rate);
  rows.push([
    "persist: durably acked sends/s",
    "≥ 20,000 at p99 ≤ 20 ms (goal ≥ 50,000 at p99 ≤ 10 ms)",
    ps
      ? `${mustStep ? `${fmtInt(mustRate)}/s at p99 ${fmtMs(p99(mustStep, "send_to_ack"))} ms` : "no step inside 20 ms"}; ` +
        `${goalStep ? `${fmtInt(goalRate)}/s inside 10 ms` : "none inside 10 ms"}`
      : "not run",
    mustRate === undefined ? NOT_SHOWN : goalRate >= 50000 * 0.98 ? `${MET} (goal too)` : mustRate >= 20000 * 0.98 ? `${MET}; goal ${NOT_MET}` : NOT_MET,
  ]);
  const c = tl("connections");
  const perConnection = num(get(c?.result, "server", "rss_per_connection"));
  const atStart = num(get(c?.result, "server", "rss_before"));
  rows.push([
    "idle connection: server RSS each",
    "≤ 6 KiB (goal ≤ 4 KiB)",
    perConnection === undefined ? "not run" : `${fmtFixed(perConnection)} KiB`,
    twoLevel(perConnection, "lower", 6, 4),
  ]);
  rows.push([
    "server RSS at start (before the connections)",
    "≤ 60 MiB (goal ≤ 30 MiB)",
    atStart === undefined ? "not run" : `${fmtFixed(atStart)} MiB`,
    twoLevel(atStart, "lower", 60, 30),
  ]);
  for (const server of ["talkline-1node", "talkline-2nodes"]) {
    const x = byScenario[CROSS_NODE]?.[server];
    const best = x ? bestStep(x.steps, "send_to_deliver", 50000) : undefined;
    const rate = num(best?.delivery_rate);
    rows.push([
      `PostgreSQL, ${server === "talkline-1node" ? "1 node" : "2 nodes + Redis"}: durable msg/s inside p99 ≤ 50 ms`,
      "≥ 5,000 (goal ≥ 10,000)",
      best ? `${fmtInt(rate)} msg/s at p99 ${fmtMs(p99(best, "send_to_deliver"))} ms` : x ? "no step inside the bound" : "not run",
      twoLevel(rate, "higher", 5000, 10000),
    ]);
  }
  return table(["figure", "must reach (goal)", "measured (TalkLine)", "verdict"], rows);
}

/** CPU per delivered message for both servers at each rate both ran, direct and group. */
function cpuPerMessageTable(byScenario) {
  const rows = [];
  for (const scenario of ["direct", "group"]) {
    const t = byScenario[scenario]?.talkline;
    const p = byScenario[scenario]?.["peer-memory"];
    if (!t || !p) continue;
    for (const ts of t.steps) {
      const ps = stepAt(p.steps, ts.rate);
      if (!ps) continue;
      const tu = cpuPerDeliveryUs(ts);
      const pu = cpuPerDeliveryUs(ps);
      rows.push([
        scenario,
        fmtInt(ts.rate),
        tu === undefined ? DASH : fmtFixed(tu),
        pu === undefined ? DASH : fmtFixed(pu),
        tu && pu ? fmtFixed(tu / pu, 2) : DASH,
        `${fmtFixed(num(ts.server_cpu_percent))}% / ${fmtFixed(num(ps.server_cpu_percent))}%`,
        `${fmtFixed(num(ts.bench_cpu_percent))}% / ${fmtFixed(num(ps.bench_cpu_percent))}%`,
      ]);
    }
  }
  if (!rows.length) return "(not run against both servers)";
  return table(
    ["scenario", "rate (msg/s)", "TalkLine µs CPU per delivery", "peer µs CPU per delivery", "TalkLine ÷ peer", "server CPU (TalkLine / peer)", "generator CPU (TalkLine run / peer run)"],
    rows,
  );
}

// ---- targets (issue 4) -----------------------------------------------------------------

const MET = "✅ met";
const NOT_MET = "❌ not met";
const NOT_SHOWN = "➖ not shown";

function targets(byScenario, machine) {
  const rows = [];
  const tl = (scenario) => byScenario[scenario]?.talkline;
  const openFiles = machine?.open_files?.hard ?? machine?.open_files?.soft;

  const c = tl("connections");
  if (c?.result) {
    const held = num(get(c.result, "results", "connected"));
    const failed = num(get(c.result, "results", "failed")) ?? 0;
    const asked = num(get(c.result, "parameters", "connections"));
    const verdict = held >= 100000 ? MET : failed > 0 || (asked !== undefined && held < asked) ? NOT_MET : NOT_SHOWN;
    const note = verdict === NOT_SHOWN ? ` (the run asked for ${fmtInt(asked)}${openFiles ? `; open files are capped at ${fmtInt(Number(openFiles))} per process here` : ""})` : "";
    rows.push(["connections", "≥ 100,000 idle connections", `${fmtInt(held)} held${note}`, verdict]);
    const rss = num(get(c.result, "server", "rss_per_connection"));
    rows.push(["connections", "≤ 4 KB server RSS each", rss === undefined ? DASH : `${fmtFixed(rss)} KiB`, rss === undefined ? NOT_SHOWN : rss <= 4 ? MET : NOT_MET]);
  } else {
    rows.push(["connections", "≥ 100,000 idle connections; ≤ 4 KB RSS each", "not run", NOT_SHOWN]);
  }

  const d = tl("direct");
  if (d?.result) {
    const sustained = d.steps.filter(isSustained);
    const peak = sustained.length ? Math.max(...sustained.map((s) => num(s.delivery_rate) ?? 0)) : undefined;
    const failedBelow = d.steps.some((s) => !isSustained(s) && s.rate <= 100000);
    rows.push([
      "direct",
      "≥ 100,000 msg/s delivered",
      peak === undefined ? DASH : `${fmtInt(peak)} msg/s (highest step kept up with)`,
      peak >= 100000 * 0.98 ? MET : failedBelow ? NOT_MET : NOT_SHOWN,
    ]);
    const at20k = stepAt(d.steps, 20000);
    const value = at20k ? p99(at20k, "send_to_deliver") : undefined;
    rows.push([
      "direct",
      "p99 send→deliver ≤ 2 ms at 20,000 msg/s",
      at20k ? `${fmtMs(value)} ms${isSustained(at20k) ? "" : " (not kept up with)"}` : "no 20,000 msg/s step",
      !at20k || value === undefined ? NOT_SHOWN : isSustained(at20k) && value <= 2000 ? MET : NOT_MET,
    ]);
  } else {
    rows.push(["direct", "≥ 100,000 msg/s delivered; p99 ≤ 2 ms at 20,000 msg/s", "not run", NOT_SHOWN]);
  }

  const g = tl("group");
  const members = num(get(g?.result, "parameters", "members"));
  if (g?.result && members === 100) {
    const sustained = g.steps.filter(isSustained);
    const peak = sustained.length ? Math.max(...sustained.map((s) => num(s.delivery_rate) ?? 0)) : undefined;
    const failedBelow = g.steps.some((s) => !isSustained(s) && s.rate * 99 <= 500000);
    rows.push([
      "group (100 members)",
      "≥ 500,000 deliveries/s",
      peak === undefined ? DASH : `${fmtInt(peak)} deliveries/s`,
      peak >= 500000 * 0.98 ? MET : failedBelow ? NOT_MET : NOT_SHOWN,
    ]);
  } else {
    rows.push(["group (100 members)", "≥ 500,000 deliveries/s", g?.result ? `run with ${members} members` : "not run", NOT_SHOWN]);
  }

  const p = tl("persist");
  if (p?.result) {
    const best = bestStep(p.steps, "send_to_ack", 10000);
    const rate = num(best?.ack_rate);
    const failedBelow = p.steps.some((s) => s.rate <= 50000 && (!isSustained(s) || (p99(s, "send_to_ack") ?? Infinity) > 10000));
    rows.push([
      "persist",
      "≥ 50,000 durably acked sends/s, p99 ack ≤ 10 ms",
      best ? `${fmtInt(rate)} acked/s at p99 ${fmtMs(p99(best, "send_to_ack"))} ms` : "no step within 10 ms",
      rate >= 50000 * 0.98 ? MET : failedBelow ? NOT_MET : NOT_SHOWN,
    ]);
  } else {
    rows.push(["persist", "≥ 50,000 durably acked sends/s, p99 ack ≤ 10 ms", "not run", NOT_SHOWN]);
  }

  for (const scenario of SCENARIOS) {
    const entries = byScenario[scenario];
    const peer = entries?.[MAIN_PEER[scenario] ?? "peer-memory"];
    const h = headline(scenario, entries?.talkline, peer);
    const shown = h.ratio !== undefined ? `${h.lowerBound ? "≥ " : ""}${fmtFixed(h.ratio)}×: ${h.text}` : h.text;
    const verdict =
      h.ratio === undefined ? NOT_SHOWN : h.worseP99 ? NOT_MET : h.ratio >= 10 ? MET : h.lowerBound ? NOT_SHOWN : NOT_MET;
    rows.push([scenario, `≥ 10× the socket.io peer at equal or better p99`, shown, verdict]);
  }
  return table(["scenario", "target", "measured (TalkLine)", "verdict"], rows);
}

// ---- rendering -------------------------------------------------------------------------

function correctnessTable(scenario, entries, servers) {
  const keys = new Set();
  for (const server of servers) {
    for (const [key, value] of Object.entries(entries[server]?.result?.correctness ?? {})) {
      if (typeof value === "number") keys.add(key);
    }
  }
  const rows = [];
  if (scenario === "connections") {
    for (const key of ["failed", "dropped_while_idle"]) {
      rows.push([key.replace(/_/g, " "), ...servers.map((s) => fmtInt(get(entries[s]?.result, "results", key)))]);
    }
  }
  for (const key of keys) {
    rows.push([key.replace(/_/g, " "), ...servers.map((s) => fmtInt(get(entries[s]?.result, "correctness", key)))]);
  }
  rows.push(["generator exit code", ...servers.map((s) => entries[s]?.run.bench_exit ?? DASH)]);
  rows.push(["verdict", ...servers.map((s) => (entries[s] ? runProblem(entries[s]) || "clean" : DASH))]);
  return table(["correctness", ...servers.map((s) => SERVER_TITLES[s])], rows);
}

function stepsTable(entries, servers, latency) {
  const rates = [...new Set(servers.flatMap((s) => entries[s].steps.map((step) => step.rate)))]
    .filter((r) => r !== undefined)
    .sort((a, b) => a - b);
  if (!rates.length) return "";
  const rateField = latency === "send_to_ack" ? "ack_rate" : "delivery_rate";
  const header = ["sent msg/s (planned)"];
  for (const s of servers) header.push(`${SERVER_TITLES[s]}: ${rateField === "ack_rate" ? "acked" : "delivered"}/s · p99 ms · server CPU % (generator CPU %)`);
  const rows = rates.map((rate) => [
    fmtInt(rate),
    ...servers.map((s) => {
      const step = stepAt(entries[s].steps, rate);
      if (!step) return DASH;
      const flag = !isSustained(step) ? " ✗ fell behind" : step.within_bound === false ? " ✗ over bound" : "";
      return `${fmtInt(step[rateField])} · ${fmtMs(p99(step, latency))} · ${fmtFixed(num(step.server_cpu_percent), 0)} (${fmtFixed(num(step.bench_cpu_percent), 0)})${flag}`;
    }),
  ]);
  return `Each step, p99 ${latencyName(latency)}:\n\n${table(header, rows)}`;
}

function commandsBlock(entries, servers) {
  const parts = [];
  for (const s of servers) {
    const e = entries[s];
    if (!e) continue;
    const r = e.run;
    parts.push(
      `${SERVER_TITLES[s]} — ${r.status}, generator exit ${r.bench_exit ?? DASH}, server exit after SIGTERM ${r.server_exit_after_sigterm ?? DASH}, ${fmtInt(r.seconds)} s, started ${r.started_at ?? DASH}:\n\n` +
        "```sh\n" +
        `${r.server_command || "# (no server started)"}\n${r.bench_command || "# (generator not run)"}\n` +
        "```",
    );
  }
  return parts.join("\n\n");
}

function scenarioSection(scenario, entries) {
  const servers = SERVERS.filter((s) => entries[s]);
  const latency = LATENCY_OF[scenario];
  const compared = latency ? commonRate(servers.map((s) => entries[s]).filter((e) => e.result), latency) : undefined;
  const common = compared?.rate;
  const peers = servers.filter((s) => s !== "talkline");
  const header = ["metric", ...servers.flatMap((s) => (s === "talkline" ? [SERVER_TITLES[s]] : [SERVER_TITLES[s], "TalkLine vs this peer"]))];
  const rows = [];
  for (const m of METRICS[scenario](servers.map((s) => entries[s]), common)) {
    const values = Object.fromEntries(servers.map((s) => [s, entries[s].result ? m.value(entries[s]) : undefined]));
    if (servers.every((s) => values[s] === undefined)) continue;
    const cells = [m.label];
    for (const s of servers) {
      cells.push(m.format(values[s]));
      if (s !== "talkline") cells.push(entries.talkline ? ratio(values.talkline, values[s], m.better) : DASH);
    }
    rows.push(cells);
  }
  if (!rows.length) rows.push(["(no figures: see the failed runs above)", ...header.slice(1).map(() => DASH)]);
  const parameters = entries.talkline?.result?.parameters ?? entries[peers[0]]?.result?.parameters;
  const paramText = parameters
    ? Object.entries(parameters)
        .filter(([key]) => !["threads", "source_addresses", "nodes", "targets", "cross_node_delivery_share"].includes(key))
        .map(([key, value]) => `${key.replace(/_/g, " ")} ${Array.isArray(value) ? value.map(fmtNumber).join(", ") : fmtNumber(value)}`)
        .join(" · ")
    : "";
  const out = [`## ${scenario}`, ""];
  if (paramText) out.push(`Parameters: ${paramText}.`, "");
  if (common) {
    out.push(`Latency and CPU rows compare the servers at ${fmtInt(common)} msg/s sent: ${compared.why}.`, "");
  }
  out.push(table(header, rows), "");
  if (latency) {
    const steps = stepsTable(entries, servers, latency);
    if (steps) out.push(steps, "");
  }
  out.push(correctnessTable(scenario, entries, servers), "", "Commands:", "", commandsBlock(entries, servers), "");
  return out.join("\n");
}

// ---- attachments -----------------------------------------------------------------------

const mibText = (value) => (num(value) === undefined ? DASH : `${value.toFixed(1)} MiB`);
const growthText = (value) => (num(value) === undefined ? DASH : `${value >= 0 ? "+" : ""}${value.toFixed(1)} MiB`);
const bytesText = (value) => (num(value) === undefined ? DASH : `${fmtNumber(value / 1048576)} MiB`);

/**
 * The attachments section: uploads/s and MiB/s at the highest step inside the p99 bound,
 * each step, and the server's RSS while files far larger than its read buffers go through.
 */
function attachmentsSection(entries) {
  const entry = entries.talkline;
  const result = entry?.result;
  const steps = Array.isArray(result?.steps) ? result.steps : [];
  const parameters = result?.parameters ?? {};
  const best = steps.filter((s) => s.within_bound === true).reduce((a, b) => (!a || num(b.rate) > num(a.rate) ? b : a), undefined);
  const large = result?.large_files;
  const server = result?.server;
  const out = [
    "## Attachments",
    "",
    "File uploads over HTTP (`POST /api/v1/uploads`, the file as the raw body, `text/plain` so no thumbnail is made) by uploaders each on its own kept-alive connection, " +
      "on an open-loop schedule at rising rates: each upload has a planned start, and its latency runs from then to the 201, so a server falling behind shows. " +
      "Every upload must come back 201 with the size and SHA-256 the generator computed. Every uploader sends from one buffer of the file made once, and uploads it once before the first step (not timed) to open its connection. " +
      "The files stay stored (the file BlobStore in the run's data directory). The steps stop after the first one whose p99 goes over the bound. " +
      "Then every uploader downloads the files it uploaded, one after the other (a closed loop), each checked for a 200 of the whole file with its SHA-256 as ETag. " +
      "Then the large step uploads a few large files at once. The server's RSS is sampled every 20 ms throughout. " +
      "TalkLine only: the socket.io peer has no uploads.",
    "",
  ];
  if (result) {
    out.push(
      `Parameters: ${fmtInt(parameters.uploaders)} uploaders · files of ${bytesText(parameters.file_bytes)} · rates ${(parameters.rates ?? []).map(fmtNumber).join(", ")} uploads/s · ` +
        `${fmtNumber(parameters.duration_per_rate)} s per rate · p99 bound ${fmtNumber(parameters.p99_bound_upload)} ms · ` +
        `downloads for ${fmtNumber(parameters.download_seconds)} s · large step ${fmtInt(parameters.large_files)} × ${bytesText(parameters.large_file_bytes)} at once.`,
      "",
    );
  }
  const rows = [
    ["highest upload rate with every upload right and p99 ≤ bound", best ? `${fmtInt(best.rate)} uploads/s` : DASH],
    ["uploads/s achieved at that rate", fmtFixed(num(best?.upload_rate))],
    ["MiB/s at that rate", fmtFixed(num(best?.mib_per_second))],
    ["p50 / p99 / max upload at that rate, ms", best ? `${fmtMs(get(best, "upload_us", "p50"))} / ${fmtMs(get(best, "upload_us", "p99"))} / ${fmtMs(get(best, "upload_us", "max"))}` : DASH],
    ["server RSS before the first step", mibText(num(get(server, "rss_start_mib")))],
    ["server RSS peak during the steps (growth)", `${mibText(num(get(server, "rss_peak_mib")))} (${growthText(num(get(server, "rss_peak_growth_mib")))})`],
    ["server RSS after the steps (growth)", `${mibText(num(get(server, "rss_end_mib")))} (${growthText(num(get(server, "rss_end_growth_mib")))})`],
  ];
  const downloads = result?.downloads;
  if (downloads) {
    rows.push(
      ["downloads (each uploader fetching its files back to back): downloads/s", fmtFixed(num(downloads.downloads_per_second))],
      ["downloads: MiB/s", fmtFixed(num(downloads.mib_per_second))],
      ["downloads: p50 / p99 download, ms", `${fmtMs(get(downloads, "download_us", "p50"))} / ${fmtMs(get(downloads, "download_us", "p99"))}`],
      ["downloads: server RSS peak growth", growthText(num(downloads.server_rss_peak_growth_mib))],
    );
  }
  if (large) {
    rows.push(
      [`large step: ${fmtInt(large.files)} × ${bytesText(large.file_bytes)} at once, uploaded`, `${fmtInt(large.uploaded)} in ${fmtFixed(num(large.seconds))} s`],
      ["large step: MiB/s", fmtFixed(num(large.mib_per_second))],
      ["large step: p99 upload, ms", fmtMs(get(large, "upload_us", "p99"))],
      ["large step: server RSS peak growth (bytes in flight)", `${growthText(num(large.server_rss_peak_growth_mib))} (${mibText(num(large.bytes_in_flight_mib))})`],
    );
  }
  out.push(table(["metric", SERVER_TITLES.talkline], rows), "");
  if (steps.length) {
    const stepRows = steps.map((step) => {
      const flag = step.sustained === false ? " ✗ fell behind or wrong answers" : step.within_bound === false ? " ✗ over bound" : "";
      return [
        fmtNumber(step.rate),
        fmtFixed(num(step.upload_rate)),
        fmtFixed(num(step.mib_per_second)),
        `${fmtMs(get(step, "upload_us", "p50"))} / ${fmtMs(get(step, "upload_us", "p99"))} / ${fmtMs(get(step, "upload_us", "max"))}`,
        fmtMs(get(step, "service_us", "p99")),
        fmtFixed(num(step.server_cpu_percent), 0),
        growthText(num(step.server_rss_peak_growth_kib) / 1024) + flag,
      ];
    });
    out.push(
      "Each step (upload: planned start → 201; service: first byte sent → 201):",
      "",
      table(["planned uploads/s", "uploaded/s", "MiB/s", "upload p50 / p99 / max, ms", "service p99, ms", "server CPU %", "server RSS peak growth"], stepRows),
      "",
    );
  }
  out.push(correctnessTable(ATTACHMENTS, entries, ["talkline"].filter((s) => entries[s])), "", "Commands:", "", commandsBlock(entries, ["talkline"]), "");
  return out.join("\n");
}

// ---- cross-node ------------------------------------------------------------------------

/** Each node's CPU over a step, "41 + 43", from the generator's per-node samples. */
function nodeCpuText(step) {
  const nodes = get(step, "server_nodes");
  if (!Array.isArray(nodes) || nodes.length < 2) return DASH;
  return nodes.map((n) => fmtFixed(num(n?.cpu_percent), 0)).join(" + ");
}

/**
 * The cross-node section: each server on one node against itself on two (2 nodes vs 1:
 * above 1 means two nodes did better), and TalkLine against the peer on two nodes.
 */
function crossNodeSection(entries) {
  const servers = CROSS_NODE_SERVERS.filter((s) => entries[s]);
  const latency = LATENCY_OF[CROSS_NODE];
  const compared = commonRate(servers.map((s) => entries[s]).filter((e) => e.result), latency);
  const common = compared?.rate;
  const at = common ? ` at ${fmtInt(common)} msg/s` : "";
  const step = (e) => (common ? stepAt(e.steps, common) : undefined);
  const metrics = [
    metric(`highest delivered msg/s with every send acked and p99 send→deliver ≤ bound (↑)`, "higher", (e) =>
      num(get(bestWithinBound(e.result, e.steps, latency), "delivery_rate")),
    ),
    metric("peak delivered msg/s, every send acked (↑)", "higher", (e) => {
      const values = e.steps.filter(isSustained).map((s) => num(s.delivery_rate)).filter((x) => x !== undefined);
      return values.length ? Math.max(...values) : undefined;
    }),
    ...(common
      ? [
          metric(`p50 send→deliver${at}, ms (↓)`, "lower", (e) => num(get(step(e), "send_to_deliver_us", "p50")), fmtMs),
          metric(`p99 send→deliver${at}, ms (↓)`, "lower", (e) => p99(step(e), "send_to_deliver"), fmtMs),
          metric(`p99.9 send→deliver${at}, ms (↓)`, "lower", (e) => num(get(step(e), "send_to_deliver_us", "p99_9")), fmtMs),
          metric(`p99 send→ack${at}, ms (↓)`, "lower", (e) => p99(step(e), "send_to_ack"), fmtMs),
          metric(`server CPU${at}, all nodes, % (↓)`, "lower", (e) => num(get(step(e), "server_cpu_percent")), fmtFixed),
          metric(`server CPU${at}, per node, %`, null, (e) => nodeCpuText(step(e)), (x) => x ?? DASH),
          metric(`generator CPU${at}, %`, null, (e) => num(get(step(e), "bench_cpu_percent")), fmtFixed),
        ]
      : []),
    metric("server RSS at the end, all nodes, MiB (↓)", "lower", (e) => num(get(e.result, "server", "rss")), fmtFixed),
    metric("deliveries between two nodes", null, (e) => num(get(e.result, "parameters", "cross_node_delivery_share")), (x) =>
      x === undefined ? DASH : `${Math.round(x * 100)}%`,
    ),
  ];
  const pairs = [
    ["talkline-1node", "talkline-2nodes", "TalkLine: 2 nodes vs 1"],
    ["peer-1node", "peer-2nodes", "peer: 2 processes vs 1"],
    ["peer-2nodes", "talkline-2nodes", "TalkLine vs peer, 2 nodes each"],
  ].filter(([a, b]) => entries[a] && entries[b]);
  const header = ["metric", ...servers.map((s) => SERVER_TITLES[s]), ...pairs.map(([, , title]) => title)];
  const rows = [];
  for (const m of metrics) {
    const values = Object.fromEntries(servers.map((s) => [s, entries[s].result ? m.value(entries[s]) : undefined]));
    if (servers.every((s) => values[s] === undefined)) continue;
    // ratio(x, y) reads "x is N× better than y": the second of each pair against the first.
    rows.push([m.label, ...servers.map((s) => m.format(values[s])), ...pairs.map(([a, b]) => ratio(values[b], values[a], m.better))]);
  }
  if (!rows.length) rows.push(["(no figures: see the failed runs above)", ...header.slice(1).map(() => DASH)]);

  const first = entries[servers[0]];
  const parameters = first?.result?.parameters;
  const paramText = parameters
    ? Object.entries(parameters)
        .filter(([key]) => ["pairs", "rates", "duration_per_rate", "body_bytes", "p99_bound_send_to_deliver"].includes(key))
        .map(([key, value]) => `${key.replace(/_/g, " ")} ${Array.isArray(value) ? value.map(fmtNumber).join(", ") : fmtNumber(value)}`)
        .join(" · ")
    : "";
  const pinning = [...new Set(servers.map((s) => entries[s].run.pinning).filter(Boolean))].join("; ");
  const out = [
    "## Cross-node",
    "",
    "The `direct` traffic against each server on one node and on two, with the two users of every pair connected to different nodes, " +
      "so every message goes from one node to the other. " +
      "TalkLine commits to PostgreSQL (one throwaway cluster, default durability, a fresh database per run; its WAL files made once before the runs " +
        "and then reused, as in a PostgreSQL that has run a while, not created inside commits); one node uses its in-process bus, " +
      "two nodes a throwaway Redis as the bus. The socket.io peer keeps everything in a throwaway Redis (in memory, no persistence: it acks " +
      "before anything is on disk, unlike TalkLine) through Lua scripts; one process uses socket.io's default in-memory adapter, two processes " +
      "`@socket.io/redis-adapter`. HTTP setup goes to the first node.",
    "",
    `Pinning: ${pinning || DASH}. The server CPU figures add up the nodes' processes; PostgreSQL's and Redis's own CPU is not in them.`,
    "",
  ];
  if (paramText) out.push(`Parameters: ${paramText}.`, "");
  if (common) out.push(`Latency and CPU rows compare the runs at ${fmtInt(common)} msg/s sent: ${compared.why}.`, "");
  out.push(table(header, rows), "");
  const steps = stepsTable(entries, servers, latency);
  if (steps) out.push(steps, "");
  out.push(correctnessTable(CROSS_NODE, entries, servers), "", "Commands:", "", commandsBlock(entries, servers), "");
  return out.join("\n");
}

function render(dir, outFile) {
  const runs = loadRuns(dir);
  const machine = readJson(path.join(dir, "machine.json")) ?? describeMachine();
  const byScenario = {};
  for (const entry of runs) {
    entry.steps = LATENCY_OF[entry.scenario] ? stepsOf(entry.result, entry.run.bench_exit) : [];
    (byScenario[entry.scenario] ??= {})[entry.server] = entry;
  }
  const started = runs.map((e) => e.run.started_at).filter(Boolean).sort();
  const finished = runs
    .map((e) => (e.run.started_at ? Date.parse(e.run.started_at) + (e.run.seconds ?? 0) * 1000 : NaN))
    .filter(Number.isFinite);
  const profiles = [...new Set(runs.map((e) => e.run.profile))].join(", ");
  // cross-node runs state their own pinning in their section.
  const pinning = [...new Set(runs.filter((e) => e.scenario !== CROSS_NODE).map((e) => e.run.pinning).filter(Boolean))].join("; ");
  const gits = [...new Set(runs.map((e) => e.run.git).filter(Boolean))].join(", ");
  const first = started[0] ? new Date(started[0]) : undefined;
  const last = finished.length ? new Date(Math.max(...finished)) : undefined;
  const minutes = first && last ? Math.round((last - first) / 60000) : undefined;

  const lines = [
    "# TalkLine against a Node.js socket.io server: benchmark results",
    "",
    "<!-- Generated by bench/render-results.mjs from bench/results/; do not edit by hand. -->",
    "",
    `Run on ${first ? first.toISOString().replace("T", " ").slice(0, 16) + " UTC" : DASH}` +
      `${minutes !== undefined ? ` (about ${minutes} min)` : ""} with ` +
      `${!profiles || profiles === "full" ? "`make bench`" : `\`scripts/bench.sh --${profiles}\` (**${profiles}** sizes, smaller than \`make bench\`'s)`}` +
      `, TalkLine ${machine.talkline ?? DASH} at commit ${gits || machine.git || DASH}.`,
    "",
    "## Machine",
    "",
    table(
      ["", ""],
      [
        ["CPU", `${machine.cpu_model ?? DASH}, ${machine.cores ?? DASH} cores`],
        ["RAM", machine.ram_gib ? `${machine.ram_gib.toFixed(1)} GiB` : DASH],
        ["OS", `${machine.os ?? DASH} (Debian ${machine.debian_version ?? DASH}), Linux ${machine.kernel ?? DASH}`],
        ["Node.js", `${machine.node ?? DASH}, socket.io ${machine.socket_io ?? DASH}, better-sqlite3 ${machine.better_sqlite3 ?? DASH}`],
        ["cross-node", `PostgreSQL ${machine.postgresql ?? DASH}, Redis ${machine.redis_server ?? DASH}, @socket.io/redis-adapter ${machine.socket_io_redis_adapter ?? DASH} with redis (node client) ${machine.node_redis ?? DASH}`],
        ["Open files per process", machine.open_files ? `${machine.open_files.soft} (hard ${machine.open_files.hard})` : DASH],
        ["Load average when the run began", machine.load_average ? machine.load_average.join(", ") : DASH],
      ],
    ),
    "",
    "## How it was run",
    "",
    "- `make bench` installs the test dependencies, builds `talkline` and `talkline-bench` (RelWithDebInfo) and runs `scripts/bench.sh`, " +
      "which runs each scenario against each server and renders this file.",
    `- Every run starts its own server on a fresh data directory (or a fresh SQLite file for the peer) and a free loopback port, and stops it afterwards. Pinning: ${pinning || DASH}.`,
    "- TalkLine runs with fast password hashing and without per-address limits (a load generator on one machine would hit them), and with the per-user message limits raised (tools/bench/README.md). It always commits each message before the ack: to SQLite (WAL, `synchronous=full`), and in `cross-node` to PostgreSQL.",
    "- The socket.io peer (bench/peers/socketio-node) runs in memory except in `persist` (and the extra SQLite column of `direct`), where it commits each message to SQLite with `synchronous=full` before the ack.",
    "- Sends follow an open-loop schedule and latency counts from the planned send time, so a stalled server cannot hide. Stepped scenarios send each rate for the step's duration and stop after the first step that falls behind (a send not acked) or goes over the p99 bound. They start 2 s after the last connection opened (`--settle`), so the first step measures messaging and not the server still answering the connections (TalkLine reads each user's conversations to catch them up; the peer keeps nothing to catch up).",
    "- In the comparison columns, above 1 always means TalkLine did better: `× better` is TalkLine/peer for figures where more is better (↑) and peer/TalkLine where less is better (↓).",
    "- The generator's own CPU is shown next to the server's: a generator near 100% means the generator, not the server, set the ceiling.",
    "",
  ];

  const failures = runs.filter((e) => runProblem(e));
  const warnings = runs.filter((e) => e.run.status === "ok" && e.run.server_exit_after_sigterm != null && e.run.server_exit_after_sigterm !== 0);
  if (failures.length || warnings.length) {
    lines.push("## Failed runs", "");
    for (const e of failures) {
      const why = !e.result && e.run.error ? ` — ${e.run.error.replace(/\s+/g, " ").trim()}` : "";
      lines.push(`- **${e.scenario} against ${SERVER_TITLES[e.server] ?? e.server}: ${runProblem(e)}**${why}`);
    }
    for (const e of warnings) {
      lines.push(`- ${e.scenario} against ${SERVER_TITLES[e.server] ?? e.server}: the server exited ${e.run.server_exit_after_sigterm} after SIGTERM (the run itself passed).`);
    }
    lines.push("");
  }

  lines.push("## Targets (issue 11: the runtime)", "", targets11(byScenario), "");
  lines.push(
    "Server pinned to one core, generator on the other. “Same rate”: the highest step both servers kept up with inside their p99 bounds. " +
      "A delivery is one message reaching one recipient (a group message to 99 members counts 99).",
    "",
  );
  lines.push("## CPU per delivered message", "", cpuPerMessageTable(byScenario), "");
  lines.push(
    "Server CPU seconds ÷ messages delivered in each step, both servers at the same rate; this holds whatever the generator's own limit. " +
      "The generator's CPU is shown so a generator near 100% is visible.",
    "",
  );
  lines.push("## Earlier targets (issue 4)", "", targets(byScenario, machine), "");
  lines.push(
    "“At equal or better p99”: in stepped scenarios the peer's highest step that it kept up with inside the bound sets a rate and a p99; " +
      "TalkLine's figure is its highest step kept up with at a p99 no worse than that. “≥” means TalkLine kept up with the highest step the run asked for, so its capacity may be higher. " +
      "For `connections` the comparison is server memory per connection, for `daily-model` server CPU under the same load.",
    "",
  );

  for (const scenario of SCENARIOS) {
    if (byScenario[scenario]) lines.push(scenarioSection(scenario, byScenario[scenario]));
  }
  if (byScenario[CROSS_NODE]) lines.push(crossNodeSection(byScenario[CROSS_NODE]));
  if (byScenario[ATTACHMENTS]) lines.push(attachmentsSection(byScenario[ATTACHMENTS]));
  for (const scenario of Object.keys(byScenario)) {
    if (!SCENARIOS.includes(scenario) && scenario !== CROSS_NODE && scenario !== ATTACHMENTS) lines.push(`## ${scenario}`, "", "(not rendered: unknown scenario)", "");
  }

  const analysis = path.join(repoRoot, "bench/ANALYSIS.md");
  if (fs.existsSync(analysis)) {
    lines.push("## Where the time goes", "", fs.readFileSync(analysis, "utf8").trim(), "");
  }
  fs.writeFileSync(outFile, lines.join("\n").replace(/\n{3,}/g, "\n\n"));
  console.log(`bench: wrote ${path.relative(process.cwd(), outFile) || outFile} from ${runs.length} runs`);
}

// ---- main ------------------------------------------------------------------------------

const { values } = parseArgs({
  options: {
    results: { type: "string", default: path.join(repoRoot, "bench/results") },
    out: { type: "string", default: path.join(repoRoot, "bench/RESULTS.md") },
    check: { type: "string" },
    "record-machine": { type: "string" },
    talkline: { type: "string" },
  },
});

if (values.check) {
  process.exit(check(values.check));
} else if (values["record-machine"]) {
  fs.mkdirSync(values["record-machine"], { recursive: true });
  fs.writeFileSync(path.join(values["record-machine"], "machine.json"), JSON.stringify(describeMachine(values.talkline), null, 2) + "\n");
} else {
  render(values.results, values.out);
}
