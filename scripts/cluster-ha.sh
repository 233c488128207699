# shellcheck shell=bash
# High availability for scripts/cluster (sourced by it; `up --ha`; docs/deploying.md, "HA on one host"):
# one ZooKeeper, three JournalNodes, two NameNodes with a ZKFC each, and two ResourceManagers with their
# state in ZooKeeper. Failover is automatic for both, as production clusters run it: the ZKFCs make a
# NameNode active through ZooKeeper, the RMs elect their active one there themselves (embedded elector);
# `hdfs haadmin` / `yarn rmadmin` are not needed. Everything on 127.0.0.1: both NameNodes (and both RMs)
# match the local address, so each gets its own conf dir naming its id.

# hdfs-site properties of the nameservice (client and daemons alike).
ha_hdfs_props() { # data_dir
  prop dfs.nameservices "$NAMESERVICE"
  prop "dfs.ha.namenodes.$NAMESERVICE" nn1,nn2
  local i
  for i in 1 2; do
    prop "dfs.namenode.rpc-address.$NAMESERVICE.nn$i" "$HOST:${NN_RPCS[$((i - 1))]}"
    prop "dfs.namenode.http-address.$NAMESERVICE.nn$i" "$HOST:${NN_HTTPS[$((i - 1))]}"
  done
  prop dfs.namenode.shared.edits.dir "qjournal://$HOST:${JN_RPC[0]};$HOST:${JN_RPC[1]};$HOST:${JN_RPC[2]}/$NAMESERVICE"
  prop "dfs.client.failover.proxy.provider.$NAMESERVICE" org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider
  prop dfs.ha.automatic-failover.enabled true
  # The old active is a process on this host that is killed or has exited: nothing to fence.
  prop dfs.ha.fencing.methods 'shell(/bin/true)'
  # The standby tails the JournalNodes' edits every second, so reads after a failover see recent writes.
  prop dfs.ha.tail-edits.period 1s
  prop ha.zookeeper.session-timeout.ms 5000
}

# yarn-site properties of the RM pair (client, RMs and NodeManagers alike).
ha_yarn_props() {
  prop yarn.resourcemanager.ha.enabled true
  prop yarn.resourcemanager.ha.automatic-failover.enabled true
  prop yarn.resourcemanager.ha.automatic-failover.embedded true
  prop yarn.resourcemanager.cluster-id "$NAMESERVICE"
  prop yarn.resourcemanager.ha.rm-ids rm1,rm2
  prop hadoop.zk.address "$HOST:$ZK_PORT"
  # Embedded failover in 3.5.0 still reads the old name (the RM refuses to start without it).
  prop yarn.resourcemanager.zk-address "$HOST:$ZK_PORT"
  prop yarn.resourcemanager.zk-timeout-ms 5000
  local i j
  for i in 1 2; do
    j=$((i - 1))
    prop "yarn.resourcemanager.hostname.rm$i" "$HOST"
    prop "yarn.resourcemanager.webapp.address.rm$i" "$HOST:${RM_WEBS[$j]}"
    prop "yarn.resourcemanager.address.rm$i" "$HOST:${RM_RPCS[$j]}"
    prop "yarn.resourcemanager.scheduler.address.rm$i" "$HOST:${RM_SCHEDULERS[$j]}"
    prop "yarn.resourcemanager.resource-tracker.address.rm$i" "$HOST:${RM_TRACKERS[$j]}"
    prop "yarn.resourcemanager.admin.address.rm$i" "$HOST:${RM_ADMINS[$j]}"
  done
  # Clients and NodeManagers fail over to the other RM within seconds rather than the stock 15 retries.
  prop yarn.client.failover-sleep-base-ms 200
  prop yarn.client.failover-sleep-max-ms 1000
}

