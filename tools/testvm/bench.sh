#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench [OUT=DIR]: the cost per operation of isolation, native and
# isolated in the same guest: DIR/results.json and DIR/results.md
# (tools/testvm/bench-ops.sh runs tests/bench/ops.sh); then each other
# tests/bench/*.sh in a guest on the stock kernel, writing
# DIR/<name>.json from its "bench: KEY VALUE" lines. Not part of make
# check: it measures, it does not assert speed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/bench}
mkdir -p "$out"
fail=0
"$top/tools/testvm/bench-ops.sh" "$out" || fail=1
for s in "$top"/tests/bench/*.sh; do
	name=$(basename "$s" .sh)
	[ "$name" = ops ] && continue
	"$top/tools/testvm/run.sh" --kernel stock --ko "$top/nooks.ko" \
		--log "$top/build/vm/bench-$name" "$s" > "$out/$name.tap" || true
	grep -q '^not ok' "$out/$name.tap" && fail=1
	tr -d '\r' < "$top/build/vm/bench-$name/verdict.log" |
		awk '$1 == "bench:" { printf "%s\"%s\": %s", sep, $2, $3; sep = ",\n  " }
		     BEGIN { printf "{\n  " } END { printf "\n}\n" }' > "$out/$name.json"
	echo "== $name ($out/$name.json)"
	cat "$out/$name.json"
	grep '^not ok' "$out/$name.tap" || true
done
exit $fail
