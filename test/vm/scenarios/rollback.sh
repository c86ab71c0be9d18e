# Scenario: a working active team passes traffic to a peer namespace; a change whose activation fails
# for a real reason (a member that does not exist) is rolled back (journal + NetworkManager checkpoint
# over the team's devices) to the working team, which passes traffic again. Then a member teamd does
# not run after its activation is attached again. Last, the team is converted to a bond (leaving teamd).
. "$(dirname "$0")/lib.sh"

mkveth eth0
mkveth eth1
mkveth eth2
# The peer: a namespace with both veth ends in a bridge, 192.0.2.2.
peer_bridge eth0 eth1

cat > "$WORK/good.yaml" <<'YAML'
network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}}'
    addresses: [{ip_netmask: 192.0.2.1/24}]
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
YAML
# Runner change (the team must be re-activated) plus a member whose device does not exist.
cat > "$WORK/bad.yaml" <<'YAML'
network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "loadbalance"}}'
    addresses: [{ip_netmask: 192.0.2.1/24}]
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
      - {type: interface, name: eth7}
YAML
emit apply "label=\"good\"" "out=$(json_of nmteam apply "$WORK/good.yaml" -o json)"
wait_for 15 port_is_active team0 eth0
wait_for 20 ping_peer; emit ping "label=\"before\"" "ok=$(ping_peer && echo true || echo false)"
emit state "label=\"before\"" "runner=$(str "$(teamdctl team0 state item get setup.runner_name)")" "ifindex=$(ifindex team0)" "con_path=$(str "$(con_path team0)")"

t=$(now)
nmteam apply "$WORK/bad.yaml" -o json > "$WORK/bad.json" 2> "$WORK/bad.err"; rc=$?
emit apply "label=\"bad\"" "code=$rc" "out=$(tr -d '\n' < "$WORK/bad.json")" "stderr=$(str "$(cat "$WORK/bad.err")")" "seconds=$(awk -v a="$t" -v b="$(now)" 'BEGIN{print b-a}')"

wait_for 30 is_activated team0
wait_for 20 port_is_active team0 eth0
wait_for 20 ping_peer; emit ping "label=\"after\"" "ok=$(ping_peer && echo true || echo false)"
emit state "label=\"after\"" "runner=$(str "$(teamdctl team0 state item get setup.runner_name)")" "ifindex=$(ifindex team0)" "con_path=$(str "$(con_path team0)")" \
  "team=$(str "$(dev_state team0)")" "eth0=$(str "$(dev_state eth0)")" "eth1=$(str "$(dev_state eth1)")" \
  "profiles=$(str "$(nmcli -t -f NAME connection show | sort | tr '\n' ' ')")"
emit plan "label=\"good-after\"" "out=$(json_of nmteam plan "$WORK/good.yaml" -o json)"
ls /run/nmteam > "$OUT/state-dir.txt" 2>&1

# more.yaml adds eth2; teamd's answers are made to leave eth2 out until it is re-attached, as when teamd
# missed the kernel's port event (libteam ignores an overflow of its netlink socket: seen in this VM
# under load, not reproducible on demand, since NetworkManager needs teamd's answer right before it
# attaches a port). nmteam must attach eth2 again, and teamd then runs it.
sed 's/      - {type: interface, name: eth1}/&\n      - {type: interface, name: eth2}/' "$WORK/good.yaml" > "$WORK/more.yaml"
(export NMTEAM_INJECT_FAULT=teamd-miss:eth2; nmteam apply "$WORK/more.yaml" -o json > "$WORK/more.json" 2>"$WORK/more.err")
emit apply "label=\"more\"" "out=$(if [ -s "$WORK/more.json" ]; then tr -d '\n' < "$WORK/more.json"; else printf null; fi)" \
  "stderr=$(str "$(cat "$WORK/more.err")")" "kernel_adds=$(dmesg | grep -c 'team0: Port device eth2 added')" "eth2=$(str "$(dev_state eth2)")"
emit teamd "dump=$(json_of teamdctl team0 state dump)"

# Leaving teamd: the working team becomes a bond of the same name (convert --to-bond --from-nm --apply), which
# the kernel's bonding driver runs with eth0 (the team's prio-100 port) as its primary, passing traffic again.
nmteam convert --to-bond --from-nm team0 --apply --detailed-exit-codes > "$WORK/tobond.out" 2> "$WORK/tobond.err"; rc=$?
wait_for 20 is_activated team0
wait_for 20 ping_peer
emit tobond "code=$rc" "out=$(str "$(tr '\n' ';' < "$WORK/tobond.out")")" "stderr=$(str "$(cat "$WORK/tobond.err")")" \
  "type=$(str "$(nmcli -g GENERAL.TYPE device show team0)")" "team=$(str "$(dev_state team0)")" \
  "bonding=$(str "$(grep -E '^(Bonding Mode|Primary Slave|Currently Active Slave|Slave Interface):' /proc/net/bonding/team0 | tr '\n' ';')")" \
  "teamd=$(teamdctl team0 state >/dev/null 2>&1 && echo true || echo false)" "ping=$(ping_peer && echo true || echo false)" \
  "profiles=$(str "$(nmcli -t -f NAME,TYPE connection show | sort | tr '\n' ' ')")"
