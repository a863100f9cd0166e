#!/usr/bin/env bash
# scale.sh: initorder check on synthetic roots, side by side with cat of the
# same files and, for systemd trees, with systemd --test (SPEC §7).
#
#   scripts/scale.sh [-k "systemd sysv upstart systemd-light"] [-n "1000 10000 100000"] [-t 300] [-r 3] [-d DIR] [-l NODES]
#                    [-f "text json sarif junit codequality"]
#
# systemd-light is a lighter systemd tree (each unit Wants=+After= 0-3 earlier
# units), read with --init systemd. For each kind and size it writes a root with internal/synth/cmd/synth,
# warms the page cache, and takes the best of -r runs of
#   cat      every regular file of the root (find -type f | xargs cat)
#   cat+l    every file and symlink (cat follows the links: what initorder reads)
#   check    initorder check --root ROOT --init KIND (text, to /dev/null)
#   systemd  systemd --test --system --unit=graphical.target, run as nobody with
#            SYSTEMD_UNIT_PATH set to the tree and no generators, exactly as
#            internal/oracle/systemd_run.go runs it; killed after -t seconds;
#            the best of -r runs too
#   layout   with -l NODES: check --layout of NODES nodes over 50 role sets
#            (synth -layout), against check --layout --node of one node; with
#            -f FORMATS, also in each format, once a node and grouped
#            (--group-nodes): wall time, max RSS and bytes written
# and prints wall time and max RSS of each, with the ratios check/cat and
# systemd/check (and layout/one node). Needs /usr/bin/time (Debian package time); systemd --test
# needs to run as root (it drops to nobody) and is skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

kinds="systemd sysv upstart"
sizes="1000 10000 100000"
timeout=300
runs=3
dir=""
nodes=""
formats=""
while getopts k:n:t:r:d:l:f: opt; do
  case $opt in
    k) kinds=$OPTARG ;;
    n) sizes=$OPTARG ;;
    t) timeout=$OPTARG ;;
    r) runs=$OPTARG ;;
    d) dir=$OPTARG ;;
    l) nodes=$OPTARG ;;
    f) formats=$OPTARG ;;
    *) sed -n 2,24p "$0"; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "scale.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/initorder-scale-XXXXXX)
  trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
chmod 755 "$dir"
go build -o "$dir/initorder" ./cmd/initorder
go build -o "$dir/synth" ./internal/synth/cmd/synth
empty="$dir/empty"
mkdir -p "$empty"

# best CMD...: runs CMD $runs times, prints "SECONDS MAXRSS_KB" of the fastest run.
best() {
  local b="" line
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$dir/time.out" -f '%e %M' "$@" >/dev/null 2>&1 || true
    line=$(tail -1 "$dir/time.out")
    if [ -z "$b" ] || awk -v a="${line%% *}" -v b="${b%% *}" 'BEGIN{exit !(a<b)}'; then b=$line; fi
  done
  echo "$b"
}

# sdtest ROOT: systemd --test as nobody, as internal/oracle/systemd_run.go runs it.
cat >"$dir/sdtest" <<SH
#!/bin/sh
root=\$1
exec timeout -s KILL $timeout runuser -u nobody -- env -i \\
  PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=$empty \\
  SYSTEMD_UNIT_PATH="\$root/etc/systemd/system:\$root/usr/local/lib/systemd/system:\$root/lib/systemd/system:\$root/usr/lib/systemd/system" \\
  SYSTEMD_GENERATOR_PATH=$empty SYSTEMD_ENVIRONMENT_GENERATOR_PATH=$empty \\
  SYSTEMD_PROC_CMDLINE= SYSTEMD_IN_INITRD=0 SYSTEMD_LOG_LEVEL=info SYSTEMD_LOG_COLOR=0 SYSTEMD_COLORS=0 \\
  /lib/systemd/systemd --test --system --unit=graphical.target --no-pager
SH
chmod 755 "$dir/sdtest"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }'; }

