#!/usr/bin/env bash
# Benchmarks the TCP bridge through real sockets and, where Debian's dovecot-imapd and postfix
# are installed, the same workloads against Dovecot and Postfix's smtp-sink in the same run;
# prints one table with the ratios. Not part of scripts/test.sh.
#
#   scripts/bench-bridge.sh [SECONDS]     # SECONDS of mixed IMAP load per server (default 5)
#
# Workloads:
#   - IMAP NOOP round trip: median of 50, one logged-in client (examples/bridge_load.rs).
#   - SMTP ingest: Postfix's smtp-source -s 20 -l 4096 -m 2000 (20 sessions, 4 KB messages)
#     into the bridge's port 25 (mx.corp.example, stored in boss's INBOX) and into smtp-sink
#     (which stores nothing).
#   - Mixed IMAP load: 20 users, 10 clients, each session LOGIN, LIST, SELECT, APPEND, FETCH,
#     STORE, EXPUNGE, LOGOUT, for SECONDS; commands answered OK per second, and protocol
#     errors (any NO or BAD).
#   - Seeding: 1,000 APPENDs of a 1 KiB message from Python's imaplib with default socket
#     options (scripts/bench/append.py), as a test suite fills a mailbox.
# Dovecot and smtp-sink run on loopback only, on high ports, with a throwaway configuration
# in a temporary directory; they are stopped at the end. Install them with
#   apt-get install dovecot-imapd postfix
set -euo pipefail
cd "$(dirname "$0")/.."
# Release builds that never open the page: no page built into the bridge (README "Install").
export MAIL_SANDBOX_PAGE=off

SECONDS_MIXED="${1:-5}"
MESSAGES=2000
OFFSET=$((12000 + RANDOM % 8000))
DOVECOT_PORT=$((OFFSET + 1143))
SINK_PORT=$((OFFSET + 1025))
WORK="$(mktemp -d /tmp/bench-bridge.XXXXXX)"
BRIDGE_PID=""
SINK_PID=""
DOVECOT_CONF=""

