#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make campaign DRIVERS="dummy null_blk" TRIALS=N SEED=S OUT=DIR [FAULTS=5]
#	[JOBS=nproc] [PROTECT=1]
#
# The SWIFI campaign, after Nooks (Swift et al., SOSP 2003, section 5):
# trial I of driver D writes FAULTS random faults, seed S+I, into D's
# Debian module (nooksctl swifi) and runs it twice, each time in a fresh
# guest (tests/campaign/trial.sh): natively (insmod of the mutant), then
# isolated (nooksctl load --swifi, recovery on), each with D's workload.
# A run is a crash if the console shows an Oops, BUG, panic, lockup or
# stall, or the trial never says "done" (a hang: the VM's time bound,
# testvm-timeout, ends it); else a failure if the load or the workload
# failed; else no effect. Isolated, a run with a contained fault is
# recovered if the workload succeeds after the restart: the faults are
# transient (load --transient), so a restart loads the module as shipped;
# a fault in init fails the load, and the trial loads the module again.
# PROTECT=1 loads nooks.ko with protection=1: the isolated runs are under
# page-table protection.
#
# Writes DIR/trials.csv (one line per trial), DIR/summary.json (a list of
# {"driver", "trials", "native_crash", "isolated_crash", "contained",
# "recovered"}: contained counts native crashes the isolated run
# survived, recovered those of them whose workload succeeded after
# recovery) and DIR/summary.md. Runs JOBS guests at a time; a trial
# already classified in DIR is not run again (resumable).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
DRIVERS=${DRIVERS:-dummy null_blk}
TRIALS=${TRIALS:-10}
SEED=${SEED:-1}
FAULTS=${FAULTS:-5}
OUT=${OUT:-$top/build/campaign}
JOBS=${JOBS:-$(nproc)}
PROTECT=${PROTECT:-0}

die() { echo "campaign: $*" >&2; exit 2; }

# The modules a driver's guest needs besides nooks.ko: QEMU's rtl8139 is
# an 8139C+, which 8139too drives once it is presented as an 8139
# (tests/modules/nooks_test_pcirev.c; trial.sh loads it).
ko_args() {
	case $1 in
	8139too) echo "--ko $top/tests/modules/nooks_test_pcirev.ko" ;;
	esac
}

# The QEMU device a driver needs (slirp restricted: nothing leaves).
qemu_args() {
	case $1 in
	e1000) echo "-netdev user,id=n0,restrict=on -device e1000,netdev=n0" ;;
	8139too | 8139cp)
		echo "-netdev user,id=n0,restrict=on -device rtl8139,netdev=n0" ;;
	*) echo "" ;;
	esac
}

# classify DIR MODE: "CLASS REASON [FAULTS RECOVERED WHERE]" of one run
classify() {
	local dir=$1 mode=$2 con tap faults recovered reason where
	con=$dir/console.log
	tap=$dir/verdict.log
	reason=$(grep -a -o -m1 -E 'Oops|BUG: [a-z ]*|kernel BUG|Kernel panic|general protection fault|soft lockup|hard LOCKUP|rcu_[a-z]* detected stalls|blocked for more than' \
		"$con" 2>/dev/null | head -n 1 | tr ' ' _ || true)
	if [ -n "$reason" ]; then
		echo "crash $reason"
		return
	fi
	if ! grep -a -q 'campaign: done' "$tap" 2>/dev/null; then
		echo "crash hang"
		return
	fi
	faults=$(sed -n 's/.*campaign: faults \([0-9]*\) .*/\1/p' "$tap" |
		tr -d '\r' | head -n 1 || true)
	faults=${faults:-0}
	if [ "$mode" = isolated ] && [ "$faults" -gt 0 ]; then
		recovered=no
		grep -a -q 'campaign: recovered ok' "$tap" && recovered=yes
		reason=$(sed -n 's/.*campaign: last_fault \([^ ]*\).*/\1/p' "$tap" |
			tr -d '\r' | cut -d_ -f1 | head -n 1 || true)
		where=$(sed -n 's/.*campaign: fault_in \([a-z]*\).*/\1/p' "$tap" |
			tr -d '\r' | head -n 1 || true)
		echo "contained ${reason:-fault} $faults $recovered ${where:-live}"
		return
	fi
	if grep -a -q 'campaign: workload stuck' "$tap"; then
		echo "failure stuck"
	elif grep -a -q 'campaign: load failed' "$tap"; then
		echo "failure load"
	elif grep -a -q 'campaign: workload failed' "$tap"; then
		echo "failure workload"
	else
		echo "none -"
	fi
}