echo "machine: $(nproc) cores, $(awk '/model name/{$1=$2=$3="";print;exit}' /proc/cpuinfo | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB; $(go version | cut -d' ' -f3); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-13s %7s %7s | %8s %8s %8s %8s | %9s %9s | %9s %7s\n' kind n files cat_s cat+l_s check_s check_MB check/cat chk/cat+l systemd_s sd/chk
for kind in $kinds; do
  for n in $sizes; do
    root="$dir/$kind-$n"
    [ -d "$root" ] || "$dir/synth" -kind "$kind" -n "$n" -layout "$root.ini" -nodes "${nodes:-10000}" -sets 50 "$root"
    lnodes=$nodes
    [ -f "$root.ini" ] || lnodes="" # systemd-light has no layout
    chmod -R a+rX "$root"
    files=$(find "$root" -type f | wc -l)
    find "$root" \( -type f -o -type l \) -print0 | xargs -0 cat >/dev/null 2>&1 || true # warm the cache
    cat_r=$(best sh -c "find '$root' -type f -print0 | xargs -0 cat")
    catl_r=$(best sh -c "find '$root' \( -type f -o -type l \) -print0 | xargs -0 cat")
    init=${kind%-light}
    check_r=$(best "$dir/initorder" check --root "$root" --init "$init")
    sd="-" sdr="-"
    if [ "$init" = systemd ] && [ "$(id -u)" = 0 ] && [ -x /lib/systemd/systemd ]; then
      # The best of -r runs, as for check; a run killed or failed ends the
      # series (no second wait of -t seconds).
      for _ in $(seq "$runs"); do
        /usr/bin/time -o "$dir/time.out" -f '%e %M %x' "$dir/sdtest" "$root" >/dev/null 2>&1 || true
        line=$(tail -1 "$dir/time.out")
        read -r t _ code <<<"$line"
        # timeout -s KILL takes itself down with the signal: time says so.
        if grep -q "terminated by signal" "$dir/time.out"; then code=137; fi
        case $code in
          0) if [ "$sdr" = - ] || awk -v a="$t" -v b="$sd" 'BEGIN{exit !(a<b)}'; then sd=$t; fi
             sdr=$(ratio "$sd" "${check_r%% *}") ;;
          137) [ "$sdr" = - ] && sd=">$timeout"; break ;;
          *) [ "$sdr" = - ] && sd="exit$code"; break ;;
        esac
      done
    fi
    printf '%-13s %7s %7s | %8s %8s %8s %8s | %9s %9s | %9s %7s\n' "$kind" "$n" "$files" \
      "${cat_r%% *}" "${catl_r%% *}" "${check_r%% *}" "$(( ${check_r##* } / 1024 ))" \
      "$(ratio "${check_r%% *}" "${cat_r%% *}")" "$(ratio "${check_r%% *}" "${catl_r%% *}")" "$sd" "$sdr"
    if [ -n "$lnodes" ]; then
      [ "$(grep -c '^\[node ' "$root.ini")" = "$nodes" ] || "$dir/synth" -kind "$kind" -n "$n" -layout "$root.ini" -nodes "$nodes" -sets 50 "$dir/tmp-$$" && rm -rf "$dir/tmp-$$"
      all=$(best "$dir/initorder" check --root "$root" --init "$kind" --layout "$root.ini")
      one=$(best "$dir/initorder" check --root "$root" --init "$kind" --layout "$root.ini" --node node00000)
      printf '  layout: %s nodes over 50 role sets %ss (%s MB), one node %ss: %s single-node checks\n' "$nodes" "${all%% *}" "$(( ${all##* } / 1024 ))" "${one%% *}" "$(ratio "${all%% *}" "${one%% *}")"
      for format in $formats; do
        for form in per-node grouped; do
          flag=""
          [ "$form" = grouped ] && flag=--group-nodes
          # sh waits for initorder: time's max RSS is the larger of the two.
          r=$(best sh -c "'$dir/initorder' check --root '$root' --init '$kind' --layout '$root.ini' --format $format $flag | wc -c >'$dir/size'")
          printf '    %-12s %-9s %8ss %6s MB RSS %14s bytes\n' "$format" "$form" "${r%% *}" "$(( ${r##* } / 1024 ))" "$(cat "$dir/size")"
        done
      done
    fi
  done
done
