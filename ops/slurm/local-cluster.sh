#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, for tests and for trying `pipeline --executor slurm`.
#
#   ops/slurm/local-cluster.sh start DIR   # prints one line: export SLURM_CONF=DIR/slurm.conf
#   ops/slurm/local-cluster.sh stop DIR    # stops exactly the daemons `start DIR` started
#
# Runs as root (Debian's Slurm 22.05: slurmctld, slurmd, slurm-client, munge; installed with
# apt-get when missing). Everything lives in DIR: config, munge key and socket, state, spool,
# logs and pid files, so several clusters (other DIRs) can run side by side on other ports.
# The node is the machine as `slurmd -C` sees it (CPUs, memory). Accounting is off (`sacct`
# answers "accounting storage is disabled"), as on many real clusters.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case "$cmd" in start | stop) ;; *) echo "unknown command: $cmd (expected start or stop)" >&2; usage ;; esac

# Signals the daemon whose pid file is $1 (if it is still running) and waits for it to go.
stop_daemon() {
  local pidfile=$1 pid i
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

if [ "$cmd" = stop ]; then
  [ -d "$dir" ] || { echo "no cluster directory: $dir" >&2; exit 2; }
  dir=$(cd "$dir" && pwd)
  stop_daemon "$dir/run/slurmd.pid"
  stop_daemon "$dir/run/slurmctld.pid"
  stop_daemon "$dir/run/munged.pid"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "local-cluster.sh start must run as root (uid $(id -u))" >&2; exit 2; }

# Install what is missing from Debian's packages.
missing=()
command -v slurmctld >/dev/null || missing+=(slurmctld)
command -v slurmd >/dev/null || missing+=(slurmd)
command -v sbatch >/dev/null || missing+=(slurm-client)
command -v munged >/dev/null || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir"/{munge,state,spool,log,run}
chmod 700 "$dir/munge"

# A free TCP port at or above $1 (and not $2), so clusters in other DIRs do not collide.
free_port() {
  local p=$1
  while [ "$p" = "${2:-}" ] || (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# munge: its own key, socket, pid and log under DIR.
key="$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
[ -s "$key" ] || { dd if=/dev/urandom of="$key" bs=1024 count=1 status=none; chmod 400 "$key"; }
if ! { [ -s "$dir/run/munged.pid" ] && kill -0 "$(cat "$dir/run/munged.pid")" 2>/dev/null; }; then
  munged --force --key-file="$key" --socket="$socket" --pid-file="$dir/run/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"
fi

node=$(hostname -s)
hw=$(slurmd -C | head -1)
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
mem=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
conf="$dir/slurm.conf"
if [ ! -s "$conf" ]; then
  ctld_port=$(free_port 6817)
  slurmd_port=$(free_port $((ctld_port + 1)) "$ctld_port")
  cat >"$conf" <<EOF
# Written by ops/slurm/local-cluster.sh: a one-node cluster on localhost.
ClusterName=mammo-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MinJobAge=30
KillWait=10
InactiveLimit=0
Waittime=0
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
fi
export SLURM_CONF="$conf"

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running "$dir/run/slurmctld.pid" || slurmctld -f "$conf"
running "$dir/run/slurmd.pid" || slurmd -f "$conf" -N "$node"

# Wait until the node is idle (or in use, when a cluster that was already running is started again).
for _ in $(seq 1 120); do
  state=$(sinfo --noheader --nodes="$node" --format=%T 2>/dev/null || true)
  case "$state" in idle | mixed | allocated) echo "export SLURM_CONF=$conf"; exit 0 ;; esac
  sleep 0.5
done
echo "the node $node never became idle (state: ${state:-none}); logs in $dir/log" >&2
exit 1
