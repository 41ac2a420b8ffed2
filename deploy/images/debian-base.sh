#!/usr/bin/env bash
# Make the base image every image of deploy/compose.yaml starts from, without an image
# registry: debootstrap Debian bookworm (minbase) from a Debian mirror and import it.
#   deploy/images/debian-base.sh [TAG]        # default cityservice/debian:bookworm
#   DEBIAN_MIRROR=http://mirror.city.example/debian deploy/images/debian-base.sh
# then build with CITY_BASE_IMAGE=<TAG>. Where Docker Hub is reachable, debian:bookworm-slim
# (the compose file's default) is the same userland and this step is not needed.
set -euo pipefail
tag=${1:-cityservice/debian:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "debian-base: $tag exists"
  exit 0
fi
command -v debootstrap >/dev/null || {
  echo "debian-base: needs debootstrap (apt-get install debootstrap), as root" >&2
  exit 1
}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
# Images are built non-interactively and should stay small: no docs, no apt caches.
cat >"$root/etc/apt/apt.conf.d/90cityservice" <<'CONF'
APT::Install-Recommends "false";
Acquire::Languages "none";
CONF
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
echo "debian-base: made $tag from $mirror"
