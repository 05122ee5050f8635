#!/usr/bin/env bash
# Installs the Debian packages a package set needs when they are missing.
#
#   bash scripts/ensure-packages.sh test       # what `npm test` needs (its first step)
#   bash scripts/ensure-packages.sh interop    # the other brokers of `npm run interop`
#   bash scripts/ensure-packages.sh --missing SET   # prints the missing ones, installs nothing
#
# Silent and exit 0 when all are present. Otherwise it says what it installs
# and why, then runs apt-get as root, or through sudo when sudo needs no
# password (`sudo -n true`). When it cannot (no apt-get, not root and no
# passwordless sudo) it prints one message with the command to run and exits
# 1; it also exits 1 when apt-get fails or a package is still missing after.
#
# A program is looked for in the directories of FABMQTT_PACKAGE_DIRS
# (colon-separated), by default $PATH then the four directories where
# scripts/support/mosquitto.ts looks for mosquitto (Debian's is /usr/sbin, often
# not on a user's PATH). The tests set it to hide the programs; apt-get and
# sudo are always looked up on $PATH.
set -uo pipefail

# set | Debian package | what shows it is installed: programs, or absolute
# paths of files | why it is needed
PACKAGES='
test|mosquitto|mosquitto mosquitto_passwd|the broker tests start a real Mosquitto
test|mosquitto-clients|mosquitto_pub mosquitto_sub|the broker tests publish and subscribe with them
test|openssl|openssl|the TLS tests make their certificates with it
interop|rabbitmq-server|/usr/lib/rabbitmq/bin/rabbitmq-server|the interop run starts a RabbitMQ
interop|activemq|/usr/share/activemq/bin/activemq.jar|the interop run starts an ActiveMQ
interop|libmqtt-client-java|/usr/share/java/mqtt-client.jar|ActiveMQ'\''s MQTT codec classes
'

dirs="${FABMQTT_PACKAGE_DIRS:-${PATH}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin}"

# Exit 0 when every program or file in $1 is there, 1 when one is not.
present() {
  local check dir found
  for check in $1; do
    if [[ $check == /* ]]; then
      [ -e "$check" ] || return 1
      continue
    fi
    found=1
    local IFS=:
    for dir in $dirs; do
      if [ -n "$dir" ] && [ -x "$dir/$check" ] && [ ! -d "$dir/$check" ]; then found=0; break; fi
    done
    [ $found -eq 0 ] || return 1
  done
}

usage() {
  echo "usage: bash scripts/ensure-packages.sh [--missing] test|interop" >&2
  exit 2
}

list_only=0
if [ "${1:-}" = "--missing" ]; then list_only=1; shift; fi
[ $# -eq 1 ] || usage
set_name=$1
case $set_name in
  test) for_what="npm test" ;;
  interop) for_what="npm run interop" ;;
  *) usage ;;
esac

missing=()
reasons=()
while IFS='|' read -r set pkg checks why; do
  [ "$set" = "$set_name" ] || continue
  present "$checks" && continue
  missing+=("$pkg")
  reasons+=("  $pkg: $why")
done <<<"$PACKAGES"

if [ $list_only -eq 1 ]; then
  [ ${#missing[@]} -eq 0 ] || printf '%s\n' "${missing[@]}"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0

command_line="sudo apt-get install -y ${missing[*]}"
sudo=()
cannot=""
if ! command -v apt-get >/dev/null 2>&1; then
  cannot="there is no apt-get on this machine (Debian or Ubuntu have it; elsewhere install the same programs with the system's package manager)"
elif [ "$EUID" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    sudo=(sudo)
  else
    cannot="this user is not root, and sudo is missing or asks for a password"
  fi
fi
if [ -n "$cannot" ]; then
  {
    echo "$for_what needs these Debian packages, which are missing:"
    printf '%s\n' "${reasons[@]}"
    echo "They cannot be installed from here: $cannot."
    echo "Install them, then run the same command again:"
    echo "  $command_line"
  } >&2
  exit 1
fi

{
  echo "Installing the Debian packages $for_what needs (missing here):"
  printf '%s\n' "${reasons[@]}"
  echo "Running: ${sudo[*]}${sudo:+ }apt-get update && ${sudo[*]}${sudo:+ }apt-get install -y --no-install-recommends ${missing[*]}"
} >&2
# apt-get as root, or through sudo; only bash built-ins otherwise, so that the
# tests can run this with a PATH of their own.
apt_get() {
  if [ ${#sudo[@]} -gt 0 ]; then sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else DEBIAN_FRONTEND=noninteractive apt-get "$@"; fi
}
if ! apt_get update -qq || ! apt_get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "apt-get failed (above). Install the packages, then run the same command again:" >&2
  echo "  $command_line" >&2
  exit 1
fi

still=()
while IFS='|' read -r set pkg checks why; do
  [ "$set" = "$set_name" ] && ! present "$checks" && still+=("$pkg")
done <<<"$PACKAGES"
if [ ${#still[@]} -gt 0 ]; then
  echo "apt-get installed them, but these are still not found: ${still[*]}" >&2
  exit 1
fi
echo "Installed: ${missing[*]}" >&2
