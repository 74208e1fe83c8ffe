#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The architecture holds: the core's files call each other without a
# circle, the core never includes net-snmp, the public header shows no
# struct of the model or the backend, and nothing runs a shell.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need nm tsort
cd "$top_builddir/src"

note "no two files of the core call each other in a circle, and each room calls only the rooms below it"
objs=$(find . -name 'liblunmapcore_la-*.o' | sort)
[ -n "$objs" ] || fail "no objects of the core in $top_builddir/src"
# "folder/file symbol" for every symbol a file defines, then "user
# provider symbol" triples; a file's room is its first folder under src/
# ("." for the life cycle at the top; the compiled-in schema is the
# model's)
for o in $objs; do
	d=$(dirname "$o"); d=${d#./}
	f=$(basename "$o" .o); f=${f#liblunmapcore_la-}
	[ "$f" != schema_rng ] || d=model
	nm "$o" | awk -v f="$d/$f" 'NF == 3 && $2 ~ /^[TDBR]$/ { print "D", f, $3 } NF == 2 && $1 == "U" { print "U", f, $2 }'
done | awk '$1 == "D" { def[$3] = $2; next } { use[NR] = $2 " " $3 }
	END { for (i in use) { split(use[i], u, " "); if ((u[2] in def) && def[u[2]] != u[1]) print u[1], def[u[2]], u[2] } }' |
	sort -u >calls3.txt
[ -s calls3.txt ] || fail "no calls between the core's files: the check sees nothing"
cut -d' ' -f1,2 calls3.txt | sort -u >calls.txt
if ! tsort calls.txt >/dev/null 2>tsort.err; then
	fail "a circle between the core's files: $(cat tsort.err)"
fi
# the rooms' order (docs/architecture.md): primitives know nothing above
# them; the model knows primitives; persistence knows the model it saves;
# backends know the model they export; the engine (txn, sync) and the
# life cycle (.) know everything below them
for room in util model store backend txn sync .; do
	[ -d "$room" ] || [ "$room" = . ] || fail "no room src/$room"
done
bad=$(awk '{ split($1, a, "/"); split($2, b, "/"); from = a[1]; to = b[1]
	ok["util"] = " util "; ok["model"] = " util model "
	ok["store"] = " util model store "; ok["backend"] = " util model backend "
	if ((from in ok) && index(ok[from], " " to " ") == 0) print $1 " calls " $3 " in " $2 }' calls3.txt)
[ -z "$bad" ] || fail "a room calls a room above it: $bad"
# and includes: what each of those rooms may include, by name (every
# room is on the include path, so any header is one bare name away, and a
# struct layout or an inline function is no symbol nm would show)
headers() { for d in "$@"; do (cd "$top_srcdir/src/$d" && ls -- *.h); done | tr '\n' ' '; }
may_util="config.h lunmap.h $(headers util)"
may_model="$may_util $(headers model) conf.h"
may_store="$may_model $(headers store)"
for room in util model store; do
	eval "may=\$may_$room"
	for f in "$top_srcdir/src/$room"/*.[ch]; do
		for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			case " $may " in *" $h "*) ;; *) fail "src/$room/${f##*/} includes \"$h\", above its room" ;; esac
		done
	done
done

note "the engine calls the stack only through backend.c"
! grep -rn 'ops->' "$top_srcdir/src" --include='*.c' | grep -v "^$top_srcdir/src/backend/" ||
	fail "a backend's ops table used outside src/backend/"
rm -f calls.txt calls3.txt tsort.err

note "src/ includes no net-snmp header, and lunmap.h no struct of the model"
! grep -rlE '#include *<net-snmp/' "$top_srcdir/src" || fail "the core includes net-snmp"
for h in model.h backend.h stack.h inventory.h state.h core.h; do
	! grep -q "#include \"$h\"" "$top_srcdir/src/lunmap.h" || fail "lunmap.h includes $h"
done
! grep -nE '^struct lm_(model|lun|target|backend) \{' "$top_srcdir/src/lunmap.h" || fail "lunmap.h defines a model struct"

note "no shell between lunmap and the stack"
! grep -rnE '\b(system|popen)[[:space:]]*\(' "$top_srcdir/src" "$top_srcdir/subagent" || fail "system() or popen()"
note "the licence: LICENSE, and an SPDX line at the top of every source file"
[ -f "$top_srcdir/LICENSE" ] || fail "no LICENSE"
grep -q "BSD 3-Clause" "$top_srcdir/LICENSE" || fail "LICENSE is not the BSD 3-Clause licence"
# bench/ is not in the distributed tree (make distcheck): only folders there
dirs=$(cd "$top_srcdir" && for d in src subagent tools tests bench scripts; do [ ! -d "$d" ] || echo "$d"; done)
missing=$(cd "$top_srcdir" && find $dirs -type f \
	\( -name '*.[ch]' -o -name '*.sh' -o -name '*.py' -o -perm -u+x \) \
	! -path 'tests/fuzz/corpus/*' ! -path 'tests/fuzz/regress/*' |
	while read -r f; do
		case $f in *.[ch] | *.sh | *.py) ;; *) [ "$(head -c2 "$f")" = '#!' ] || continue ;; esac
		head -3 "$f" | grep -q 'SPDX-License-Identifier: BSD-3-Clause' || echo "$f"
	done)
[ -z "$missing" ] || fail "no SPDX line in: $missing"
echo "layout: all checks passed"
