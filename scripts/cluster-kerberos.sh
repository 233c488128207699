# shellcheck shell=bash
# Kerberos for scripts/cluster (`up --kerberos`), sourced by it: an MIT KDC on 127.0.0.1, the realm, the
# principals and their keytabs, and the Hadoop keys that turn the daemons secure. Everything lives under
# $STATE/kerberos; the KDC's log is $LOGS/kdc.log like any daemon's.
#
# Why MIT Kerberos (Debian's krb5-kdc) rather than Hadoop's MiniKdc: no sixth JVM on a small machine (the
# KDC starts in well under a second), the stock kinit/klist/kvno and `curl --negotiate` to debug with, and
# the same libkrb5 the client's GSSAPI binding will use (issue #15).
#
# Naming: every daemon binds `localhost`, so `_HOST` in each principal becomes `localhost`, and reverse
# lookups of 127.0.0.1 (which Hadoop's service authorization does) give the same name. Clients must use
# http://localhost:… too: SPNEGO asks for HTTP/<host of the URL>.

REALM=SPINDLE.TEST
KRB_DIR="$STATE/kerberos"
KDC_PORT=$((10088 + OFF))
KRB5_CONF_FILE="$KRB_DIR/krb5.conf"
# Service principals (host part localhost) and the keytab of each; each principal is exported exactly once,
# since every `ktadd` randomizes the key again and invalidates earlier keytabs.
KRB_SERVICES=(nn dn rm nm HTTP)

krb_need_tools() {
  local t
  for t in krb5kdc kdb5_util kadmin.local kinit; do
    command -v "$t" >/dev/null 2>&1 || [[ -x /usr/sbin/$t ]] ||
      die "$t not found: install MIT Kerberos (apt-get install krb5-kdc krb5-admin-server krb5-user)"
  done
  PATH="$PATH:/usr/sbin"
}

# The environment of every MIT tool this script runs, and of curl's health checks: a ticket of the user
# principal in a cache of the script's own, never the user's.
krb_env() {
  export KRB5_CONFIG="$KRB5_CONF_FILE" KRB5_KDC_PROFILE="$KRB_DIR/kdc.conf"
  export KRB5CCNAME="FILE:$KRB_DIR/script.ccache" KRB5RCACHEDIR="$KRB_DIR"
}