# A crash ends the guest at once (panic=-1 and -no-reboot): a native
# Oops used to leave it running to the time bound, 120 s of the 130 s a
# crashing trial took. A fault nooks.ko contains never oopses (it is
# caught before: the page fault tracepoint, the die notifier), so this
# changes no class, only how soon a crash's guest is gone.
CRASH_ENDS="oops=panic softlockup_panic=1 sysctl.kernel.panic_on_rcu_stall=1"

# one D I MODE: run and classify one guest (skipped if done before)
one() {
	local d=$1 i=$2 mode=$3 dir spec
	dir=$OUT/vm/$d-$i-$mode
	[ -s "$dir/result" ] && return 0
	spec=random:$((SEED + i)):$FAULTS
	rm -rf "$dir"
	mkdir -p "$dir"
	"$top/tools/testvm/run.sh" --kernel stock --ko "$top/nooks.ko" \
		$(ko_args "$d") \
		--append "nooks_campaign.driver=$d nooks_campaign.spec=$spec nooks_campaign.mode=$mode nooks_campaign.protect=$PROTECT $CRASH_ENDS" \
		--qemu "$(qemu_args "$d")" --log "$dir" --name "campaign-$d-$i-$mode" \
		"$top/tests/campaign/trial.sh" > "$dir/run.tap" 2>&1 || true
	classify "$dir" "$mode" > "$dir/result.tmp"
	mv "$dir/result.tmp" "$dir/result"
	# the guest's initramfs and its tree: 48 MB a run, 77 GB for 200
	# trials of 4 drivers; the logs and the result stay
	rm -rf "$dir/root" "$dir/initramfs.cpio"
	echo "$d $i $mode" >> "$OUT/ran.$RUN_ID"
	echo "campaign: $d trial $i $mode: $(cat "$dir/result")"
}

if [ "${1:-}" = --one ]; then
	shift
	one "$@"
	exit 0
fi

[ -x "$top/tools/nooksctl/nooksctl" ] && [ -r "$top/nooks.ko" ] ||
	die "build first (make)"
for d in $DRIVERS; do
	for ko in $(ko_args "$d"); do
		[ "$ko" = --ko ] || [ -r "$ko" ] ||
			die "$d needs $ko: build it first (make test-modules)"
	done
done
case $TRIALS$SEED$FAULTS$JOBS$PROTECT in
*[!0-9]*) die "TRIALS, SEED, FAULTS, JOBS and PROTECT are numbers" ;;
esac
mkdir -p "$OUT/vm"
start=$(date +%s)
RUN_ID=$start
export RUN_ID
: > "$OUT/ran.$RUN_ID"
# trial by trial across the drivers, so that a campaign stopped early
# has as many trials of each
for i in $(seq "$TRIALS"); do
	for d in $DRIVERS; do
		echo "$d $i native"
		echo "$d $i isolated"
	done
done | OUT=$OUT SEED=$SEED FAULTS=$FAULTS PROTECT=$PROTECT xargs -P "$JOBS" -L 1 "$0" --one
elapsed=$(($(date +%s) - start))
ran=$(($(wc -l < "$OUT/ran.$RUN_ID") / 2))	# trials run now, not resumed
rm -f "$OUT/ran.$RUN_ID"

