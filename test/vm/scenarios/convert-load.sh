# Scenario: live conversion on a busy machine. A working team passes traffic to a peer namespace; with
# both guest CPUs kept busy by a load generator, it becomes a bond of the same name (convert --to-bond
# --from-nm --apply) and then a team again (convert --from-nm --apply), several rounds in a row. Each
# conversion deletes a device of one type and activates one of the other type under the same name:
# nmteam must wait until NetworkManager has removed the old device (on its signals) before it activates.
. "$(dirname "$0")/lib.sh"
ROUNDS=${NMTEAM_CONVERT_ROUNDS:-3}

mkveth eth0
mkveth eth1
ip netns add peer
ip link set eth0p netns peer
ip link set eth1p netns peer
ip netns exec peer sh -c 'ip link add br0 type bridge && ip link set eth0p master br0 && ip link set eth1p master br0 &&
  ip link set eth0p up && ip link set eth1p up && ip link set br0 up && ip addr add 192.0.2.2/24 dev br0 && ip link set lo up'
ping_peer() { busybox ping -c 2 -W 2 192.0.2.2 >/dev/null 2>&1; }
dev_type() { nmcli -g GENERAL.TYPE device show "$1" 2>/dev/null; }

cat > "$WORK/team.yaml" <<'YAML'
network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}}'
    addresses: [{ip_netmask: 192.0.2.1/24}]
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
YAML
emit apply "out=$(json_of nmteam apply "$WORK/team.yaml" -o json)"
wait_for 20 ping_peer; emit ping "label=\"before\"" "ok=$(ping_peer && echo true || echo false)"

# The load: one busy loop per guest CPU, for the whole of the conversions.
load=""
for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & load="$load $!"; done
emit load "cpus=$(nproc)" "loops=$(echo $load | wc -w)"

convert() { # LABEL ROUND ARGS...
  label=$1 round=$2; shift 2
  t=$(now)
  nmteam convert "$@" --apply --detailed-exit-codes > "$WORK/$label.out" 2> "$WORK/$label.err"; rc=$?
  took=$(awk -v a="$t" -v b="$(now)" 'BEGIN{print b-a}')
  wait_for 30 is_activated team0
  wait_for 30 ping_peer
  emit "$label" "round=$round" "code=$rc" "seconds=$took" "out=$(str "$(tr '\n' ';' < "$WORK/$label.out")")" "stderr=$(str "$(cat "$WORK/$label.err")")" \
    "type=$(str "$(dev_type team0)")" "state=$(str "$(dev_state team0)")" "ping=$(ping_peer && echo true || echo false)" \
    "profiles=$(str "$(nmcli -t -f NAME,TYPE connection show | sort | tr '\n' ' ')")"
}
for round in $(seq "$ROUNDS"); do
  convert tobond "$round" --to-bond --from-nm team0
  convert toteam "$round" --from-nm team0
done
kill $load 2>/dev/null
emit plan "out=$(json_of nmteam plan --scope convert "$WORK/team.yaml" -o json)"