krb_write_conf() {
  mkdir -p "$KRB_DIR/db" "$LOGS"
  chmod 700 "$KRB_DIR"
  cat >"$KRB_DIR/kdc.conf" <<EOF
# Written by scripts/cluster; rewritten on every up.
[kdcdefaults]
  kdc_listen = 127.0.0.1:$KDC_PORT
  kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
  $REALM = {
    database_name = $KRB_DIR/db/principal
    key_stash_file = $KRB_DIR/db/stash
    acl_file = $KRB_DIR/kadm5.acl
    max_life = 24h
    max_renewable_life = 7d
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:$LOGS/kdc.log
  admin_server = FILE:$KRB_DIR/kadmin.log
  default = FILE:$KRB_DIR/krb5.log
EOF
  : >"$KRB_DIR/kadm5.acl"
  # TCP only (udp_preference_limit = 1), no DNS: host names are taken as written (localhost).
  cat >"$KRB5_CONF_FILE" <<EOF
# Written by scripts/cluster; rewritten on every up. Use with KRB5_CONFIG=$KRB5_CONF_FILE
[libdefaults]
  default_realm = $REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
  dns_canonicalize_hostname = false
  udp_preference_limit = 1
  ticket_lifetime = 24h
  renew_lifetime = 7d
  forwardable = true
  # One host, one clock: 10 s of tolerated skew (default 5 minutes) lets a test see an expired ticket
  # refused seconds after it ends.
  clockskew = 10
[realms]
  $REALM = {
    kdc = 127.0.0.1:$KDC_PORT
  }
[domain_realm]
  localhost = $REALM
EOF
}

krb_keytab() { printf '%s/%s.keytab' "$KRB_DIR" "$1"; }

# The realm is made once; a missing keytab (or database) makes it anew, keys and all.
krb_create_realm() {
  local k complete=1
  for k in "${KRB_SERVICES[@]}" user other; do [[ -s $(krb_keytab "$k") ]] || complete=0; done
  [[ -f "$KRB_DIR/db/principal" && $complete == 1 ]] && return 0
  alive kdc && stop_daemon kdc
  log "creating the Kerberos realm $REALM ($KRB_DIR)"
  rm -rf "$KRB_DIR/db" "$KRB_DIR"/*.keytab "$KRB_DIR/script.ccache"
  mkdir -p "$KRB_DIR/db"
  # The master key only protects the database file, which the stash file unlocks anyway: a random one,
  # fed on stdin and never kept.
  local master
  master=$(head -c 24 /dev/urandom | base64)
  printf '%s\n%s\n' "$master" "$master" | kdb5_util -r "$REALM" create -s >"$KRB_DIR/kdb5_util.log" 2>&1 ||
    { cat "$KRB_DIR/kdb5_util.log" >&2; die "kdb5_util could not create the realm's database"; }
  local -a q=()
  for k in "${KRB_SERVICES[@]}"; do q+=("addprinc -randkey $k/localhost" "ktadd -k $(krb_keytab "$k") $k/localhost"); done
  q+=("addprinc -randkey $USER_NAME" "ktadd -k $(krb_keytab user) $USER_NAME")
  q+=("addprinc -randkey other" "ktadd -k $(krb_keytab other) other")
  local c
  for c in "${q[@]}"; do
    kadmin.local -r "$REALM" -q "$c" >>"$KRB_DIR/kadmin.out" 2>&1 || { tail -n 20 "$KRB_DIR/kadmin.out" >&2; die "kadmin.local: $c failed"; }
  done
  chmod 600 "$KRB_DIR"/*.keytab
  # One secret signs the hadoop.auth cookies of every web server (otherwise each picks a random one).
  head -c 32 /dev/urandom | base64 >"$KRB_DIR/http-signature-secret"
  chmod 600 "$KRB_DIR/http-signature-secret"
}

krb_setup() {
  krb_need_tools
  krb_write_conf
  krb_env
  krb_create_realm
}

krb_start_kdc() {
  alive kdc && return 0
  printf '\n===== %s starting kdc =====\n' "$(date -Is)" >>"$LOGS/kdc.log"
  # -n: stay in the foreground (so the pid is the KDC's); the -P path names this cluster in its command line.
  setsid nohup krb5kdc -n -r "$REALM" -P "$KRB_DIR/krb5kdc.pid" >>"$LOGS/kdc.log" 2>&1 </dev/null &
  echo $! >"$PIDS/kdc.pid"
  log "started kdc (pid $!, 127.0.0.1:$KDC_PORT, realm $REALM)"
}

# Healthy = the user principal gets a ticket from it (the ticket the script's own health checks use).
krb_kdc_healthy() {
  kinit -kt "$(krb_keytab user)" "$USER_NAME@$REALM" >/dev/null 2>&1
}

krb_kdc_alive() {
  local pid
  pid=$(pid_of kdc)
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q "$KRB_DIR/krb5kdc.pid" "/proc/$pid/cmdline" 2>/dev/null
}

krb_java_opts() { printf '%s\0' "-Djava.security.krb5.conf=$KRB5_CONF_FILE"; }

# ---------------------------------------------------------------------------------------------------------
# Hadoop keys (prop lines), for core-site, hdfs-site and yarn-site.
krb_core_props() {
  prop hadoop.security.authentication kerberos
  prop hadoop.security.authorization true
  # Daemon principals to local users: HDFS runs as the OS user (its superuser, as on the plain cluster,
  # so existing home directories stay theirs); YARN as `yarn`, the renewer named in delegation tokens.
  prop hadoop.security.auth_to_local "RULE:[2:\$1@\$0](nn@$REALM)s/.*/$USER_NAME/
RULE:[2:\$1@\$0](dn@$REALM)s/.*/$USER_NAME/
RULE:[2:\$1@\$0](rm@$REALM)s/.*/yarn/
RULE:[2:\$1@\$0](nm@$REALM)s/.*/yarn/
DEFAULT"
  # SPNEGO on the RM and NM web servers (HDFS installs its own filter, which reads the same keys).
  prop hadoop.http.filter.initializers org.apache.hadoop.security.AuthenticationFilterInitializer
  prop hadoop.http.authentication.type kerberos
  prop hadoop.http.authentication.simple.anonymous.allowed false
  prop hadoop.http.authentication.kerberos.principal "HTTP/_HOST@$REALM"
  prop hadoop.http.authentication.kerberos.keytab "$(krb_keytab HTTP)"
  prop hadoop.http.authentication.signature.secret.file "$KRB_DIR/http-signature-secret"
}

krb_hdfs_props() {
  local protection=$1
  prop dfs.block.access.token.enable true
  prop dfs.namenode.kerberos.principal "nn/_HOST@$REALM"
  prop dfs.namenode.keytab.file "$(krb_keytab nn)"
  prop dfs.datanode.kerberos.principal "dn/_HOST@$REALM"
  prop dfs.datanode.keytab.file "$(krb_keytab dn)"
  prop dfs.web.authentication.kerberos.principal "HTTP/_HOST@$REALM"
  prop dfs.web.authentication.kerberos.keytab "$(krb_keytab HTTP)"
  # A secure DataNode without root: SASL on the data-transfer port (authenticated with the block access
  # token's key, at the same quality of protection as RPC) instead of a privileged port, and plain HTTP
  # (which the check would otherwise refuse: HTTPS would force swebhdfs and a keystore on every client).
  prop dfs.data.transfer.protection "$protection"
  prop ignore.secure.ports.for.testing true
  # Short delegation-token lifetimes, so that tests see renewal and expiry in minutes.
  prop dfs.namenode.delegation.token.renew-interval 60000
  prop dfs.namenode.delegation.token.max-lifetime 300000
}

krb_yarn_props() {
  prop yarn.resourcemanager.principal "rm/_HOST@$REALM"
  prop yarn.resourcemanager.keytab "$(krb_keytab rm)"
  prop yarn.nodemanager.principal "nm/_HOST@$REALM"
  prop yarn.nodemanager.keytab "$(krb_keytab nm)"
  prop yarn.resourcemanager.webapp.spnego-principal "HTTP/_HOST@$REALM"
  prop yarn.resourcemanager.webapp.spnego-keytab-file "$(krb_keytab HTTP)"
  prop yarn.nodemanager.webapp.spnego-principal "HTTP/_HOST@$REALM"
  prop yarn.nodemanager.webapp.spnego-keytab-file "$(krb_keytab HTTP)"
  prop yarn.resourcemanager.delegation.token.renew-interval 60000
  prop yarn.resourcemanager.delegation.token.max-lifetime 300000
}
