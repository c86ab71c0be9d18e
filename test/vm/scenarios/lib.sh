# Sourced by every VM scenario (fixed text; runs inside the guest as root, see test/harness/vm/guest/stage2.sh).
# Results go to $NMTEAM_OUT/results.jsonl, one JSON object per line: {"check": NAME, ...}.
set -u
OUT=${NMTEAM_OUT:?not in the nmteam VM}
REPO=${NMTEAM_REPO:?not in the nmteam VM}
WORK=/var/tmp/nmteam-scenario
mkdir -p "$WORK"
export NMTEAM_STATE_DIR=/run/nmteam

nmteam() { node "$REPO/dist/cli.js" "$@"; }
now() { cut -d' ' -f1 /proc/uptime; }

# A JSON string of $1 (control characters, quotes and backslashes dropped: values here are names and states).
str() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037"\\')"; }
# emit CHECK KEY=JSON... : one result line; each value must already be JSON (use str for text).
emit() {
  check=$1; shift
  line="{\"check\":$(str "$check"),\"t\":$(now)"
  for kv in "$@"; do line="$line,\"${kv%%=*}\":${kv#*=}"; done
  printf '%s}\n' "$line" >> "$OUT/results.jsonl"
}
# A command's JSON output on one line (JSON strings never hold raw newlines), or null when it printed none.
json_of() { out=$("$@" 2>>"$OUT/stderr.log" | tr -d '\n'); [ -n "$out" ] && printf '%s' "$out" || printf 'null'; }

# veth pair NAME <-> NAMEp with the peer up. NetworkManager manages NAME (no udev in the guest).
mkveth() { ip link add "$1" type veth peer name "$1p" && ip link set "$1p" up; }
# peer_bridge NAME...: a namespace 'peer' whose bridge br0 (192.0.2.2/24) joins the far ends NAMEp of the
# veth pairs NAME..., so a team of NAME... reaches 192.0.2.2 through whichever port is active.
peer_bridge() {
  ip netns add peer
  for n in "$@"; do ip link set "${n}p" netns peer; done
  ip netns exec peer ip link add br0 type bridge
  for n in "$@"; do ip netns exec peer ip link set "${n}p" master br0; ip netns exec peer ip link set "${n}p" up; done
  ip netns exec peer sh -c 'ip link set br0 up && ip addr add 192.0.2.2/24 dev br0 && ip link set lo up'
}
ping_peer() { busybox ping -c 2 -W 2 192.0.2.2 >/dev/null 2>&1; }

# wait_for SECONDS CMD...: poll until CMD succeeds; 1 on timeout.
wait_for() {
  limit=$1; shift
  end=$(awk -v n="$(now)" -v l="$limit" 'BEGIN{print n+l}')
  until "$@" >/dev/null 2>&1; do
    awk -v n="$(now)" -v e="$end" 'BEGIN{exit !(n>e)}' && return 1
    sleep 0.2
  done
}
dev_state() { nmcli -g GENERAL.STATE device show "$1" 2>/dev/null | cut -d' ' -f1; }
is_activated() { [ "$(dev_state "$1")" = 100 ]; }
active_port() { teamdctl "$1" state item get runner.active_port 2>/dev/null; }
port_is_active() { [ "$(active_port "$1")" = "$2" ]; }
ifindex() { cat "/sys/class/net/$1/ifindex" 2>/dev/null || echo 0; }
# The active connection's D-Bus path on a device: a new one means it was (re)activated.
con_path() { nmcli -g GENERAL.CON-PATH device show "$1" 2>/dev/null; }