# A copy of $CONF with extra properties in one file: ha_derive <dir> <file> <<props
ha_derive() {
  local dir=$1 file=$2
  mkdir -p "$dir"
  cp "$CONF/core-site.xml" "$CONF/hdfs-site.xml" "$CONF/yarn-site.xml" "$CONF/capacity-scheduler.xml" "$CONF/log4j.properties" "$dir/"
  { sed '/<\/configuration>/d' "$CONF/$file"; cat; echo '</configuration>'; } >"$dir/$file.tmp"
  mv "$dir/$file.tmp" "$dir/$file"
}

ha_daemon_confs() { # data_dir
  local data=$1 i
  for i in 1 2; do
    ha_derive "$STATE/ha/nn$i" hdfs-site.xml <<EOP
$(prop dfs.ha.namenode.id "nn$i")
$(prop dfs.namenode.name.dir "file://$data/nn$i")
$(prop dfs.ha.zkfc.port "${ZKFC_PORTS[$((i - 1))]}")
EOP
    ha_derive "$STATE/ha/rm$i" yarn-site.xml <<EOP
$(prop yarn.resourcemanager.ha.id "rm$i")
EOP
  done
  for i in 1 2 3; do
    ha_derive "$STATE/ha/jn$i" hdfs-site.xml <<EOP
$(prop dfs.journalnode.edits.dir "$data/jn$i")
$(prop dfs.journalnode.rpc-address "$HOST:${JN_RPC[$((i - 1))]}")
$(prop dfs.journalnode.http-address "$HOST:${JN_HTTP[$((i - 1))]}")
EOP
  done
  mkdir -p "$data/zk"
  cat >"$STATE/ha/zoo.cfg" <<EOP
# Written by scripts/cluster; a standalone ZooKeeper (one server) for ZKFC and the RMs' leader election.
tickTime=1000
dataDir=$data/zk
clientPort=$ZK_PORT
clientPortAddress=$HOST
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
EOP
}

# daemon_spec for the HA daemons: sets CLASS HEAP DCONF ARGS; returns 1 for a daemon it does not know.
# Heaps are smaller than the plain cluster's NameNode (512m) and RM (768m): thirteen JVMs share the
# machine with the jobs, and a test cluster's NameNode and RM use well under 200 MB of heap.
ha_daemon_spec() {
  ARGS=()
  case $1 in
    zookeeper) CLASS=org.apache.zookeeper.server.ZooKeeperServerMain HEAP=128m DCONF=$CONF ARGS=("$STATE/ha/zoo.cfg") ;;
    journalnode[123]) CLASS=org.apache.hadoop.hdfs.qjournal.server.JournalNode HEAP=128m DCONF="$STATE/ha/jn${1#journalnode}" ;;
    namenode) CLASS=org.apache.hadoop.hdfs.server.namenode.NameNode HEAP=384m DCONF="$STATE/ha/nn1" ;;
    namenode2) CLASS=org.apache.hadoop.hdfs.server.namenode.NameNode HEAP=384m DCONF="$STATE/ha/nn2" ;;
    zkfc[12]) CLASS=org.apache.hadoop.hdfs.tools.DFSZKFailoverController HEAP=128m DCONF="$STATE/ha/nn${1#zkfc}" ;;
    resourcemanager) CLASS=org.apache.hadoop.yarn.server.resourcemanager.ResourceManager HEAP=512m DCONF="$STATE/ha/rm1" ;;
    resourcemanager2) CLASS=org.apache.hadoop.yarn.server.resourcemanager.ResourceManager HEAP=512m DCONF="$STATE/ha/rm2" ;;
    *) return 1 ;;
  esac
}

# HA state of a NameNode (active|standby|...) or RM (ACTIVE|STANDBY|...), empty when it does not answer.
ha_nn_state() { # 1|2
  http_json "http://$HOST:${NN_HTTPS[$(($1 - 1))]}/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus" | jq -r '.beans[0].State // empty'
}
ha_rm_state() { # 1|2
  http_json "http://$HOST:${RM_WEBS[$(($1 - 1))]}/ws/v1/cluster/info" | jq -r 'if .clusterInfo.state == "STARTED" then .clusterInfo.haState else empty end'
}
# Point NN_HTTP / RM_WEB at the active one (for the health checks of DataNode and NodeManagers, kill_apps).
ha_follow_active() {
  local i
  for i in 1 2; do [[ $(ha_nn_state "$i") == active ]] && NN_HTTP=${NN_HTTPS[$((i - 1))]}; done
  for i in 1 2; do [[ $(ha_rm_state "$i") == ACTIVE ]] && RM_WEB=${RM_WEBS[$((i - 1))]}; done
  return 0
}

