#!/usr/bin/env bash
# A few seconds of each load scenario at tiny load against a local server, so the suite cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project loadtests/Cndr.LoadTests -c Release --no-build -- 
