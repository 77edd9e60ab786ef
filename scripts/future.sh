#!/usr/bin/env bash
# Runs tests of the named packages as if it were later: a Redis of its own
# whose clock runs OFFSET ahead, and test binaries whose time.Now runs the
# same OFFSET ahead. A test that passes today and fails here breaks on
# that day (a fixed date whose retention ran out, a holiday calendar that
# ended, a token in testdata that expired); see README.md, Development.
#
#   scripts/future.sh 200d ./bot ./bot/store      # 200 days ahead
#   scripts/future.sh 194400 ./handlers          # seconds: Saturday night
#   PORT=6392 RUN=TestDigest scripts/future.sh 30d ./bot
#
# Redis's clock moves with libfaketime (apt-get install faketime). Redis
# links jemalloc, whose start-up calls clock_gettime before libfaketime is
# ready (libfaketime issue #130); a few lines preloaded after it send
# malloc to glibc's, so both start. Go reads the clock through the vDSO,
# which libfaketime cannot reach: the test binaries are built with
# `go test -overlay` over a copy of GOROOT's time/time.go whose Now adds
# $FUTURE_OFFSET seconds to the wall clock (the monotonic clock, sleeps and
# timers stay real). Nothing here touches GOROOT or the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 OFFSET(Nd|seconds) PACKAGE..." >&2; exit 2; }
off=$1
shift
case "$off" in
*d) secs=$((${off%d} * 86400)) ;;
*) secs=$off ;;
esac
port=${PORT:-6391}
faketime_so=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$faketime_so" ] || { echo "future: libfaketime not found (apt-get install faketime)" >&2; exit 1; }

tmp="$(mktemp -d)"
cleanup() {
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/libcmalloc.c" <<'EOF'
#define _GNU_SOURCE
#include <stddef.h>
#include <dlfcn.h>
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
void *malloc(size_t n) { return __libc_malloc(n); }
void free(void *p) { __libc_free(p); }
void *calloc(size_t a, size_t b) { return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
void *memalign(size_t a, size_t n) { return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { return __libc_memalign(a, n); }
int posix_memalign(void **r, size_t a, size_t n) {
  void *p = __libc_memalign(a, n);
  if (!p) return 12;
  *r = p;
  return 0;
}
static size_t (*usable)(void *);
size_t malloc_usable_size(void *p) {
  if (!usable) usable = (size_t (*)(void *))dlsym(dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD), "malloc_usable_size");
  return usable(p);
}
EOF
cc -shared -fPIC -O2 -o "$tmp/libcmalloc.so" "$tmp/libcmalloc.c" -ldl

LD_PRELOAD="$faketime_so:$tmp/libcmalloc.so" FAKETIME="+$secs" DONT_FAKE_MONOTONIC=1 \
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log"
for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
ahead=$(($(redis-cli -p "$port" TIME | head -1) - $(date +%s)))
echo "future: Redis on port $port is ${ahead}s ahead (want $secs)"

src="$(go env GOROOT)/src/time/time.go"
awk '
  /^import \($/ && !imp { print; print "\t\"syscall\""; imp = 1; next }
  /sec, nsec, mono := runtimeNow\(\)/ && !now { print; print "\tsec += futureOffset"; now = 1; next }
  { print }
  END {
    print "\nvar futureOffset = func() int64 {"
    print "\tv, _ := syscall.Getenv(\"FUTURE_OFFSET\")"
    print "\tvar n int64"
    print "\tfor _, c := range v {"
    print "\t\tif c < 0x30 || c > 0x39 {"
    print "\t\t\treturn 0"
    print "\t\t}"
    print "\t\tn = n*10 + int64(c-0x30)"
    print "\t}"
    print "\treturn n"
    print "}()"
  }' "$src" >"$tmp/time.go"
grep -q 'sec += futureOffset' "$tmp/time.go" || { echo "future: time.Now not found in $src" >&2; exit 1; }
printf '{"Replace":{"%s":"%s"}}\n' "$src" "$tmp/time.go" >"$tmp/overlay.json"

status=0
for pkg in "$@"; do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  go test -overlay "$tmp/overlay.json" -c -o "$tmp/pkg.test" "$pkg"
  [ -f "$tmp/pkg.test" ] || { echo "future: $pkg has no tests"; continue; }
  echo "future: $pkg at now+${secs}s"
  if ! (cd "$dir" && FUTURE_OFFSET=$secs REDIS_URL="redis://127.0.0.1:$port/0" \
    "$tmp/pkg.test" -test.count=1 -test.run "${RUN:-.}"); then
    status=1
  fi
  rm -f "$tmp/pkg.test"
done
exit $status
