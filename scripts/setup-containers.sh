#!/usr/bin/env bash
# Installs what builds and runs the images on this machine (npm run images:build, the cluster
# tests' node): podman with runc, containerd, the CNI plugins, mmdebstrap (the local base images)
# and uidmap, all from Debian; then sets the few containers.conf keys podman needs here:
#   [engine]     runtime = "runc", cgroup_manager = "cgroupfs"  (crun rejects this cgroup layout;
#                                                                 no systemd to manage cgroups)
#   [containers] default_ulimits = nofile/nproc within the host's own limits (podman's defaults
#                                  are above them, and raising an rlimit is refused)
# Only those keys are written; the rest of the file is kept. Running it again changes nothing.
set -euo pipefail

PACKAGES=(podman runc containerd containernetworking-plugins mmdebstrap uidmap)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup:containers: apt-get install ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup:containers: please install ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]}); the image builds need them" >&2
    exit 1
  fi
fi

if [ "$(id -u)" = 0 ]; then
  CONF=/etc/containers/containers.conf
else
  CONF="${XDG_CONFIG_HOME:-$HOME/.config}/containers/containers.conf"
fi
mkdir -p "$(dirname "$CONF")"
touch "$CONF"

# set_key SECTION KEY VALUE: replaces KEY's line in [SECTION], or adds it under the section header
# (and the header at the end of the file when the section is missing).
set_key() {
  local tmp="$CONF.tmp-$$"
  awk -v section="$1" -v key="$2" -v value="$3" '
    function emit() { print key " = " value; done = 1 }
    function flush() { for (; blanks > 0; blanks--) print "" }
    /^[[:space:]]*$/ { blanks++; next }
    /^[[:space:]]*\[/ {
      if (in_section && !done) emit()
      flush()
      in_section = ($0 ~ "^[[:space:]]*\\[" section "\\][[:space:]]*$")
      print
      next
    }
    { flush() }
    in_section && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" { if (!done) emit(); next }
    { print }
    END {
      if (in_section && !done) emit()
      flush()
      if (!done) { if (NR > 0) print ""; print "[" section "]"; emit() }
    }' "$CONF" >"$tmp"
  if cmp -s "$tmp" "$CONF"; then rm -f "$tmp"; else mv "$tmp" "$CONF"; fi
}

# The host's own limits bound the containers' (podman's defaults ask for more than it has).
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
[ "$nproc" = unlimited ] && nproc=4096
[ "$nofile" -gt 1048576 ] && nofile=1048576
[ "$nproc" -gt 4096 ] && nproc=4096

set_key engine runtime '"runc"'
set_key engine cgroup_manager '"cgroupfs"'
set_key containers default_ulimits "[\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
echo "setup:containers: $CONF has runtime=runc, cgroup_manager=cgroupfs, ulimits nofile=$nofile nproc=$nproc"
