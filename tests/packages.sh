#!/bin/bash
# tests/packages.sh [--deb-only] [--keep] [TARBALL]
#
# Build rawtune's Debian and rpm packages from a clean export and check what
# they hold:
#   1. the dist tarball: TARBALL, or "make dist" of "git archive HEAD" (so
#      uncommitted changes are not in it);
#   2. dpkg-buildpackage -b -us -uc in the unpacked tarball, then lintian
#      (errors fail, warnings are shown);
#   3. rpmbuild -tb TARBALL (with --nodeps on Debian, whose rpm database holds
#      none of the build dependencies); not with --deb-only;
#   4. each package's files: program, versioned library, header, .pc, man
#      pages, unit, completion, boot file (a conffile / %config);
#   5. the .debs unpacked with dpkg -x into a throwaway root, whose rawtune
#      runs against the packaged library (LD_LIBRARY_PATH into the root), and
#      a program built against the packaged header, .so and .pc.
# Slow (minutes): not part of make check. scripts/check runs it in CI.
# Needs debhelper, dpkg-dev, lintian and rpm besides the build dependencies;
# changes nothing outside a temporary directory (kept with --keep).
set -euo pipefail

prog=tests/packages.sh
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }

deb_only='' keep='' tarball=''
for arg; do
	case $arg in
	--deb-only) deb_only=1 ;;
	--keep) keep=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
		exit 0
		;;
	-*) die "unknown option $arg (usage: $prog [--deb-only] [--keep] [TARBALL])" ;;
	*) tarball=$(realpath "$arg") ;;
	esac
done
needs=(dpkg-buildpackage dpkg-deb lintian cc pkg-config)
[[ -n $deb_only ]] || needs+=(rpmbuild)
for cmd in "${needs[@]}"; do
	command -v "$cmd" >/dev/null || die "needs $cmd (scripts/check --deps-only installs it)"
done

top=$(cd "$(dirname "$(realpath "$0")")/.." && pwd)
work=$(mktemp -d /tmp/rawtune-packages.XXXXXX)
if [[ -n $keep ]]; then
	trap 'echo "kept: $work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi
log() { echo "$work/$1.log"; }
# run NAME CMD...: run quietly into NAME.log, showing its tail on failure; time it
run() {
	local name=$1 start=$SECONDS
	shift
	if ! "$@" >"$(log "$name")" 2>&1; then
		tail -n 40 "$(log "$name")" >&2
		die "$name failed (the end of its log above)"
	fi
	printf '%s: %d s\n' "$name" $((SECONDS - start))
}

# ---- 1. the dist tarball ---------------------------------------------------------
if [[ -z $tarball ]]; then
	git -C "$top" rev-parse --verify -q HEAD >/dev/null ||
		die "$top is not a git checkout: give a dist tarball (make dist)"
	step "make dist from git archive HEAD ($(git -C "$top" rev-parse --short HEAD))"
	mkdir "$work/export"
	git -C "$top" archive --format=tar HEAD | tar -x -C "$work/export"
	(
		cd "$work/export"
		run autoreconf autoreconf -fi
		run configure ./configure
		run make-dist make dist
	)
	tarball=$(echo "$work"/export/rawtune-*.tar.gz)
