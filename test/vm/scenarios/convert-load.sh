# Scenario: live conversion on a busy machine. A working team passes traffic to a peer namespace; with
# both guest CPUs kept busy by a load generator, it becomes a bond of the same name (convert --to-bond
# --from-nm --apply) and then a team again (convert --from-nm --apply), two rounds in a row. Each
# conversion deletes a device of one type and activates one of the other type under the same name:
# nmteam must wait until NetworkManager has removed the old device (on its signals) before it activates.
. "$(dirname "$0")/lib.sh"
ROUNDS=${NMTEAM_CONVERT_ROUNDS:-2}

mkveth eth0
mkveth eth1
peer_bridge eth0 eth1
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
# A live team made by hand with nmcli, as the RHEL 7 guide does it, taken over with apply --adopt: one write per
# profile (the marker), no activation, so the team keeps its ifindex, its teamd and its traffic.
nmcli con add type team con-name team0 ifname team0 team.config '{"runner": {"name": "activebackup"}}' \
  ipv4.method manual ipv4.addresses 192.0.2.1/24 ipv6.method ignore >/dev/null
nmcli con add type ethernet con-name team0-port1 ifname eth0 master team0 slave-type team team-port.config '{"prio": 100}' >/dev/null
nmcli con add type ethernet con-name team0-port2 ifname eth1 master team0 slave-type team >/dev/null
nmcli con up team0 >/dev/null 2>&1
wait_for 30 is_activated team0
wait_for 20 port_is_active team0 eth0
wait_for 20 ping_peer; emit ping "label=\"before\"" "ok=$(ping_peer && echo true || echo false)"
teamd_pid() { busybox pidof teamd; }
before_ifindex=$(ifindex team0) before_pid=$(teamd_pid) before_con=$(con_path team0)
# 20 pings 0.2 s apart, across the adoption; every one must be answered.
busybox ping -c 20 -i 0.2 -W 1 192.0.2.2 > "$WORK/adopt-ping.txt" 2>&1 & pinger=$!
sleep 1
emit adopt "out=$(json_of nmteam apply --adopt "$WORK/team.yaml" -o json)"
wait $pinger
emit adopted "ifindex_same=$([ "$(ifindex team0)" = "$before_ifindex" ] && echo true || echo false)" \
  "teamd_same=$([ -n "$before_pid" ] && [ "$(teamd_pid)" = "$before_pid" ] && echo true || echo false)" \
  "con_same=$([ "$(con_path team0)" = "$before_con" ] && echo true || echo false)" \
  "ping=$(str "$(grep -E 'packets transmitted' "$WORK/adopt-ping.txt")")" \
  "again=$(json_of nmteam plan "$WORK/team.yaml" -o json)"

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
