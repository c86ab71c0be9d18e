# Scenario: every runner activates through nmteam; port-only changes (a changed port, an added port)
# attach only those ports; an IP-only and an MTU-only change on active teams are reapplied without
# bouncing them.
. "$(dirname "$0")/lib.sh"

i=0; while [ $i -lt 13 ]; do mkveth "eth$i"; i=$((i+1)); done

# spec FILE TEAM1_PORT3 TEAM0_ADDR TEAM2_MTU TEAM4_EXTRA: six teams, two ports each (team4 maybe three).
spec() {
  cat > "$1" <<YAML
network_config:
  - {type: team, name: team0, bonding_options: '{"runner": {"name": "activebackup"}}', addresses: [{ip_netmask: $3}],
     members: [{type: interface, name: eth0, primary: true}, {type: interface, name: eth1}]}
  - {type: team, name: team1, bonding_options: '{"runner": {"name": "roundrobin"}}',
     members: [{type: interface, name: eth2}, $2]}
  - {type: team, name: team2, bonding_options: '{"runner": {"name": "loadbalance"}}', $4
     members: [{type: interface, name: eth4}, {type: interface, name: eth5}]}
  - {type: team, name: team3, bonding_options: '{"runner": {"name": "broadcast"}}',
     members: [{type: interface, name: eth6}, {type: interface, name: eth7}]}
  - {type: team, name: team4, bonding_options: '{"runner": {"name": "random"}}',
     members: [{type: interface, name: eth8}, {type: interface, name: eth9}$5]}
  - {type: team, name: team5, bonding_options: '{"runner": {"name": "lacp"}}',
     members: [{type: interface, name: eth10}, {type: interface, name: eth11}]}
YAML
}
spec "$WORK/v1.yaml" '{type: interface, name: eth3}' 192.0.2.1/24 'mtu: 1500,' ''
spec "$WORK/v2.yaml" '{type: interface, name: eth3, prio: 10}' 192.0.2.1/24 'mtu: 1500,' ', {type: interface, name: eth12}'
spec "$WORK/v3.yaml" '{type: interface, name: eth3, prio: 10}' 192.0.2.5/24 'mtu: 1400,' ', {type: interface, name: eth12}'

# snapshot LABEL: state, ifindex and active-connection path of every team and port, in one nmcli call
# (each nmcli run reads all of NetworkManager's objects: slow under emulation).
snapshot() {
  nmcli -t -f DEVICE,STATE,CON-PATH device > "$WORK/devs.txt"
  list=
  while IFS=: read -r dev st path; do
    case "$dev" in team*|eth*) ;; *) continue;; esac
    idx=0; [ -r "/sys/class/net/$dev/ifindex" ] && read -r idx < "/sys/class/net/$dev/ifindex"
    list="$list${list:+,}{\"dev\":\"$dev\",\"state\":\"$st\",\"ifindex\":$idx,\"con_path\":\"$path\"}"
  done < "$WORK/devs.txt"
  emit devices "label=\"$1\"" "list=[$list]"
}

t0=$(now)
emit apply "label=\"v1\"" "out=$(json_of nmteam apply "$WORK/v1.yaml" -o json)" "start=$t0"
for t in team0 team1 team2 team3 team4 team5; do
  emit teamd "team=$(str $t)" "dump=$(json_of teamdctl $t state dump)"
done
snapshot v1

emit apply "label=\"v2\"" "out=$(json_of nmteam apply "$WORK/v2.yaml" -o json)"
snapshot v2

emit apply "label=\"v3\"" "out=$(json_of nmteam apply "$WORK/v3.yaml" -o json)"
snapshot v3
emit addr "dev=\"team0\"" "ipv4=$(str "$(ip -4 -o addr show dev team0 | awk '{print $4}' | tr '\n' ' ')")" "mtu2=$(cat /sys/class/net/team2/mtu)"
emit plan "label=\"v3-again\"" "out=$(json_of nmteam plan "$WORK/v3.yaml" -o json)"
nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device > "$OUT/devices.txt"
