#!/usr/bin/env bash
# Runs README's two commands on a fresh Debian 12 machine: a minimal root
# made with debootstrap (once, cached under build/fresh-machine/) from this
# machine's own apt sources, a clean clone of the repository's HEAD inside
# it, then `scripts/main.sh` and `scripts/test.sh` there, as root, in a
# chroot. A machine that had a package installed by hand hides a missing
# dependency; this one has nothing but Debian's minimal base.
#
# Usage: scripts/fresh-machine.sh [--keep] [--only main|test]
#   --keep         keep the used root (build/fresh-machine/last) for a look
#   --only WHICH   run one of the two commands
# Needs root, debootstrap (installed with apt-get when missing) and apt
# reachable. Exit status: 0 when both commands succeeded.
set -euo pipefail

keep=0 only=""
while (($#)); do
  case $1 in
    --keep) keep=1; shift ;;
    --only) [[ $# -ge 2 && ($2 == main || $2 == test) ]] || { echo "fresh-machine.sh: --only takes main or test" >&2; exit 2; }
            only=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-machine.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "fresh-machine.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/build/fresh-machine
base=$cache/bookworm-minbase.tar
log() { printf 'fresh-machine: %s\n' "$*" >&2; }

command -v debootstrap >/dev/null || {
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
}

# This machine's Debian mirror: the first URI of a bookworm source.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[[ -n $mirror ]] || { log "error: no Debian bookworm source in /etc/apt"; exit 2; }

# ---- the base root, made once -----------------------------------------------
mkdir -p "$cache"
if [[ ! -f $base ]]; then
  log "debootstrap --variant=minbase bookworm from $mirror (once)"
  tmp=$(mktemp -d "$cache/.debootstrap.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; log "error: debootstrap failed"; exit 1; }
  # The machine's own Debian sources (third-party ones left out).
  rm -f "$tmp/root/etc/apt/sources.list"
  [[ -f /etc/apt/sources.list.d/debian.sources ]] && cp /etc/apt/sources.list.d/debian.sources "$tmp/root/etc/apt/sources.list.d/"
  [[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$tmp/root/etc/apt/"
  tar -C "$tmp/root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$tmp"
  trap - EXIT
fi

# ---- a fresh copy of it for this run ------------------------------------------
root=$cache/last
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/work"
git clone -q --no-hardlinks "$repo" "$root/work/uapikit"
log "clean clone of $(git -C "$repo" rev-parse --short HEAD) in $root/work/uapikit"

# The commands run in a private mount namespace: the mounts vanish with it.
run_in_root() {  # NAME COMMAND
  local name=$1 command=$2 status=0 t0=$SECONDS
  log "$name: $command"
  unshare --mount --propagation private bash -c '
    set -e
    root=$1
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 TERM=dumb /bin/bash -c "cd /work/uapikit && $2"
  ' _ "$root" "$command" >"$cache/$name.log" 2>&1 || status=$?
  log "$name: exit status $status after $(((SECONDS - t0) / 60)) min; log in $cache/$name.log"
  tail -3 "$cache/$name.log" | sed 's/^/  | /' >&2
  return "$status"
}

status=0
if [[ $only != test ]]; then run_in_root main scripts/main.sh || status=1; fi
if [[ $only != main ]]; then run_in_root test scripts/test.sh || status=1; fi
((keep)) || rm -rf "$root"
if ((status == 0)); then log "README's commands passed on a fresh Debian 12 root"; else log "FAILED on a fresh Debian 12 root"; fi
exit "$status"