# trials.csv and the summaries
{
	echo "driver,trial,spec,native,native_reason,isolated,isolated_reason,isolated_faults,recovered,fault_in"
	for d in $DRIVERS; do
		for i in $(seq "$TRIALS"); do
			read -r nc nr _ < "$OUT/vm/$d-$i-native/result"
			read -r ic ir ifa irec iwh < "$OUT/vm/$d-$i-isolated/result"
			echo "$d,$i,random:$((SEED + i)):$FAULTS,$nc,$nr,$ic,$ir,${ifa:-0},${irec:-},${iwh:-}"
		done
	done
} > "$OUT/trials.csv"
# per driver: trials, native crashes, isolated crashes, contained,
# recovered, and the trials not contained with their causes
awk -F, -v drivers="$DRIVERS" 'NR > 1 {
		t[$1]++
		if ($4 == "crash") nc[$1]++
		if ($6 == "crash") ic[$1]++
		if ($4 == "crash" && $6 != "crash") c[$1]++
		if ($4 == "crash" && $6 != "crash" &&
		    ($9 == "yes" || ($6 == "none"))) r[$1]++
		if ($4 == "crash" && $6 == "crash")
			miss[$1] = miss[$1] " " $2 "(" $7 ")"
	}
	END {
		n = split(drivers, ds, " ")
		for (k = 1; k <= n; k++) {
			d = ds[k]
			printf "%s %d %d %d %d %d%s\n", d, t[d], nc[d], ic[d], \
				c[d], r[d], miss[d]
		}
	}' "$OUT/trials.csv" > "$OUT/counts"
awk '{ printf "%s\n  {\"driver\": \"%s\", \"trials\": %d, \"native_crash\": %d, \"isolated_crash\": %d, \"contained\": %d, \"recovered\": %d}", \
		(NR > 1 ? "," : "["), $1, $2, $3, $4, $5, $6 }
	END { printf "%s\n]\n", (NR ? "" : "[") }' "$OUT/counts" > "$OUT/summary.json"
awk -v faults="$FAULTS" -v secs="$elapsed" -v ran="$ran" -v prot="$PROTECT" '
	BEGIN {
		printf "| driver | trials | native crashes | isolated crashes | contained | recovered |\n"
		printf "|---|---|---|---|---|---|\n"
	}
	{
		printf "| %s | %d | %d | %d | %d (%.0f%%) | %d (%.0f%%) |\n", \
			$1, $2, $3, $4, $5, $3 ? 100 * $5 / $3 : 0, $6, \
			$5 ? 100 * $6 / $5 : 0
		all += $2
		if (NF > 6) {
			m = $7
			for (i = 8; i <= NF; i++)
				m = m " " $i
			miss[NR] = "Not contained (" $1 ", trial(cause)): " m
		}
	}
	END {
		printf "\n%d faults per trial, %d trials, page-table protection %s; this run: %d trials in %d s (%.0f an hour).\n", \
			faults, all, prot == 1 ? "on" : "off", ran, secs, secs ? ran * 3600 / secs : 0
		for (k = 1; k <= NR; k++)
			if (miss[k] != "")
				printf "\n%s\n", miss[k]
	}' "$OUT/counts" > "$OUT/summary.md"
# the contained native crashes whose isolated run faulted, by where: in
# init (the load failed; the trial loads the module as shipped again)
# or in a live driver (recovery restarted it)
awk -F, -v drivers="$DRIVERS" 'NR > 1 && $4 == "crash" && $6 == "contained" {
		k = $1 " " ($10 == "init" ? "init" : "live")
		n[k]++
		if ($9 == "yes")
			r[k]++
	}
	END {
		printf "\nContained faults by where they struck (recovered of them):"
		m = split(drivers, ds, " ")
		for (i = 1; i <= m; i++)
			printf " %s: init %d (%d), live %d (%d)%s", ds[i], \
				n[ds[i] " init"], r[ds[i] " init"], \
				n[ds[i] " live"], r[ds[i] " live"], i < m ? ";" : ".\n"
	}' "$OUT/trials.csv" >> "$OUT/summary.md"
cat "$OUT/summary.md"
