#!/bin/bash
# librawtune exports exactly the functions that rawtune.h declares and
# librawtune.sym lists: no libiptc helper or internal rt_ name leaks out.
# Debian's symbols file lists them all, and librawtune(3) gives each one's
# prototype.
set -u
: "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}"
lib=$(dirname "$RAWTUNE")/../lib/.libs/librawtune.so
[ -e "$lib" ] || { echo "SKIP: no shared library at $lib"; exit 77; }
command -v nm >/dev/null || { echo "SKIP: needs nm"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' | sort >exports.actual
sed -n 's/^\t\(rawtune_[a-z_0-9]*\);$/\1/p' "$TESTS_SRCDIR/../lib/librawtune.sym" | sort >exports.sym
sed -n 's/^[a-z].*[ *]\(rawtune_[a-z_0-9]*\)(.*/\1/p' "$TESTS_SRCDIR/../include/rawtune.h" |
	sort >exports.header
# the Debian symbols file lists them all, or dpkg-gensymbols adds them with a revision
sed -n 's/^ \(rawtune_[a-z_0-9]*\)@.*/\1/p' "$TESTS_SRCDIR/../debian/librawtune0.symbols" |
	sort >exports.debian
# a prototype in the man page: .BI "int rawtune_x(..." or .BI "rawtune_x(..." after .B "type"
sed -n 's/^\.BI* "\([a-z].*[ *]\)\{0,1\}\(rawtune_[a-z_0-9]*\)(.*/\2/p' \
	"$TESTS_SRCDIR/../man/librawtune.3" | sort -u >exports.man
status=0
diff -u exports.sym exports.actual || { echo "FAIL: exports differ from librawtune.sym"; status=1; }
diff -u exports.debian exports.actual || { echo "FAIL: exports differ from debian/librawtune0.symbols"; status=1; }
diff -u exports.header exports.actual || { echo "FAIL: exports differ from rawtune.h"; status=1; }
diff -u exports.man exports.actual || { echo "FAIL: exports differ from librawtune(3)'s prototypes"; status=1; }
[ $status -eq 0 ] && echo "ok: $(wc -l <exports.actual) functions exported, all declared, versioned and documented"
exit $status
