#!/bin/sh
#
# Create what power's privilege separation needs, as root: one system
# user per process (no login, no home), the admin group for the control
# socket, and the empty chroot directory.  Safe to run again.
#
# usage: power-adduser.sh [chroot-dir]

set -eu

chroot_dir=${1:-/var/empty}

if [ "$(id -u)" != 0 ]; then
	echo "power-adduser.sh: must be run as root" >&2
	exit 1
fi

nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false

if ! getent group _poweradmin >/dev/null; then
	groupadd --system _poweradmin
	echo "created group _poweradmin"
fi
for u in _power _powerinfer _powerattest _powerkey; do
	if ! getent passwd "$u" >/dev/null; then
		useradd --system --user-group --no-create-home \
		    --home-dir "$chroot_dir" --shell "$nologin" \
		    --comment "power privilege separation" "$u"
		echo "created user $u"
	fi
done

# The chroot must be root-owned, not writable by anyone else, and empty.
mkdir -p "$chroot_dir"
chown root:root "$chroot_dir"
chmod 0755 "$chroot_dir"
