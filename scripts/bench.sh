#!/usr/bin/env bash
# Runs every BenchmarkDotNet benchmark of bench/Cndr.Benchmarks in one go.
#   bash scripts/bench.sh            default job (minutes per class; for real figures)
#   bash scripts/bench.sh --quick    short job (1 launch, 3 warm-ups, 3 iterations): a smoke, figures are rough
#   bash scripts/bench.sh --quick --filter '*Dispatch*'   any further arguments go to BenchmarkDotNet
# Writes one GitHub-markdown table per class to bench/results/<Class>.md, the combined table
# (benchmark, mean, ops/s, allocated) to bench/results/summary.md, and prints the combined table.
# BenchmarkDotNet's raw artifacts go to bench/results/artifacts/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/bench/results"
artifacts="$results/artifacts"
mkdir -p "$results"
rm -rf "$artifacts"

args=("$@")
has_filter=0
for a in "${args[@]}"; do
  case "$a" in --filter|-f) has_filter=1 ;; esac
done
[ "$has_filter" -eq 0 ] && args+=(--filter '*')

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build bench/Cndr.Benchmarks -c Release -nologo -v q
status=0
dotnet bench/Cndr.Benchmarks/bin/Release/net10.0/Cndr.Benchmarks.dll \
  --artifacts "$artifacts" --summary "$results/summary.md.tmp" "${args[@]}" >"$results/run.log" 2>&1 || status=$?

# Per-class tables from BenchmarkDotNet's GitHub-markdown exporter.
shopt -s nullglob
for f in "$artifacts"/results/*-report-github.md; do
  name=$(basename "$f" -report-github.md)
  name=${name##*.}
  cp "$f" "$results/$name.md"
done

if [ -f "$results/summary.md.tmp" ]; then
  {
    echo "# cndr benchmarks"
    echo
    echo "Command: \`bash scripts/bench.sh $*\` — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(dotnet --version) SDK"
    echo
    cat "$results/summary.md.tmp"
  } >"$results/summary.md"
  rm -f "$results/summary.md.tmp"
  cat "$results/summary.md"
else
  tail -50 "$results/run.log"
fi
[ "$status" -ne 0 ] && echo "benchmark run failed (exit $status); see bench/results/run.log" >&2
exit "$status"
