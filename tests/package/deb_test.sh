#!/usr/bin/env bash
# The Debian package (issue 14): packs the given build tree with cpack (any tree works:
# the test packs the dev build rather than build-release/, so the suite need not build
# the release preset), then checks the .deb from outside as dpkg and an installer see it:
# its control fields and Depends (dpkg-shlibdeps), conffiles and maintainer scripts, the
# files a scratch root gets from `dpkg -x`, the shipped configuration, lintian against
# packaging/lintian-allowlist, `systemd-analyze verify --root=` on both units and
# `systemd-analyze security --offline=true` against packaging/security-max.
#
#   deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build=${1:?usage: deb_test.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: deb_test.sh BUILD_DIR SOURCE_DIR}
scratch=$(mktemp -d /tmp/rfneedle-deb.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

# --- Pack ---------------------------------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1) ||
  { cat "$scratch/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
debs=("$scratch"/out/rfneedle_*_amd64.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || { echo "FAIL: no single rfneedle_*.deb in $scratch/out" >&2; exit 1; }
deb=${debs[0]}
pass "packed $(basename "$deb")"

# --- Control fields -----------------------------------------------------------------------
field() { dpkg-deb --field "$deb" "$1"; }
# Whether the comma-separated list $1 names package $2 (with or without a version).
lists() { [[ ", $1," == *", $2 "* || ", $1," == *", $2,"* ]]; }
[[ $(field Package) == rfneedle ]] || fail "Package is '$(field Package)', not rfneedle"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
depends=$(field Depends)
# adduser and systemd for the scripts and units; the rest is what dpkg-shlibdeps found
# for rfneedled and rfneedle-diag.
for dep in adduser systemd libc6 libstdc++6 libsystemd0 libsodium23 libsqlite3-0 \
           libprotobuf32 libspdlog1.10-fmt9 libprometheus-cpp-core1.0; do
  lists "$depends" "$dep" || fail "Depends lacks $dep: $depends"
done
grep -Eq '\(>= [0-9]' <<<"$depends" || fail "Depends has no versions: dpkg-shlibdeps did not run: $depends"
for rec in cage chromium; do
  lists "$(field Recommends)" "$rec" || fail "Recommends lacks $rec"
done
pass "control: Depends: $depends"

# --- conffiles and maintainer scripts -----------------------------------------------------
dpkg-deb --control "$deb" "$scratch/control"
[[ $(cat "$scratch/control/conffiles") == "/etc/rfneedle/rfneedled.conf" ]] ||
  fail "conffiles is '$(cat "$scratch/control/conffiles")'"
for script in postinst prerm postrm; do
  if [[ ! -f $scratch/control/$script ]]; then fail "no $script"; continue; fi
  [[ $(stat -c %a "$scratch/control/$script") == 755 ]] || fail "$script is not mode 0755"
  cmp -s "$scratch/control/$script" "$src/packaging/$script" || fail "$script differs from packaging/$script"
done
grep -q 'adduser --system --group' "$scratch/control/postinst" || fail "postinst creates no system user"
grep -q 'adduser rfneedle dialout' "$scratch/control/postinst" || fail "postinst does not put rfneedle in dialout"
pass "conffiles, postinst, prerm, postrm"

# --- Files --------------------------------------------------------------------------------
root=$scratch/root
dpkg -x "$deb" "$root"
for f in usr/bin/rfneedled usr/bin/rfneedle-diag; do
  [[ -x $root/$f ]] || fail "/$f missing or not executable"
done
for f in etc/rfneedle/rfneedled.conf lib/systemd/system/rfneedled.service \
         lib/systemd/system/rfneedle-kiosk.service lib/udev/rules.d/60-rfneedle-serial.rules \
         usr/share/rfneedle/frontend/index.html usr/share/rfneedle/frontend/app.js \
         usr/share/rfneedle/frontend/app.css usr/share/rfneedle/frontend/sw.js \
         usr/share/doc/rfneedle/operations.md usr/share/doc/rfneedle/soup.md \
         usr/share/bash-completion/completions/rfneedle-diag; do
  [[ -f $root/$f ]] || fail "/$f missing"
done
for d in var/lib/rfneedle var/log/rfneedle; do
  [[ -d $root/$d ]] || fail "/$d missing"
done
# A treatment device carries no simulator and no test programs.
unexpected=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -E 'rfneedle-sim|_test|bench|\.map$' || true)
[[ -z $unexpected ]] || fail "unexpected files: $unexpected"
"$root/usr/bin/rfneedled" --help >/dev/null || fail "the packaged rfneedled --help failed"
pass "files in the scratch root"

# --- The shipped configuration: no credentials, no simulated boards (SR-92, SR-93) --------
conf=$root/etc/rfneedle/rfneedled.conf
grep -Eq '^[^#]*(accounts|pin_hash|service_key_hash)' "$conf" && fail "the configuration carries credentials"
grep -Eq '^[^#]*(allow_simulated|sim_control)' "$conf" && fail "the configuration allows simulated boards"
grep -Eq '^[^#]*data_dir: "/var/lib/rfneedle"' "$conf" || fail "the store is not in /var/lib/rfneedle"
grep -Eq '^[^#]*frontend: "/usr/share/rfneedle/frontend"' "$conf" || fail "the frontend is not the packaged one"
grep -Eq '^[^#]*file: "/var/log/rfneedle/rfneedled.log"' "$conf" || fail "the log is not in /var/log/rfneedle"
pass "the shipped configuration"

# --- lintian ------------------------------------------------------------------------------
if lintian --tag-display-limit 0 --fail-on error,warning \
     --suppress-tags-from-file "$src/packaging/lintian-allowlist" "$deb" >"$scratch/lintian.log" 2>&1; then
  pass "lintian (allowlist: packaging/lintian-allowlist)"
else
  cat "$scratch/lintian.log" >&2
  fail "lintian"
fi

# --- The units ----------------------------------------------------------------------------
# systemd-analyze resolves a unit's dependencies and programs inside --root: the scratch
# root gets the host's own units (sysinit.target, ...) and the programs the kiosk runs,
# which the package recommends.
cp -a /lib/systemd/system/. "$root/lib/systemd/system/"
mkdir -p "$root/usr/bin"
for program in /usr/bin/cage /usr/bin/chromium; do
  [[ -x $program ]] || { fail "$program is not installed (tools/dev installs it)"; continue; }
  cp "$program" "$root/usr/bin/"
done
for unit in rfneedled.service rfneedle-kiosk.service; do
  # Unknown or malformed settings are only warnings to systemd: any output fails.
  if ! out=$(systemd-analyze verify --root="$root" "/lib/systemd/system/$unit" 2>&1) || [[ -n $out ]]; then
    fail "systemd-analyze verify $unit: $out"
  fi
  max=$(awk -v u="$unit" '$1 == u {print $2}' "$src/packaging/security-max")
  [[ -n $max ]] || { fail "no maximum score for $unit in packaging/security-max"; continue; }
  score=$(systemd-analyze security --offline=true --root="$root" "/lib/systemd/system/$unit" 2>&1 |
          sed -nE 's/.*Overall exposure level for [^:]+: ([0-9.]+).*/\1/p')
  [[ -n $score ]] || { fail "systemd-analyze security $unit printed no score"; continue; }
  awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
    fail "$unit: exposure $score above the committed maximum $max (packaging/security-max)"
  pass "$unit: verified, exposure $score (maximum $max)"
done

# The service's settings the issue fixes.
svc=$root/lib/systemd/system/rfneedled.service
for setting in Type=notify WatchdogSec= Restart=on-failure StartLimitBurst= StartLimitIntervalSec= \
               TimeoutStopSec= StateDirectory=rfneedle LogsDirectory=rfneedle ProtectSystem=strict \
               PrivateTmp=yes NoNewPrivileges=yes IPAddressAllow=localhost IPAddressDeny=any \
               LimitRTPRIO= LimitMEMLOCK= "DeviceAllow=char-ttyUSB rw" SupplementaryGroups=dialout \
               CapabilityBoundingSet=CAP_SYS_NICE AmbientCapabilities=CAP_SYS_NICE; do
  grep -q "^$setting" "$svc" || fail "rfneedled.service lacks $setting"
done
kiosk=$root/lib/systemd/system/rfneedle-kiosk.service
for setting in "ExecStart=/usr/bin/cage" Restart=always; do
  grep -q "^$setting" "$kiosk" || fail "rfneedle-kiosk.service lacks $setting"
done
grep -q -- '--kiosk' "$kiosk" || fail "rfneedle-kiosk.service does not start chromium --kiosk"
pass "the units' settings"

if [[ $failures -gt 0 ]]; then
  echo "deb_test: $failures failures" >&2
  exit 1
fi
echo "deb_test: all checks passed"
