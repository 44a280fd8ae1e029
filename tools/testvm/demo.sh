#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot the stock Debian kernel in QEMU, load nooks.ko and run
# Debian's e1000.ko isolated; the guest's session is printed as it runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$top/build/vm/demo
mkdir -p "$log"
rm -f "$log/verdict.log"
echo "demo: booting the stock kernel in QEMU (TCG, about 10 s)"
"$top/tools/testvm/run.sh" --kernel stock --log "$log" --ko "$top/nooks.ko" \
	"$top/tests/demo/demo.sh" > "$log.tap" &
qemu=$!
while [ ! -e "$log/verdict.log" ] && kill -0 $qemu 2>/dev/null; do
	sleep 0.2
done
tail -n +1 -f --pid=$qemu "$log/verdict.log" 2>/dev/null |
	grep -Ev '^(not )?ok [0-9]|^1\.\.|^# tap_done' || true
wait $qemu || true
echo
cat "$log.tap"
! grep -q '^not ok' "$log.tap"
