#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nooks.ko and nooks_kunit.ko against the KUnit test kernel, from a
# copy of the sources in build/kunit (the stock build's objects stay in the
# tree). Prints the directory holding the two modules.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$("$top/tools/testvm/kernel.sh")
out=$top/build/kunit
mkdir -p "$out"
rsync -a --delete --exclude build --exclude tools --exclude .git \
	--exclude '*.o' --exclude '*.ko' --exclude '*.cmd' --exclude '*.mod*' \
	--exclude Module.symvers --exclude modules.order \
	"$top"/ "$out"/
make -s -C "$kdir" M="$out" modules >&2
echo "$out"
