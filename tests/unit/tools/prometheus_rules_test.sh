#!/bin/sh
# The Prometheus rules of tools/prometheus/ (docs/operations.md, "Fleets"): promtool checks
# them, runs their unit tests (rfneedle.rules.test.yml: alerts firing for the device they
# are about and for no other), and fails a copy of those tests expecting the latched alert
# on the healthy device, so a promtool that passed anything would not pass here.
# Skipped (exit 77) only where promtool is missing; tools/dev installs it (Debian's
# `prometheus`).
#
#   prometheus_rules_test.sh RULES_DIR
set -eu
dir=${1:?usage: prometheus_rules_test.sh RULES_DIR}
if ! command -v promtool >/dev/null 2>&1; then
  echo "prometheus_rules_test: skipped: promtool is not installed (Debian's prometheus; tools/dev installs it)"
  exit 77
fi
promtool check rules "$dir/rfneedle.rules.yml"
promtool test rules "$dir/rfneedle.rules.test.yml"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$dir/rfneedle.rules.yml" "$scratch/"
sed 's/instance: "b:9464", state: Fault/instance: "a:9464", state: Fault/' \
  "$dir/rfneedle.rules.test.yml" >"$scratch/wrong.test.yml"
if cmp -s "$dir/rfneedle.rules.test.yml" "$scratch/wrong.test.yml"; then
  echo "prometheus_rules_test: the latched alert's expectation was not found to alter" >&2
  exit 1
fi
if promtool test rules "$scratch/wrong.test.yml" >"$scratch/wrong.out" 2>&1; then
  echo "prometheus_rules_test: promtool passed a test expecting the alert on the wrong device" >&2
  exit 1
fi
echo "prometheus_rules_test: a wrong expectation fails, as it must"
