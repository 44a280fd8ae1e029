# SPDX-License-Identifier: GPL-2.0
# Batched entries (domains/batch.h) on Debian's null_blk, with
# page-table protection off and on, against nooks.ko's batch=0 in the
# same guest. With no I/O scheduler, blk-mq hands a plug's requests to
# queue_rqs: one crossing takes up to 16 of them, and their completions
# are made in one crossing too; the kernel starts the requests before it
# crosses, so null_blk's blk_mq_start_request does not cross out (a
# premade call). fio submits 16 at a time; every I/O must complete,
# without an error. (A memory-backed null_blk may sleep
# in queue_rq, BLK_MQ_F_BLOCKING, and is not batched: see batch.c.)
# testvm-modules: null_blk
# testvm-tools: fio jq
# Then faults are injected while fio runs batched: each is contained and
# recovered, and the block shadow keeps fio from seeing an error.
# testvm-timeout: 600

IOS=4096

# batch_run PROT BATCH: calls_in, calls_out, calls_batched, calls_premade
# per I/O (x100) in PER
batch_run() {
	local in0 out0 bat0 pre0 res ios err in out bat pre
	check "p=$1 b=$2: nooksctl load null_blk" \
		nooksctl load null_blk -- gb=1 bs=4096
	echo none > /sys/block/nullb0/queue/scheduler
	in0=$(sysfs_domain null_blk calls_in)
	out0=$(sysfs_domain null_blk calls_out)
	bat0=$(sysfs_domain null_blk calls_batched)
	pre0=$(sysfs_domain null_blk calls_premade)
	res=$(fio --name=b --filename=/dev/nullb0 --direct=1 \
		--ioengine=io_uring --rw=randrw --bs=4k --iodepth=16 \
		--iodepth_batch_submit=16 --iodepth_batch_complete_min=16 \
		--number_ios=$IOS --size=1g --output-format=json 2>/dev/null)
	ios=$(echo "$res" |
		jq '.jobs[0].write.total_ios + .jobs[0].read.total_ios')
	err=$(echo "$res" | jq '.jobs[0].error')
	in=$(delta null_blk calls_in "$in0")
	out=$(delta null_blk calls_out "$out0")
	bat=$(delta null_blk calls_batched "$bat0")
	pre=$(delta null_blk calls_premade "$pre0")
	echo "# protection=$1 batch=$2 null_blk: ${ios:-0} I/Os, calls_in $in, calls_out $out, calls_batched $bat, calls_premade $pre"
	check "p=$1 b=$2: fio read and wrote (${ios:-0} I/Os)" \
		[ "${ios:-0}" -ge $IOS ]
	check_eq "p=$1 b=$2: fio saw no error" 0 "$err"
	check_eq "p=$1 b=$2: null_blk live" live "$(sysfs_domain null_blk state)"
	check "p=$1 b=$2: nooksctl unload null_blk" nooksctl unload null_blk
	PER="$((100 * in / ios)) $((100 * out / ios)) $((100 * bat / ios))"
	PER="$PER $((100 * pre / ios))"
}

for prot in 0 1; do
	check "insmod nooks.ko protection=$prot batch=0" \
		insmod /nooks/nooks.ko protection=$prot batch=0
	install_agent
	batch_run $prot 0
	set -- $PER
	check_eq "p=$prot b=0: nothing batched" 0 "$3"
	check_eq "p=$prot b=0: nothing premade" 0 "$4"
	check "p=$prot b=0: 2 crossings in per I/O ($1/100)" [ "$1" -ge 190 ]
	check "p=$prot b=0: each start crosses out ($2/100 per I/O)" \
		[ "$2" -ge 100 ]
	check "rmmod nooks" rmmod nooks

	check "insmod nooks.ko protection=$prot" \
		insmod /nooks/nooks.ko protection=$prot
	install_agent
	batch_run $prot 1
	set -- $PER
	check "p=$prot b=1: most calls in batched ($3/100 per I/O)" \
		[ "$3" -ge 150 ]
	check "p=$prot b=1: at most 0.25 crossings in per I/O ($1/100)" \
		[ "$1" -le 25 ]
	check "p=$prot b=1: most starts premade ($4/100 per I/O)" \
		[ "$4" -ge 75 ]
	check "p=$prot b=1: at most 0.25 crossings per I/O ($(($1 + $2))/100)" \
		[ $(($1 + $2)) -le 25 ]

	# faults while fio runs batched, through the block shadow
	check "p=$prot: nooksctl load null_blk" \
		nooksctl load null_blk -- gb=1 bs=4096
	echo 1000 > /sys/kernel/nooks/domains/null_blk/restart_limit
	echo none > /sys/block/nullb0/queue/scheduler
	bat0=$(sysfs_domain null_blk calls_batched)
	fio --name=b --filename=/dev/nullb0 --direct=1 --ioengine=io_uring \
		--rw=randrw --bs=4k --iodepth=16 --iodepth_batch_submit=16 \
		--iodepth_batch_complete_min=16 --size=1g --time_based \
		--runtime=20 --output-format=json --output=/tmp/fio.json &
	FIO=$!
	sleep 1
	for ft in null-deref:page-fault bug:bug gpf:gpf; do
		shadow_fault null_blk "${ft%%:*}" "${ft#*:}" /dev/nullb0
		check "p=$prot ${ft%%:*}: fio runs on" kill -0 $FIO
	done
	sleep 1
	check "p=$prot: batched across the faults" \
		[ "$(sysfs_domain null_blk calls_batched)" -gt "$bat0" ]
	check "p=$prot: fio ends" wait $FIO
	check_eq "p=$prot: fio saw no error across the faults" 0 \
		"$(jq '.jobs[0].error' /tmp/fio.json)"
	echo "# p=$prot: $(jq '.jobs[0].read.total_ios + .jobs[0].write.total_ios' /tmp/fio.json) I/Os across the faults"
	check "p=$prot: nooksctl unload null_blk" nooksctl unload null_blk
	check "rmmod nooks" rmmod nooks
done
check_fails "no oops" sh -c "dmesg | grep -q -e Oops -e 'BUG:' -e 'kernel BUG'"