fi
[[ -f $tarball ]] || die "no tarball: $tarball"
version=$(basename "$tarball" .tar.gz)
version=${version#rawtune-}
ok "tarball $(basename "$tarball"), version $version"

# ---- 2. Debian packages ------------------------------------------------------------
step "dpkg-buildpackage -b -us -uc"
mkdir "$work/deb"
tar -xzf "$tarball" -C "$work/deb"
src="$work/deb/rawtune-$version"
changelog=$(cd "$src" && dpkg-parsechangelog -S Version)
[[ ${changelog%-*} == "$version" ]] ||
	die "debian/changelog is at $changelog, configure.ac at $version: add an entry (dch -v $version-1)"
(cd "$src" && run dpkg-buildpackage dpkg-buildpackage -b -us -uc)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb() { echo "$work/deb/${1}_${changelog}_$arch.deb"; }
for p in rawtune librawtune0 librawtune-dev; do
	[[ -f $(deb $p) ]] || die "no package $(basename "$(deb $p)")"
done
ok "built $(cd "$work/deb" && ls -s --block-size=K ./*.deb | tr '\n' ' ')"

step "lintian"
lintian "$work/deb/rawtune_${changelog}_$arch.changes" >"$(log lintian)" 2>&1 || true
cat "$(log lintian)"
grep -q '^E: ' "$(log lintian)" && die "lintian reports errors (above)"
ok "lintian: no errors, $(grep -c '^W: ' "$(log lintian)" || true) warnings"

# has PACKAGE-FILE LISTING PATH...: every PATH is in the listing
has() {
	local pkg=$1 list=$2 path
	shift 2
	for path; do
		grep -qE "^$path\$" "$list" || die "$pkg lacks $path (its files: $list)"
	done
	ok "$pkg holds $*"
}
# dpkg-deb -c, reduced to the paths
deb_files() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' >"$2"; }

step "what the .debs hold"
deb_files "$(deb rawtune)" "$work/rawtune.files"
has rawtune "$work/rawtune.files" /usr/sbin/rawtune /lib/systemd/system/rawtune.service \
	/etc/rawtune/rawtune.conf /etc/rawtune/profiles.d \
	/usr/share/bash-completion/completions/rawtune \
	/usr/share/man/man8/rawtune.8.gz /usr/share/man/man5/rawtune.conf.5.gz \
	/usr/share/doc/rawtune/copyright
dpkg-deb --ctrl-tarfile "$(deb rawtune)" | tar -xO ./conffiles | grep -qx /etc/rawtune/rawtune.conf ||
	die "rawtune: /etc/rawtune/rawtune.conf is not a conffile"
ok "rawtune: /etc/rawtune/rawtune.conf is a conffile"
deb_files "$(deb librawtune0)" "$work/librawtune0.files"
has librawtune0 "$work/librawtune0.files" "/usr/lib/$ma/librawtune.so.0" \
	"/usr/lib/$ma/librawtune.so.0.[0-9]+.[0-9]+" /usr/share/doc/librawtune0/copyright
dpkg-deb --ctrl-tarfile "$(deb librawtune0)" | tar -xO ./symbols | grep -q '^ rawtune_new@' ||
	die "librawtune0 has no symbols file with rawtune_new"
ok "librawtune0: symbols file, $(dpkg-deb --ctrl-tarfile "$(deb librawtune0)" | tar -xO ./symbols | grep -c '^ rawtune_') symbols"
deb_files "$(deb librawtune-dev)" "$work/librawtune-dev.files"
has librawtune-dev "$work/librawtune-dev.files" /usr/include/rawtune.h "/usr/lib/$ma/librawtune.so" \
	"/usr/lib/$ma/pkgconfig/rawtune.pc" /usr/share/man/man3/librawtune.3.gz

# ---- 5. the unpacked .debs ---------------------------------------------------------
step "the .debs unpacked into a throwaway root"
root="$work/root"
for p in rawtune librawtune0 librawtune-dev; do
	dpkg -x "$(deb $p)" "$root"
done
libdir="$root/usr/lib/$ma"
export LD_LIBRARY_PATH="$libdir"
resolved=$(ldd "$root/usr/sbin/rawtune" | awk '$1 ~ /^librawtune\.so/ { print $3 }')
[[ $resolved == "$libdir/librawtune.so.0" ]] ||
	die "the packaged rawtune finds librawtune at '$resolved', not in the throwaway root"
out=$("$root/usr/sbin/rawtune" --version)
[[ $out == "rawtune $version" ]] || die "packaged rawtune --version said: $out"
ok "packaged rawtune --version, librawtune from the root: $out"
out=$(RAWTUNE_PROFILE_DIR=/nonexistent "$root/usr/sbin/rawtune" show web)
grep -qx 'ports = 80, 443' <<<"$out" || die "packaged rawtune show web said: $out"
ok "packaged rawtune show web reads the built-in profile through the packaged library"
grep -qx 'ExecStart=/usr/sbin/rawtune apply --all' "$root/lib/systemd/system/rawtune.service" ||
	die "the unit does not run /usr/sbin/rawtune apply --all"
ok "rawtune.service runs /usr/sbin/rawtune apply --all"
grep -q '^apply' "$root/etc/rawtune/rawtune.conf" && die "the packaged rawtune.conf applies something"
ok "the packaged rawtune.conf is all comments"
cat >"$work/prog.c" <<'C'
#include <stdio.h>
#include <rawtune.h>
int main(void)
{
	struct rawtune_ctx *ctx;
	struct rawtune_profile *p;

	if (rawtune_new(&ctx) < 0 || rawtune_profile_load(ctx, "dns", &p) < 0)
		return 1;
	printf("%s\n", rawtune_profile_get_ports(p));
	rawtune_profile_unref(p);
	rawtune_unref(ctx);
	return 0;
}
C
flags=$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$libdir/pkgconfig" \
	pkg-config --cflags --libs rawtune)
# shellcheck disable=SC2086 # the flags are separate words
cc -o "$work/prog" "$work/prog.c" $flags || die "cannot build a program with: $flags"
[[ $(RAWTUNE_PROFILE_DIR=/nonexistent "$work/prog") == 53 ]] || die "the program built against librawtune-dev failed"
ok "a program builds with the packaged rawtune.h and rawtune.pc ($flags) and runs"
unset LD_LIBRARY_PATH

# ---- 3. rpm packages ---------------------------------------------------------------
if [[ -n $deb_only ]]; then
	step "rpm: skipped (--deb-only)"
	ok "packages checked: .deb only"
	exit 0
fi
step "rpmbuild -tb"
nodeps=()
if [[ -f /etc/debian_version ]]; then
	# rpm's database on Debian is empty: the build dependencies come from dpkg
	nodeps=(--nodeps)
	echo "(with --nodeps: on Debian the build dependencies are Debian packages, not rpms)"
fi
run rpmbuild rpmbuild -tb "${nodeps[@]}" --define "_topdir $work/rpm" \
	--define 'debug_package %{nil}' "$tarball"
rpms=("$work"/rpm/RPMS/*/*.rpm)
rpm_of() {
	local f
	for f in "${rpms[@]}"; do
		[[ $(rpm -qp --qf '%{NAME}' "$f" 2>/dev/null) == "$1" ]] && { echo "$f"; return; }
	done
	die "no rpm $1 among ${rpms[*]}"
}
ok "built $(cd "$work"/rpm/RPMS && ls -s --block-size=K ./*/*.rpm | tr '\n' ' ')"

step "what the rpms hold"
rpm_files() { rpm -qlp "$1" 2>/dev/null >"$2"; }
rpm_files "$(rpm_of rawtune)" "$work/rawtune.rpmfiles"
unitdir=$(rpm --eval '%{?_unitdir}%{!?_unitdir:/usr/lib/systemd/system}')
has "rawtune (rpm)" "$work/rawtune.rpmfiles" /usr/sbin/rawtune "$unitdir/rawtune.service" \
	/etc/rawtune/rawtune.conf /etc/rawtune/profiles.d \
	/usr/share/bash-completion/completions/rawtune \
	"/usr/share/man/man8/rawtune.8.*" "/usr/share/man/man5/rawtune.conf.5.*" \
	"/usr/share/licenses/rawtune(-[0-9.]+)?/COPYING"
# flags c: %config, n: noreplace
rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$(rpm_of rawtune)" 2>/dev/null |
	grep -qx '/etc/rawtune/rawtune.conf cn' ||
	die "rawtune (rpm): /etc/rawtune/rawtune.conf is not %config(noreplace)"
ok "rawtune (rpm): /etc/rawtune/rawtune.conf is %config(noreplace)"
if command -v rpm2cpio >/dev/null && command -v cpio >/dev/null; then
	rpm2cpio "$(rpm_of rawtune)" | cpio --quiet -i --to-stdout ".$unitdir/rawtune.service" |
		grep -qx 'ExecStart=/usr/sbin/rawtune apply --all' ||
		die "rawtune (rpm): the unit does not run /usr/sbin/rawtune apply --all"
	ok "rawtune (rpm): rawtune.service runs /usr/sbin/rawtune apply --all"
fi
rpmlib=$(rpm --eval '%{_libdir}')
rpm_files "$(rpm_of librawtune)" "$work/librawtune.rpmfiles"
has "librawtune (rpm)" "$work/librawtune.rpmfiles" "$rpmlib/librawtune.so.0" \
	"$rpmlib/librawtune.so.0.[0-9]+.[0-9]+" "/usr/share/licenses/librawtune(-[0-9.]+)?/COPYING.LIB"
rpm_files "$(rpm_of librawtune-devel)" "$work/librawtune-devel.rpmfiles"
has "librawtune-devel (rpm)" "$work/librawtune-devel.rpmfiles" /usr/include/rawtune.h \
	"$rpmlib/librawtune.so" "$rpmlib/pkgconfig/rawtune.pc" "/usr/share/man/man3/librawtune.3.*"
ok "packages checked: .deb and .rpm"
