#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing (redis-server and chromium from Debian's
# packages); the fixtures start private redis-server instances on free loopback ports and stop them. Ends with
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

# Debian packages the tests drive: redis-server (private instances on free ports) and chromium (the dashboard's
# browser tests, through Playwright, which downloads no browser of its own).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (Debian packages)..."
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  # The packages' own services are not used: policy-rc.d 101 keeps apt from starting them.
  $sudo sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  status=$?
  $sudo rm -f /usr/sbin/policy-rc.d
  if [ $status -ne 0 ] || ! command -v redis-server >/dev/null 2>&1 || [ ! -x /usr/bin/chromium ]; then
    echo "Could not install ${missing[*]}; install them (apt-get install ${missing[*]}) and run again."
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

log=$(mktemp)
report=tests/Conveyor.Chaos.Tests/bin/Release/net10.0/fault-report.txt
rm -f "$report"
dotnet test --configuration Release 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
# The core integration tests again, against the embedded store (Garnet) instead of redis-server.
if [ "$code" -eq 0 ] || grep -qE '^\s+succeeded: [0-9]+' "$log"; then
  echo "Core tests against the embedded store:"
  CONVEYOR_TEST_STORE=embedded dotnet test --configuration Release --no-build --project tests/Conveyor.Tests 2>&1 | tee -a "$log"
  embedded=${PIPESTATUS[0]}
  [ "$code" -ne 0 ] || code=$embedded
fi

if [ -f "$report" ]; then
  echo
  echo "Fault tests (jobs, faults injected, lost, ran twice):"
  sed 's/^/  /' "$report"
fi

# Microsoft.Testing.Platform prints a summary per run; add them up into the line CI reads.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the build or the runner failed before any test could report
fi
echo "$passed passed, $failed failed"
exit "$code"
