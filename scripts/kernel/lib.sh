# SPDX-License-Identifier: GPL-2.0
# Sourced by the scripts in scripts/kernel/: the pinned base, the cache layout, helpers.
# shellcheck shell=bash disable=SC2034

GMB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
GMB_CACHE=${GMB_KERNEL_CACHE:-$HOME/.cache/gmembench-kernel}

# The base the series in kernel-patches/$GMB_KVER is written against.
GMB_KVER=7.3.4
GMB_DEB_PKG=linux-source-7.3
GMB_DEB_VERSION=7.3.4-1~bpo13+1
GMB_DEB_SUITE=trixie-backports
GMB_DEB_MIRROR=${GMB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
GMB_PATCHES=$GMB_TOP/kernel-patches/$GMB_KVER

# Cache layout (all of it outside the repository):
#   src/linux-$GMB_KVER   the pristine Debian tree (get-source)
#   work/linux            a copy of the source with the series applied (build)
#   work/obj              kernel objects (make O=), work/hdr: headers_install
#   ccache/               the compiler cache (unless CCACHE_DIR is set)
#   out/                  bzImage, config, selftests/, build-info, initramfs.cpio.gz
GMB_SRC=$GMB_CACHE/src/linux-$GMB_KVER
GMB_WORK=$GMB_CACHE/work
GMB_OUT=$GMB_CACHE/out
GMB_DEBUG=0

# --debug (build, initramfs, boot, run-all): the debug kernel (config-debug merged after
# config) is built and kept in a cache of its own, GMB_KERNEL_DEBUG_CACHE (default: the cache's
# path with -debug; a GMB_KERNEL_CACHE that already ends in -debug is taken as it is), so that
# building it never touches the normal kernel's objects. It reads the normal cache's pristine
# source (GMB_SRC: nothing is downloaded twice) and shares its ccache.
gmb_use_debug() {
	local normal=$GMB_CACHE
	[ "$GMB_DEBUG" -eq 1 ] && return 0
	GMB_DEBUG=1
	case "$GMB_CACHE" in
	*-debug) normal=${GMB_CACHE%-debug} ;;
	*) GMB_CACHE=${GMB_KERNEL_DEBUG_CACHE:-$GMB_CACHE-debug} ;;
	esac
	export CCACHE_DIR=${CCACHE_DIR:-$normal/ccache}
	GMB_SRC=$normal/src/linux-$GMB_KVER
	GMB_WORK=$GMB_CACHE/work
	GMB_OUT=$GMB_CACHE/out
}

prog=$(basename "$0")

# These scripts may run under make (tests/kernel.test in make check): the kernel's and the
# repository's makes must not inherit that make's level, flags or jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

msg() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
usage_error() {
	printf '%s: %s\n' "$prog" "$*" >&2
	printf 'Try "%s --help".\n' "$0" >&2
	exit 2
}

# need_pkgs PACKAGE...: install the Debian packages that are missing (sudo unless root).
need_pkgs() {
	local missing="" p sudo=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	command -v apt-get >/dev/null || die "missing packages:$missing (and no apt-get to install them)"
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	msg "installing$missing"
	$sudo apt-get update -q >&2
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$missing >&2 || die "could not install:$missing"
}

# now: seconds since the epoch, for timings.
now() { date +%s; }
