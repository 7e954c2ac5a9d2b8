# SPDX-License-Identifier: GPL-2.0
# A tiny TAP emitter for the script tests: plan N, then ok/not_ok/skip per check.
# The tests run the built gmembench ($GMEMBENCH) and read only its JSON output.

tap_n=0
tap_failed=0

plan() { echo "1..$1"; }

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=1
	echo "not ok $tap_n - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# check NAME COMMAND...: ok when the command succeeds.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

# expect_exit NAME CODE PATTERN COMMAND...: the command exits with CODE and its stderr
# matches PATTERN (a grep -E expression).
expect_exit() {
	name=$1 code=$2 pattern=$3
	shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq "$code" ] && printf '%s' "$err" | grep -Eq -- "$pattern"; then
		ok "$name"
	else
		not_ok "$name" "exit $rc (expected $code)" "stderr: $err"
	fi
}

# kvm_reason: empty when /dev/kvm is usable, else why not.
kvm_reason() {
	if [ ! -e /dev/kvm ]; then
		echo "/dev/kvm does not exist"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "/dev/kvm is not accessible to $(id -un)"
	fi
}

finish() { exit "$tap_failed"; }