ha_healthy() { # daemon; returns 2 for a daemon it does not know
  case $1 in
    zookeeper)
      local reply
      reply=$(exec 3<>"/dev/tcp/$HOST/$ZK_PORT" && printf ruok >&3 && timeout 3 cat <&3) 2>/dev/null || return 1
      [[ $reply == imok ]]
      ;;
    journalnode[123])
      http_json "http://$HOST:${JN_HTTP[$((${1#journalnode} - 1))]}/jmx?qry=Hadoop:service=JournalNode,name=JvmMetrics" >/dev/null
      ;;
    namenode | namenode2)
      local s
      s=$(ha_nn_state "$([[ $1 == namenode ]] && echo 1 || echo 2)")
      [[ $s == active || $s == standby ]]
      ;;
    zkfc[12])
      # Healthy once its RPC port answers and one NameNode is active (the first ZKFC up makes its own so).
      (exec 3<>"/dev/tcp/$HOST/${ZKFC_PORTS[$((${1#zkfc} - 1))]}") 2>/dev/null || return 1
      [[ $(ha_nn_state 1) == active || $(ha_nn_state 2) == active ]]
      ;;
    resourcemanager | resourcemanager2)
      local s
      s=$(ha_rm_state "$([[ $1 == resourcemanager ]] && echo 1 || echo 2)")
      [[ $s == ACTIVE || $s == STANDBY ]]
      ;;
    datanode | nodemanager1 | nodemanager2) ha_follow_active; return 2 ;;
    *) return 2 ;;
  esac
}

# The shared edits are formatted with the first NameNode; the second copies its namespace.
ha_format() {
  local data="$STATE/data-$HADOOP_VERSION$DATA_SUFFIX"
  local -a cmd
  if [[ ! -f "$data/nn1/current/VERSION" ]]; then
    log "formatting namenode (nn1) and the JournalNodes ($data)"
    mapfile -d '' cmd < <(java_cmd namenode-format 256m org.apache.hadoop.hdfs.server.namenode.NameNode -format -nonInteractive -force)
    CLASSPATH="$STATE/ha/nn1:$CLASSPATH_JARS" "${cmd[@]}" >"$LOGS/namenode-format.log" 2>&1 ||
      { tail -n 30 "$LOGS/namenode-format.log" >&2; die "NameNode format failed"; }
  fi
}
# The ZKFCs' znode (/hadoop-ha/<ns>) is made afresh whenever neither ZKFC runs: it only holds the
# election, and a breadcrumb left by an earlier run (another port offset) would stop the ZKFC that wins
# from fencing ("Mismatched address stored in ZK"). The RMs' state store (/rmstore) is not touched.
ha_format_zk() {
  alive zkfc1 || alive zkfc2 && return 0
  local -a cmd
  mapfile -d '' cmd < <(java_cmd zkfc-format 128m org.apache.hadoop.hdfs.tools.DFSZKFailoverController -formatZK -force -nonInteractive)
  CLASSPATH="$STATE/ha/nn1:$CLASSPATH_JARS" "${cmd[@]}" >"$LOGS/zkfc-format.log" 2>&1 ||
    { tail -n 30 "$LOGS/zkfc-format.log" >&2; die "ZKFC -formatZK failed (log: $LOGS/zkfc-format.log)"; }
}
ha_bootstrap_standby() {
  local data="$STATE/data-$HADOOP_VERSION$DATA_SUFFIX"
  local -a cmd
  [[ -f "$data/nn2/current/VERSION" ]] && return 0
  log "bootstrapping namenode2 (nn2) from namenode"
  mapfile -d '' cmd < <(java_cmd namenode-bootstrap 256m org.apache.hadoop.hdfs.server.namenode.NameNode -bootstrapStandby -force -nonInteractive)
  CLASSPATH="$STATE/ha/nn2:$CLASSPATH_JARS" "${cmd[@]}" >"$LOGS/namenode2-bootstrap.log" 2>&1 ||
    { tail -n 30 "$LOGS/namenode2-bootstrap.log" >&2; die "namenode2 -bootstrapStandby failed"; }
}

