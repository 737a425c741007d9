#!/bin/sh
# As root, every child runs under its own uid and gid, with no
# capabilities, no_new_privs, a seccomp filter, and the empty chroot as
# its root; the parent alone stays root.
tid="privsep"
. "$(dirname "$0")/test-exec.sh"
need_root

start_family
chroot_dir=$(cd "$OBJ/empty" && pwd -P)

check() {
	name=$1
	user=$2
	pid=$(pid_of "$name") || fail "no $name"
	st=/proc/$pid/status
	uid=$(id -u "$user")
	gid=$(id -g "$user")
	grep -q "^Uid:	$uid	$uid	$uid	$uid$" "$st" ||
	    fail "$name uid: $(grep ^Uid: "$st"), want $uid"
	grep -q "^Gid:	$gid	$gid	$gid	$gid$" "$st" ||
	    fail "$name gid: $(grep ^Gid: "$st"), want $gid"
	grep -q "^Groups:	$gid *$" "$st" ||
	    fail "$name groups: $(grep ^Groups: "$st")"
	for c in CapInh CapPrm CapEff CapAmb; do
		grep -q "^$c:	0000000000000000$" "$st" ||
		    fail "$name $c: $(grep "^$c:" "$st")"
	done
	grep -q '^NoNewPrivs:	1$' "$st" || fail "$name without no_new_privs"
	grep -q '^Seccomp:	2$' "$st" || fail "$name without a seccomp filter"
	root=$(readlink "/proc/$pid/root")
	[ "$root" = "$chroot_dir" ] || fail "$name root is $root, not $chroot_dir"
}

check network _power
check inferd _powerinfer
check attestd _powerattest
check keyd _powerkey

grep -q '^Uid:	0	0	0	0$' "/proc/$FRONTD_PID/status" ||
    fail "parent is not root"
pass
