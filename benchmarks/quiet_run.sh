#!/usr/bin/env bash
# The headline figures of benchmarks/README.md: run serially on an otherwise idle machine,
# from an environment where `composer` and `python` are the project's (OUT=dir for outputs).
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH=src
C=composer
P=python
T="/usr/bin/time -f %e_s_wall_%M_KB_peak"
log() { echo "=== $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg) $*"; }
log lscpu; lscpu | grep -E "Model name|^CPU\(s\)"
log "1 LOS midden 10s"
$T $C solve instances/midden-nederland --stage los --time-limit 10 --out ${OUT:-/tmp/q}/midden-los --force --quiet; echo rc=$?
$P - <<'PY'
import json, os; OUT=os.environ.get("OUT", "/tmp/q"); p=json.load(open(OUT+'/midden-los/plan.json')); s=p['stages']['los']; print('midden los', s['status'], s['objective'], s['bound'], s.get('gap'))
PY
$C check instances/midden-nederland ${OUT:-/tmp/q}/midden-los/plan.json | tail -1
log "2 LOS 21k 120s"
[ -d ${OUT:-/tmp/q}/nat21k ] || $C generate national --seed 1 --out ${OUT:-/tmp/q}/nat21k --force
$T $C solve ${OUT:-/tmp/q}/nat21k --stage los --time-limit 120 --out ${OUT:-/tmp/q}/nat21k-los --force --quiet; echo rc=$?
$P - <<'PY'
import json, os; OUT=os.environ.get("OUT", "/tmp/q"); p=json.load(open(OUT+'/nat21k-los/plan.json')); s=p['stages']['los']; print('21k los', s['status'], s['objective'], s['bound'], s.get('gap'), len(p['networks']), 'networks', len([u for u in p['unplaced'] if u['what']=='learner']), 'unplaced learners')
PY
$T $C check ${OUT:-/tmp/q}/nat21k ${OUT:-/tmp/q}/nat21k-los/plan.json | tail -1
log "3 full pipeline per shipped instance"
for spec in tiny:30 midden-nederland:60 national:180; do
  i=${spec%%:*}; t=${spec##*:}
  $T $C solve instances/$i --time-limit $t --out ${OUT:-/tmp/q}/$i-all --force --quiet; echo "$i rc=$?"
  $P - "$i" <<'PY'
import json, os, sys; OUT=os.environ.get("OUT", "/tmp/q"); i=sys.argv[1]; p=json.load(open(OUT+f'/{i}-all/plan.json'))
print(i, 'plan', p['status'], {k:(v['status'], v['objective'], v.get('gap')) for k,v in p['stages'].items()}, len(p['networks']), 'networks', len(p['clusters']), 'clusters', len(p.get('tn_networks',[])), 'tn', len(p['sessions']), 'sessions', len(p['visits']), 'visits')
r=json.load(open(OUT+f'/{i}-all/run.json')); print(i, 'run', {k:v for k,v in r.items() if 'second' in k})
PY
  $C check instances/$i ${OUT:-/tmp/q}/$i-all/plan.json | tail -1
done
log "4 BV national vs kmeans 60s"
$T $P -m benchmarks.bv --instance instances/national --time-limit 60 --skip-mip --out ${OUT:-/tmp/q}/bv-national.md 2>&1 | tail -30
log "5 calendar national on the full plan"
$T $P -m benchmarks.calendar_bench --instance instances/national --plan ${OUT:-/tmp/q}/national-all/plan.json --time-limit 60 --out ${OUT:-/tmp/q}/cal-national.json 2>&1 | tail -15
log "6 exports national"
$T $C export ${OUT:-/tmp/q}/national-all/plan.json --instance instances/national --format xlsx --out ${OUT:-/tmp/q}/nat-xlsx --force; echo rc=$?
$T $C export ${OUT:-/tmp/q}/national-all/plan.json --instance instances/national --format ics --out ${OUT:-/tmp/q}/nat-ics --force; echo rc=$?
$T $C export ${OUT:-/tmp/q}/national-all/plan.json --instance instances/national --format html --out ${OUT:-/tmp/q}/nat-html --force; echo rc=$?
log "7 bench smoke"
$T $C bench smoke --db ${OUT:-/tmp/q}/smoke.sqlite 2>&1 | tail -30
log "8 cpmp set 1 (n=50 p=5, n=100 p=10), 30 s each"
$T $P -m benchmarks.cpmp --seconds 30 --only $(for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20; do printf "pmedcap1_%s " $i; done) 2>&1 | tail -30
log "9 time limit honoured (whole command's wall against --time-limit)"
for spec in tiny:10 midden-nederland:10 midden-nederland:30 national:20 national:30 national:60; do
  i=${spec%%:*}; t=${spec##*:}
  $T $C solve instances/$i --time-limit $t --out ${OUT:-/tmp/q}/tl-$i-$t --force --quiet; echo "$i $t s rc=$?"
done
log done
