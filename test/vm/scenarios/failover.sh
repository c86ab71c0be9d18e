# Scenario: activebackup with a primary fails over when the active port's peer goes down, `nmteam show
# --state` reports the new active port, and the primary takes over again when it comes back (sticky
# false). Then, if this nmteam has `watch`: a deactivated managed team is brought back up, and a port teamd
# does not run is attached again.
. "$(dirname "$0")/lib.sh"

mkveth eth0
mkveth eth1
cat > "$WORK/ab.yaml" <<'YAML'
network_config:
  - type: team
    name: team0
    bonding_options: '{"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"}}'
    addresses: [{ip_netmask: 192.0.2.1/24}]
    members:
      - {type: interface, name: eth0, primary: true}
      - {type: interface, name: eth1}
YAML
emit apply "out=$(json_of nmteam apply "$WORK/ab.yaml" -o json)"
wait_for 15 port_is_active team0 eth0
emit show "label=\"before\"" "out=$(json_of nmteam show --state -o json)"
# The kernel's view of the team's ports, which show --state compares with teamd's (missing_in_teamd).
emit sysfs "lower=$(str "$(ls /sys/class/net/team0 | grep '^lower_' | tr '\n' ' ')")"

ip link set eth0p down
t=$(now); wait_for 15 port_is_active team0 eth1; emit failover "seconds=$(awk -v a="$t" -v b="$(now)" 'BEGIN{print b-a}')" "active=$(str "$(active_port team0)")"
emit show "label=\"failed-over\"" "out=$(json_of nmteam show --state -o json)"
nmteam show -o table > "$OUT/table.txt" 2>&1

ip link set eth0p up
t=$(now); wait_for 15 port_is_active team0 eth0; emit failback "seconds=$(awk -v a="$t" -v b="$(now)" 'BEGIN{print b-a}')" "active=$(str "$(active_port team0)")"
emit show "label=\"restored\"" "out=$(json_of nmteam show --state -o json)"
emit plan "label=\"after\"" "out=$(json_of nmteam plan "$WORK/ab.yaml" -o json)"

# watch: only when this nmteam has it.
if nmteam watch --help >/dev/null 2>&1; then
  nmteam watch "$WORK/ab.yaml" --log-format json > "$OUT/watch.log" 2>&1 &
  watcher=$!
  wait_for 60 grep -q '"reconcile"' "$OUT/watch.log"   # its first pass is done
  before=$(ifindex team0)
  nmcli connection down team0 > "$WORK/down.log" 2>&1
  emit watch-down "state=$(str "$(dev_state team0)")"
  t=$(now); wait_for 60 is_activated team0; up=$?
  wait_for 20 port_is_active team0 eth0
  emit watch "reactivated=$([ $up = 0 ] && echo true || echo false)" "seconds=$(awk -v a="$t" -v b="$(now)" 'BEGIN{print b-a}')" \
    "ifindex_before=$before" "ifindex_after=$(ifindex team0)" "active=$(str "$(active_port team0)")"
  kill "$watcher"; wait "$watcher" || true   # SIGTERM: watch finishes the run in flight and exits

  # A port teamd stops running while the team is up, as when it missed the kernel's port event: nothing in
  # NetworkManager changes, watch's --resync finds it and attaches it again. The test hook makes teamd's answers
  # leave eth1 out from 20 s after watch starts (after its first pass) until eth1 is re-attached (a real miss
  # cannot be made on demand).
  wait_for 30 is_activated eth1
  adds=$(dmesg | grep -c 'team0: Port device eth1 added')
  (export NMTEAM_INJECT_FAULT=teamd-miss:eth1@20; exec node "$REPO/dist/cli.js" watch "$WORK/ab.yaml" --log-format json --resync 5) > "$OUT/watch-teamd.log" 2>&1 &
  watcher=$!
  wait_for 90 grep -q 're-attached eth1' "$OUT/watch-teamd.log"; seen=$?
  kill "$watcher"; wait "$watcher" || true
  wait_for 30 is_activated eth1
  emit watch-teamd "reattached=$([ $seen = 0 ] && echo true || echo false)" "kernel_adds=$(( $(dmesg | grep -c 'team0: Port device eth1 added') - adds ))" \
    "eth1=$(str "$(dev_state eth1)")" "dump=$(json_of teamdctl team0 state dump)"
else
  emit watch "skipped=true"
fi
