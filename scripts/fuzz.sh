#!/usr/bin/env bash
# Builds each libFuzzer target with clang (address+undefined) and runs it for the
# given number of seconds. Crashes leave their input in build-fuzz/<target>/.
#   scripts/fuzz.sh [seconds] [target...]   (no targets: all of them)
set -euo pipefail
seconds=${1:-60}
shift || true
cd "$(dirname "$0")/.."
out=build-fuzz
mkdir -p "$out"

compiler=(clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc)
if command -v ccache >/dev/null; then compiler=(ccache "${compiler[@]}"); fi

# target: sources it needs (each parser is kept free of Asio/Beast so these stay small).
declare -A targets=(
  [fuzz_jwt]="tests/fuzz/fuzz_jwt.cpp src/util/jwt.cpp src/util/crypto.cpp src/util/json.cpp src/util/utf8.cpp src/util/error.cpp"
  [fuzz_json_body]="tests/fuzz/fuzz_json_body.cpp src/util/json.cpp src/util/utf8.cpp src/util/error.cpp"
  [fuzz_http_query]="tests/fuzz/fuzz_http_query.cpp src/transport/http/query.cpp"
  [fuzz_socketio]="tests/fuzz/fuzz_socketio.cpp $(echo src/transport/socketio/codec/*.cpp) src/util/json.cpp src/util/error.cpp src/util/utf8.cpp"
  [fuzz_engineio]="tests/fuzz/fuzz_engineio.cpp $(echo src/transport/engineio/codec/*.cpp) src/util/shared_bytes.cpp src/util/crypto.cpp src/util/json.cpp src/util/error.cpp src/util/utf8.cpp"
  [fuzz_websocket_frames]="tests/fuzz/fuzz_websocket_frames.cpp $(echo src/transport/websocket/codec/*.cpp) src/util/utf8.cpp"
  [fuzz_bench_message_scan]="tests/fuzz/fuzz_bench_message_scan.cpp tools/bench/message_scan.cpp -Itools/bench"
  [fuzz_realtime_payload]="tests/fuzz/fuzz_realtime_payload.cpp src/realtime/payload.cpp src/util/json_fields.cpp src/util/json.cpp src/util/utf8.cpp src/util/error.cpp"
  [fuzz_bus_envelope]="tests/fuzz/fuzz_bus_envelope.cpp src/bus/redis/envelope_codec.cpp"
  [fuzz_pg_array]="tests/fuzz/fuzz_pg_array.cpp src/store/postgres/array_literal.cpp"
  [fuzz_forwarded_for]="tests/fuzz/fuzz_forwarded_for.cpp src/transport/http/trusted_proxies.cpp src/transport/http/message.cpp src/util/ip_address.cpp src/util/error.cpp"
  [fuzz_s3_reply]="tests/fuzz/fuzz_s3_reply.cpp src/blob/s3/s3_reply.cpp"
  [fuzz_endpoint_url]="tests/fuzz/fuzz_endpoint_url.cpp src/blob/s3/endpoint_url.cpp src/util/error.cpp"
  [fuzz_blob_key]="tests/fuzz/fuzz_blob_key.cpp src/blob/blob_key.cpp src/util/error.cpp"
  [fuzz_http_range]="tests/fuzz/fuzz_http_range.cpp src/transport/http/byte_range.cpp src/transport/http/entity_tag.cpp"
  [fuzz_content_sniff]="tests/fuzz/fuzz_content_sniff.cpp src/transport/http/content_sniffer.cpp"
  [fuzz_upload_header]="tests/fuzz/fuzz_upload_header.cpp src/transport/http/upload_header.cpp src/transport/http/content_disposition.cpp"
  [fuzz_content_disposition]="tests/fuzz/fuzz_content_disposition.cpp src/transport/http/content_disposition.cpp"
  [fuzz_static_path]="tests/fuzz/fuzz_static_path.cpp src/transport/http/static_path.cpp"
  [fuzz_mentions]="tests/fuzz/fuzz_mentions.cpp src/model/mentions.cpp"
)
selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then selected=("${!targets[@]}"); fi
libs=(-lcrypto)

status=0
for target in "${selected[@]}"; do
  if [ -z "${targets[$target]+set}" ]; then
    echo "fuzz: no target $target"
    status=1
    continue
  fi
  read -r -a sources <<<"${targets[$target]}"
  "${compiler[@]}" "${sources[@]}" "${libs[@]}" -o "$out/$target"
  mkdir -p "$out/$target.corpus" "$out/$target.crashes"
  echo "fuzz: $target for ${seconds}s"
  if ! "$out/$target" -max_total_time="$seconds" -artifact_prefix="$out/$target.crashes/" \
      "$out/$target.corpus" 2>"$out/$target.log"; then
    echo "fuzz: $target FAILED; see $out/$target.log"
    tail -40 "$out/$target.log"
    status=1
  else
    grep -E "^Done|#[0-9]+.*DONE" "$out/$target.log" | tail -1 || true
  fi
done
exit $status