ha_up() {
  local d
  start_daemon zookeeper
  for d in journalnode1 journalnode2 journalnode3; do start_daemon "$d"; done
  wait_healthy zookeeper 60
  for d in journalnode1 journalnode2 journalnode3; do wait_healthy "$d" 60; done
  ha_format
  start_daemon namenode
  start_daemon resourcemanager
  start_daemon resourcemanager2
  # The first NameNode serves its image to the second's bootstrap once up (as standby: no ZKFC yet).
  local deadline=$((SECONDS + 120))
  until [[ -n $(ha_nn_state 1) ]]; do
    # Asked twice, as in wait_healthy: the cmdline reads empty while setsid and nohup exec java.
    alive namenode || { sleep 0.2; alive namenode; } ||
      { tail -n 40 "$LOGS/namenode.log" >&2; die "namenode exited during start-up (log: $LOGS/namenode.log)"; }
    ((SECONDS < deadline)) || die "namenode not up after 120 s (log: $LOGS/namenode.log)"
    sleep 0.5
  done
  ha_bootstrap_standby
  start_daemon namenode2
  wait_healthy namenode2 120
  ha_format_zk
  start_daemon zkfc1
  wait_healthy zkfc1 60
  start_daemon zkfc2
  start_daemon datanode
  start_daemon nodemanager1
  start_daemon nodemanager2
  for d in resourcemanager resourcemanager2 datanode nodemanager1 nodemanager2; do wait_healthy "$d" 120; done
  ha_wait_active 60
  ha_follow_active
  log "active: namenode$( [[ $NN_HTTP == "${NN_HTTPS[1]}" ]] && echo 2) (http $HOST:$NN_HTTP), resourcemanager$(
    [[ $RM_WEB == "${RM_WEBS[1]}" ]] && echo 2) (http $HOST:$RM_WEB); failover is automatic (ZKFC for HDFS, the RMs' own ZooKeeper election)"
}

# Until one NameNode and one ResourceManager are active (each daemon's health accepts standby too).
ha_wait_active() { # timeout_s
  local deadline=$((SECONDS + $1))
  until [[ $(ha_nn_state 1) == active || $(ha_nn_state 2) == active ]] &&
    [[ $(ha_rm_state 1) == ACTIVE || $(ha_rm_state 2) == ACTIVE ]]; do
    ((SECONDS < deadline)) || die "no active NameNode and ResourceManager after $1 s (logs: $LOGS/zkfc1.log, $LOGS/resourcemanager.log)"
    sleep 0.5
  done
}

# Stopping: the NodeManagers are already down; RMs, DataNode and ZKFCs (which would otherwise promote the
# NameNode that stops second), then the NameNodes, then what they need (JournalNodes, ZooKeeper).
ha_down() {
  local d
  for d in resourcemanager resourcemanager2 datanode zkfc1 zkfc2; do stop_daemon "$d" & done
  wait
  for d in namenode namenode2; do stop_daemon "$d" & done
  wait
  for d in journalnode1 journalnode2 journalnode3 zookeeper; do stop_daemon "$d" & done
  wait
}

# Status suffix: which NameNode / RM is active.
ha_status_note() {
  case $1 in
    namenode) echo " $(ha_nn_state 1)" ;;
    namenode2) echo " $(ha_nn_state 2)" ;;
    resourcemanager) echo " $(ha_rm_state 1)" ;;
    resourcemanager2) echo " $(ha_rm_state 2)" ;;
  esac
}
