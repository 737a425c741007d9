#!/bin/sh
# summary.sh BUILDDIR: one line of counts from automake's test-suite.log
# plus CUnit's own assertion count: "BUILDDIR: P passed, F failed, S skipped".
dir=$1
log=$dir/test-suite.log
[ -f "$log" ] || { echo "$dir: 0 passed, 1 failed, 0 skipped (no test-suite.log)"; exit 0; }
pass=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
xpass=$(sed -n 's/^# XPASS: *//p' "$log" | head -n 1)
err=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -n 1)
fail=$(( ${fail:-0} + ${xpass:-0} + ${err:-0} ))
unit=
if [ -f "$dir/tests/unit/unit.log" ]; then
	unit=$(grep -E '^ +tests +[0-9]' "$dir/tests/unit/unit.log" |
	    awk '{ printf " (CUnit: %s tests, %s passed, %s failed)", $3, $4, $5 }')
fi
echo "$(basename "$dir"): ${pass:-0} passed, $fail failed, ${skip:-0} skipped$unit"
