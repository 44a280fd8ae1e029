#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the build and the tests need, only those
# missing (idempotent: a second run installs nothing and needs no network).
set -euo pipefail

pkgs=(
	gcc make pkg-config		# nooksctl, the modules
	linux-image-amd64		# the stock kernel booted by e2e tests
	linux-headers-amd64		# KDIR for nooks.ko
	linux-source-6.1		# KUnit kernel, kunit.py, checkpatch
	flex bison bc libssl-dev libelf-dev cpio rsync	# building a kernel
	qemu-system-x86 busybox-static kmod	# test VMs
	sparse python3 perl jq		# checks
	libmnl-dev libkmod-dev libbpf-dev libelf-dev libcapstone-dev	# nooksctl
	elfutils			# eu-elflint in the rewriter's tests
	groff-base bash-completion	# the man page and completion tests
	python3-docutils		# Documentation/*.rst render
	dkms				# make dkms-install's sources build
	fio				# make bench: null_blk I/O in a guest
	ethtool				# shadow-net: ring and coalescing settings
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
