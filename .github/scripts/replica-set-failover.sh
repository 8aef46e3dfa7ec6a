#!/usr/bin/env bash
# The log's guarantees on a real replica set under failover: starts three MongoDB members in
# Docker (host network, ports 27017-27019), runs the stress workload against the set while the
# primary is stepped down, a secondary is stopped and started again, and the primary is
# stepped down once more; the stress run checks everything it checks elsewhere (nothing
# acknowledged lost, nothing twice, no hole, readers in order) and exits non-zero on any
# violation. Usage: replica-set-failover.sh <mongodb version, e.g. 7.0>
set -euo pipefail
VERSION="${1:?mongodb version}"
PORTS=(27017 27018 27019)

for i in 0 1 2; do
  docker run -d --network host --name "member$i" "mongo:$VERSION" \
    --replSet rs0 --port "${PORTS[$i]}" --bind_ip_all >/dev/null
done
for i in 0 1 2; do
  for _ in $(seq 1 60); do
    docker exec "member$i" mongosh --port "${PORTS[$i]}" --quiet --eval 'db.runCommand({ ping: 1 }).ok' >/dev/null 2>&1 && break
    sleep 1
  done
done
docker exec member0 mongosh --port 27017 --quiet --eval '
  rs.initiate({ _id: "rs0", members: [
    { _id: 0, host: "127.0.0.1:27017" },
    { _id: 1, host: "127.0.0.1:27018" },
    { _id: 2, host: "127.0.0.1:27019" } ] })'

primary() {
  for i in 0 1 2; do
    if docker exec "member$i" mongosh --port "${PORTS[$i]}" --quiet --eval 'db.hello().isWritablePrimary' 2>/dev/null | grep -q true; then
      echo "$i"
      return
    fi
  done
}
for _ in $(seq 1 60); do [ -n "$(primary)" ] && break; sleep 1; done
echo "replica set up, primary: member$(primary)"

step_down() {
  local p
  p="$(primary)"
  [ -z "$p" ] && return
  echo "chaos: stepping down member$p"
  docker exec "member$p" mongosh --port "${PORTS[$p]}" --quiet --eval 'try { rs.stepDown(15) } catch (e) { print(e.message) }' || true
}

chaos() {
  sleep 15
  step_down
  sleep 15
  local p s
  p="$(primary)"
  s=$(( (${p:-0} + 1) % 3 ))
  echo "chaos: stopping member$s (a secondary)"
  docker stop "member$s" >/dev/null
  sleep 20
  echo "chaos: starting member$s again"
  docker start "member$s" >/dev/null
  sleep 10
  step_down
}

export MONGODB_URI="mongodb://127.0.0.1:27017,127.0.0.1:27018,127.0.0.1:27019/?replicaSet=rs0"
chaos &
CHAOS=$!
status=0
pnpm stress --quick --server uri --external-faults --seconds 90 || status=$?
wait "$CHAOS" || true
for i in 0 1 2; do docker rm -f "member$i" >/dev/null 2>&1 || true; done
exit "$status"