cleanup() {
  [ -n "$BRIDGE_PID" ] && kill "$BRIDGE_PID" 2>/dev/null || true
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  if [ -n "$DOVECOT_CONF" ]; then
    doveadm -c "$DOVECOT_CONF" stop 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building the bridge and the load driver (bench profile)..." >&2
cargo build --quiet --profile bench --bin mailsandbox-tcp --example bridge_load
BRIDGE=target/release/mailsandbox-tcp
LOAD=target/release/examples/bridge_load

now() { date +%s.%N; }
field() { # field NAME LINE: the value after NAME in "name value name value" output
  awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3gx", a / b; else print "-" }'; }

# ---- the bridge ----
users=()
for i in $(seq 1 20); do users+=(--user "load$i@example.org:pw"); done
for attempt in 1 2 3 4 5; do
  "$BRIDGE" --port-offset "$OFFSET" "${users[@]}" >"$WORK/bridge.out" 2>&1 &
  BRIDGE_PID=$!
  for _ in $(seq 100); do
    grep -q READY "$WORK/bridge.out" 2>/dev/null && break
    kill -0 "$BRIDGE_PID" 2>/dev/null || break
    sleep 0.05
  done
  grep -q READY "$WORK/bridge.out" && break
  wait "$BRIDGE_PID" 2>/dev/null || true
  BRIDGE_PID=""
  OFFSET=$((12000 + RANDOM % 8000)) # a port was taken: another offset
done
[ -n "$BRIDGE_PID" ] || { cat "$WORK/bridge.out" >&2; exit 1; }
DOVECOT_PORT=$((OFFSET + 1143))
SINK_PORT=$((OFFSET + 1025))

echo "bridge: NOOP..." >&2
b_noop="$("$LOAD" noop 127.0.0.1 $((OFFSET + 143)) boss boss 50)"
b_smtp_s=""
if command -v smtp-source >/dev/null || [ -x /usr/sbin/smtp-source ]; then
  SMTP_SOURCE="$(command -v smtp-source || echo /usr/sbin/smtp-source)"
  echo "bridge: SMTP ingest..." >&2
  t0=$(now)
  "$SMTP_SOURCE" -s 20 -l 4096 -m "$MESSAGES" -f load@example.net -t boss@corp.example \
    "127.0.0.1:$((OFFSET + 25))"
  t1=$(now)
  b_smtp_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
fi
echo "bridge: mixed IMAP load..." >&2
b_mixed="$("$LOAD" mixed 127.0.0.1 $((OFFSET + 143)) 'load{}@example.org' pw 20 10 "$SECONDS_MIXED")"
echo "bridge: 1,000 imaplib APPENDs..." >&2
b_append="$(python3 scripts/bench/append.py 127.0.0.1 $((OFFSET + 143)) boss boss 1000)"
b_cpu="$(ps -o times= -p "$BRIDGE_PID" | tr -d ' ')"
b_rss="$(ps -o rss= -p "$BRIDGE_PID" | tr -d ' ')"
kill "$BRIDGE_PID"; wait "$BRIDGE_PID" 2>/dev/null || true; BRIDGE_PID=""

# ---- smtp-sink ----
s_smtp_s=""
if [ -n "$b_smtp_s" ] && { command -v smtp-sink >/dev/null || [ -x /usr/sbin/smtp-sink ]; }; then
  SMTP_SINK="$(command -v smtp-sink || echo /usr/sbin/smtp-sink)"
  sink_user=()
  [ "$(id -u)" = 0 ] && sink_user=(-u nobody)
  "$SMTP_SINK" "${sink_user[@]}" "127.0.0.1:$SINK_PORT" 256 &
  SINK_PID=$!
  sleep 0.3
  echo "smtp-sink: SMTP ingest..." >&2
  t0=$(now)
  "$SMTP_SOURCE" -s 20 -l 4096 -m "$MESSAGES" -f load@example.net -t boss@corp.example \
    "127.0.0.1:$SINK_PORT"
  t1=$(now)
  s_smtp_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
  kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=""
fi

# ---- Dovecot ----
d_noop=""
d_mixed=""
d_append=""
if [ -x /usr/sbin/dovecot ]; then
  mkdir -p "$WORK/dovecot/run" "$WORK/dovecot/home"
  chmod 755 "$WORK" "$WORK/dovecot"
  chmod 1777 "$WORK/dovecot/home"
  : >"$WORK/dovecot/passwd"
  echo "boss:{PLAIN}boss::::::" >>"$WORK/dovecot/passwd"
  for i in $(seq 1 20); do echo "load$i@example.org:{PLAIN}pw::::::" >>"$WORK/dovecot/passwd"; done
  DOVECOT_CONF="$WORK/dovecot/dovecot.conf"
  mail_uid="$(id -un)"; mail_gid="$(id -gn)"
  if [ "$(id -u)" = 0 ]; then mail_uid=nobody; mail_gid=nogroup; fi
  cat >"$DOVECOT_CONF" <<EOF
base_dir = $WORK/dovecot/run
state_dir = $WORK/dovecot/run
log_path = $WORK/dovecot/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $WORK/dovecot/passwd
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$WORK/dovecot/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
  if /usr/sbin/dovecot -c "$DOVECOT_CONF"; then
    for _ in $(seq 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$DOVECOT_PORT") 2>/dev/null && break
      sleep 0.05
    done
    echo "dovecot: NOOP..." >&2
    d_noop="$("$LOAD" noop 127.0.0.1 "$DOVECOT_PORT" boss boss 50)" || d_noop=""
    echo "dovecot: mixed IMAP load..." >&2
    d_mixed="$("$LOAD" mixed 127.0.0.1 "$DOVECOT_PORT" 'load{}@example.org' pw 20 10 "$SECONDS_MIXED")" || d_mixed=""
    echo "dovecot: 1,000 imaplib APPENDs..." >&2
    d_append="$(python3 scripts/bench/append.py 127.0.0.1 "$DOVECOT_PORT" boss boss 1000)" || d_append=""
  else
    echo "dovecot did not start; see $WORK/dovecot/dovecot.log" >&2
  fi
fi

# ---- the table ----
b_noop_us="$(field noop_median_us "$b_noop")"
d_noop_us="$(field noop_median_us "$d_noop")"
b_cps="$(field commands_per_s "$b_mixed")"
d_cps="$(field commands_per_s "$d_mixed")"
b_err="$(field errors "$b_mixed")"
b_append_ms="$(field per_append_ms "$b_append")"
d_append_ms="$(field per_append_ms "$d_append")"
d_err="$(field errors "$d_mixed")"
b_msgs=""; s_msgs=""
[ -n "$b_smtp_s" ] && b_msgs="$(awk -v n="$MESSAGES" -v s="$b_smtp_s" 'BEGIN { printf "%.0f", n / s }')"
[ -n "$s_smtp_s" ] && s_msgs="$(awk -v n="$MESSAGES" -v s="$s_smtp_s" 'BEGIN { printf "%.0f", n / s }')"

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| workload | bridge | anchor | bridge vs anchor | goal |"
echo "|---|---:|---:|---:|---|"
if [ -n "$d_noop_us" ]; then
  echo "| IMAP NOOP round trip, median of 50 | ${b_noop_us} µs | Dovecot: ${d_noop_us} µs | $(ratio "$b_noop_us" "$d_noop_us") the time | within 2x |"
else
  echo "| IMAP NOOP round trip, median of 50 | ${b_noop_us} µs | (no Dovecot) | - | within 2x |"
fi
if [ -n "$b_msgs" ]; then
  echo "| SMTP ingest, smtp-source -s 20 -l 4096 -m $MESSAGES | ${b_msgs} msg/s | smtp-sink: ${s_msgs:-?} msg/s | $(ratio "$b_msgs" "${s_msgs:-0}") | >= 0.5x |"
fi
if [ -n "$d_cps" ]; then
  echo "| mixed IMAP, 20 users, 10 clients, ${SECONDS_MIXED} s | ${b_cps} cmd/s, ${b_err} errors | Dovecot: ${d_cps} cmd/s, ${d_err} errors | $(ratio "$b_cps" "$d_cps") | >= 3x, no errors |"
else
  echo "| mixed IMAP, 20 users, 10 clients, ${SECONDS_MIXED} s | ${b_cps} cmd/s, ${b_err} errors | (no Dovecot) | - | >= 3x, no errors |"
fi
if [ -n "$d_append_ms" ]; then
  echo "| 1,000 APPENDs from imaplib (default socket options) | ${b_append_ms} ms each | Dovecot: ${d_append_ms} ms each | $(ratio "$b_append_ms" "$d_append_ms") the time | within 2x |"
else
  echo "| 1,000 APPENDs from imaplib (default socket options) | ${b_append_ms} ms each | (no Dovecot) | - | within 2x |"
fi
echo
echo "Bridge process after the run: CPU time ${b_cpu} s, RSS ${b_rss} KiB."
