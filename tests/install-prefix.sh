#!/bin/bash
# "make install DESTDIR=..." of this build writes nothing outside its prefix
# (the systemd unit went to /lib/systemd/system whatever the prefix was),
# unless configure was told a directory outside it. No root needed.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"

builddir=$(cd "$(dirname "$RAWTUNE")/.." && pwd)
prefix=$(sed -n 's/^prefix = //p' "$builddir/Makefile")
[ -n "$prefix" ] || fail "no prefix in $builddir/Makefile"
# a directory that configure was given on purpose may lie outside the prefix
unitdir=$("$builddir/config.status" --config | grep -o "with-systemdsystemunitdir=[^' ]*" |
	sed 's/.*=//')
TEST_TMP=$(mktemp -d)
trap 'rm -rf "$TEST_TMP"' EXIT

make -s -C "$builddir" install DESTDIR="$TEST_TMP/root" >"$TEST_TMP/log" 2>&1 ||
	fail "make install DESTDIR failed: $(tail -5 "$TEST_TMP/log")"
(cd "$TEST_TMP/root" && find . ! -type d | sed 's|^\.||') >"$TEST_TMP/files"
grep -q '/rawtune.service$' "$TEST_TMP/files" || [ "$unitdir" = no ] ||
	fail "make install installed no rawtune.service"
outside=$(grep -v "^$prefix/" "$TEST_TMP/files" | grep -vx "${unitdir:-/nowhere}/rawtune.service")
[ -z "$outside" ] || fail "make install wrote outside the prefix $prefix: $outside"
pass "make install keeps its $(wc -l <"$TEST_TMP/files") files under $prefix"
