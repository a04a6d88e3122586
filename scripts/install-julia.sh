#!/usr/bin/env bash
# Installs Julia 1.5.3 from Debian 11 ("bullseye") into .runtime/julia/ of this repository, for machines
# that have no Julia package of their own (Debian 12 and 13). Nothing outside .runtime/ is changed, except
# that a few system libraries Julia takes from the machine are installed with apt-get when missing.
#
#   bash scripts/install-julia.sh            install, or check an existing install and stop quickly
#   bash scripts/install-julia.sh --force    unpack again even if an install is there
#
# What it does:
#   1. apt-get install the missing system libraries (libedit2 libz3-4 libgmp10 libmpfr6 libpcre2-8-0
#      libgssapi-krb5-2, and libssh2-1 + libcurl3-gnutls, named libssh2-1t64 + libcurl3t64-gnutls on Debian 13).
#   2. A private apt set-up under .runtime/julia-apt/ (its own sources list with only bullseye, its own lists,
#      cache and an EMPTY dpkg status, so apt picks bullseye versions and ignores the system's), signatures
#      verified with the machine's Debian archive keyring; `apt-get download` of 16 packages (~53 MB).
#   3. dpkg -x each package into a staging prefix, link libpcre3 next to the other libraries, re-point the
#      symlinks in usr/lib/x86_64-linux-gnu/julia/ that dangle (they point at system libraries), write the
#      wrapper bin/julia (LD_LIBRARY_PATH, OPENBLAS_CORETYPE), check with ldd and smoke-test, then move the
#      staging prefix into place. A failed run leaves any earlier install as it was.
set -euo pipefail

JULIA_VERSION=1.5.3+dfsg-3
PACKAGES=(
  "julia=$JULIA_VERSION" "libjulia1=$JULIA_VERSION" "julia-common=$JULIA_VERSION"
  libllvm9 libgit2-1.1 libmbedtls12 libmbedcrypto3 libmbedx509-0 libdsfmt-19937-1 libopenlibm3
  libutf8proc2
  libunwind8=1.3.2-2   # Debian 12's libunwind 1.6 makes Julia 1.5 segfault on exceptions inside functions
  libhttp-parser2.9 libffi7
  libgfortran5         # Julia's own OpenBLAS needs it; without it every BLAS call fails
  libpcre3             # libgit2 needs it; Debian 13 has none
)
MULTIARCH=x86_64-linux-gnu

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNTIME=$REPO/.runtime
PREFIX=$RUNTIME/julia
APTDIR=$RUNTIME/julia-apt
WRAPPER=$PREFIX/bin/julia
STAMP=$PREFIX/.installed

say() { printf '[install-julia] %s\n' "$*"; }
die() { printf '[install-julia] ERROR: %s\n' "$*" >&2; exit 1; }

FORCE=0
for arg in "$@"; do
  case $arg in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$arg' (use --force or --help)" ;;
  esac
done

# ---------------------------------------------------------------------------------------------------------
# Smoke test: the three things that broke on the way (see the header). Prints one line per check.
smoke_test() {
  local julia=$1
  "$julia" --startup-file=no --history-file=no -e '
    f() = try error("thrown inside a function") catch e; e end
    e = f()
    e isa ErrorException || error("exception inside a function came back as $(typeof(e))")
    println("  exception inside a function: ok")
    using LinearAlgebra
    A = [sin(i + 3j) for i in 1:300, j in 1:300]
    C = A * A
    ref = [sum(A[i, k] * A[k, j] for k in 1:300) for i in 1:300, j in (1, 150, 300)]
    err = maximum(abs.(C[:, [1, 150, 300]] .- ref))
    err < 1e-9 || error("300x300 product wrong by $err: BLAS is broken")
    println("  LinearAlgebra 300x300 product: ok (", BLAS.vendor(), ", max error ", err, ")")
    import LibGit2
    println("  LibGit2 ", LibGit2.version(), ": ok")
    println("  Julia ", VERSION)
  '
}

# ---------------------------------------------------------------------------------------------------------
if [ "$FORCE" = 0 ] && [ -x "$WRAPPER" ] && [ -f "$STAMP" ]; then
  say "found $WRAPPER ($(cat "$STAMP")); checking that it works"
  if smoke_test "$WRAPPER"; then
    say "already installed and working: $WRAPPER (run with --force to unpack again)"
    exit 0
  fi
  say "the existing install does not work: installing again"
fi

[ "$(uname -m)" = x86_64 ] || die "only x86-64 is supported (this machine is $(uname -m))"
[ -f /etc/debian_version ] || die "this script needs Debian (12 or 13); /etc/debian_version is missing"
for tool in apt-get apt-cache dpkg dpkg-query ldd; do
  command -v "$tool" >/dev/null || die "'$tool' is missing"
done
DEBIAN_VERSION=$(cat /etc/debian_version)
DEBIAN_MAJOR=${DEBIAN_VERSION%%.*}
say "Debian $DEBIAN_VERSION, $(dpkg --print-architecture); installing Julia ${JULIA_VERSION%%+*} from Debian 11 into $PREFIX"

if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  SUDO=(none)
fi

# --- 1. system libraries ----------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'; }
has_candidate() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }

apt_updated=0
system_apt_update() {
  [ "$apt_updated" = 1 ] && return 0
  say "apt-get update (system package lists)"
  "${SUDO[@]}" apt-get update -q >/dev/null || die "apt-get update failed (see above)"
  apt_updated=1
}

# Debian 13 renamed two of them for the 64-bit time_t transition; pick by version, or by what apt offers.
if [[ $DEBIAN_MAJOR =~ ^[0-9]+$ ]]; then
  if [ "$DEBIAN_MAJOR" -ge 13 ]; then T64=1; else T64=0; fi
else  # testing/unstable: ask apt
  system_apt_update
  if has_candidate libssh2-1t64; then T64=1; else T64=0; fi
fi
if [ "$T64" = 1 ]; then SSH2=libssh2-1t64 CURL=libcurl3t64-gnutls; else SSH2=libssh2-1 CURL=libcurl3-gnutls; fi

missing=()
for pkg in libedit2 libz3-4 libgmp10 libmpfr6 libpcre2-8-0 libgssapi-krb5-2 "$SSH2" "$CURL"; do
  installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "system libraries Julia uses from the machine are missing: ${missing[*]}"
  [ "${SUDO[0]:-}" = none ] && die "not root and no sudo: install them first with: apt-get install ${missing[*]}"
  system_apt_update
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
else
  say "system libraries present: libedit2 libz3-4 libgmp10 libmpfr6 libpcre2-8-0 libgssapi-krb5-2 $SSH2 $CURL"
fi

# --- 2. private apt set-up for bullseye -------------------------------------------------------------------
MIRROR=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/debian.sources | head -1 | awk '{print $2}' || true)
if [ -z "$MIRROR" ]; then
  MIRROR=$(grep -hs -E '^deb ' /etc/apt/sources.list | grep -v security | head -1 \
           | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}' || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# The keyring that verifies bullseye's InRelease file, which is signed by the Debian 11 archive and release keys
# and by the Debian 12 archive key. debian-archive-keyring carries all three on Debian 12 and on Debian 13
# (2025.1, checked), so signatures are verified on both; apt refuses the lists otherwise, and so does this script.
KEYRING=
for k in /usr/share/keyrings/debian-archive-keyring.gpg /usr/share/keyrings/debian-archive-keyring.pgp; do
  [ -s "$k" ] && { KEYRING=$k; break; }
done
if [ -z "$KEYRING" ]; then
  # the individual key files of debian-archive-keyring (Debian 13 also ships them in /usr/share/keyrings)
  for k in /usr/share/keyrings/debian-archive-bullseye-stable.gpg /usr/share/keyrings/debian-archive-bullseye-stable.pgp; do
    [ -s "$k" ] && { KEYRING=$k; break; }
  done
fi
[ -n "$KEYRING" ] || die "no Debian archive keyring in /usr/share/keyrings (install the package debian-archive-keyring); refusing to download without verifying signatures"

mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/debs" "$APTDIR/etc"
echo "deb [signed-by=$KEYRING] $MIRROR bullseye main" > "$APTDIR/etc/sources.list"
: > "$APTDIR/status"   # empty: apt must not see the system's newer versions as installed
APT_OPTS=(
  -o "Dir::Etc::sourcelist=$APTDIR/etc/sources.list" -o Dir::Etc::sourceparts=-
  -o Dir::Etc::preferencesparts=- -o "Dir::Etc::preferences=$APTDIR/etc/preferences"
  -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" -o "Dir::State::status=$APTDIR/status"
  -o "APT::Sandbox::User=$(id -un)" -o Acquire::Languages=none -o Debug::NoLocking=1
)
say "private apt: $(cat "$APTDIR/etc/sources.list")"
say "apt-get update (bullseye lists into $APTDIR, signatures checked with $KEYRING)"
if ! apt-get "${APT_OPTS[@]}" update -q > "$APTDIR/update.log" 2>&1 \
   || grep -qE '^(W|E): .*(NO_PUBKEY|not signed|signature|Signature|Failed to fetch)' "$APTDIR/update.log"; then
  cat "$APTDIR/update.log" >&2
  die "could not fetch or verify the bullseye package lists from $MIRROR (log above, $APTDIR/update.log)"
fi

say "apt-get download: ${PACKAGES[*]}"
( cd "$APTDIR/debs" && rm -f ./*.deb.partial && apt-get "${APT_OPTS[@]}" download -q "${PACKAGES[@]}" ) \
  > "$APTDIR/download.log" 2>&1 \
  || { cat "$APTDIR/download.log" >&2; die "apt-get download failed (log above, $APTDIR/download.log)"; }
# keep only the versions just asked for: an older cached .deb of the same package must not be unpacked too
mapfile -t DEBS < <(
  cd "$APTDIR/debs"
  for spec in "${PACKAGES[@]}"; do
    name=${spec%%=*}
    ver=$(apt-cache "${APT_OPTS[@]}" show --no-all-versions "$spec" 2>/dev/null | awk '/^Version:/{print $2; exit}')
    ver=${ver//:/%3a}
    f=$(ls "${name}_${ver}_"*.deb 2>/dev/null | head -1)
    [ -n "$f" ] && echo "$APTDIR/debs/$f" || echo "MISSING:$spec"
  done
)
for d in "${DEBS[@]}"; do [[ $d == MISSING:* ]] && die "downloaded package not found: ${d#MISSING:}"; done
say "downloaded ${#DEBS[@]} packages ($(du -shc "${DEBS[@]}" | tail -1 | cut -f1))"

# --- 3. unpack, fix, wrap, test --------------------------------------------------------------------------
STAGE=$RUNTIME/julia.staging
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
for d in "${DEBS[@]}"; do dpkg -x "$d" "$STAGE"; done
say "unpacked into $STAGE ($(du -sh "$STAGE" | cut -f1))"
LIBDIR=$STAGE/usr/lib/$MULTIARCH

# libpcre3 unpacks into lib/, not usr/lib/: link it next to the others
for f in "$STAGE/lib/$MULTIARCH"/libpcre.so.3*; do
  [ -e "$f" ] || die "libpcre3 did not unpack into lib/$MULTIARCH"
  ln -sfn "../../../lib/$MULTIARCH/$(basename "$f")" "$LIBDIR/$(basename "$f")"
done
say "linked libpcre.so.3 into usr/lib/$MULTIARCH"

# symlinks in usr/lib/MULTIARCH/julia/ that point at the system's libraries: re-point them at the machine's copy
for link in "$LIBDIR/julia"/*; do
  [ -L "$link" ] && [ ! -e "$link" ] || continue
  target=$(readlink "$link")
  base=$(basename "$target")
  found=
  for dir in "/usr/lib/$MULTIARCH" "/lib/$MULTIARCH"; do
    [ -e "$dir/$base" ] && { found=$dir/$base; break; }
  done
  if [ -z "$found" ]; then  # same library, other minor version (e.g. libcurl-gnutls.so.4.7.0 vs 4.8.0)
    soname=$(echo "$base" | sed -E 's/(\.so\.[0-9]+).*/\1/')
    for dir in "/usr/lib/$MULTIARCH" "/lib/$MULTIARCH"; do
      [ -e "$dir/$soname" ] && { found=$dir/$soname; break; }
    done
  fi
  [ -n "$found" ] || die "$(basename "$link") -> $target: no $base on this machine (is its system library installed?)"
  ln -sfn "$found" "$link"
  say "re-pointed julia/$(basename "$link") -> $found"
done

mkdir -p "$STAGE/bin"
cat > "$STAGE/bin/julia" <<'EOF'
#!/bin/sh
# Julia 1.5.3 from Debian 11, unpacked by scripts/install-julia.sh. Its libraries come first on the library path.
prefix=$(dirname "$(dirname "$(readlink -f "$0")")")
LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
# The OpenBLAS 0.3.9 inside this Julia does not know CPUs newer than about 2019 and falls back to its slowest
# (SSE) kernels. Unless the user chose a core type, pick one from the CPU flags. An empty value would also
# select the slowest kernels, so it is removed.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  unset OPENBLAS_CORETYPE
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
  vendor=$(grep -m1 '^vendor_id' /proc/cpuinfo 2>/dev/null)
  has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
  core=
  if has avx512f && has avx512dq && has avx512bw && has avx512vl; then
    core=SkylakeX
  elif has avx2 && has fma; then
    case $vendor in *AMD*) core=Zen ;; *) core=Haswell ;; esac
  fi
  [ -n "$core" ] && { OPENBLAS_CORETYPE=$core; export OPENBLAS_CORETYPE; }
fi
exec "$prefix/usr/bin/julia" "$@"
EOF
chmod +x "$STAGE/bin/julia"
say "wrote the wrapper bin/julia"

notfound=$(LD_LIBRARY_PATH="$LIBDIR" ldd "$STAGE/usr/bin/julia" "$LIBDIR"/libjulia.so* "$LIBDIR"/julia/*.so* 2>&1 \
           | grep 'not found' | sort -u || true)
[ -z "$notfound" ] || die "libraries not found (ldd):
$notfound"
say "ldd: every library found"

say "smoke test"
smoke_test "$STAGE/bin/julia" || die "the smoke test failed: Julia does not work on this machine (output above)"

rm -rf "$PREFIX.old"
[ -e "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mv "$STAGE" "$PREFIX"
rm -rf "$PREFIX.old"
trap - EXIT
echo "Julia $JULIA_VERSION from Debian bullseye, installed $(date -u +%Y-%m-%dT%H:%M:%SZ) on Debian $DEBIAN_VERSION" > "$STAMP"
say "done: $WRAPPER ($(du -sh "$PREFIX" | cut -f1)); the .deb files stay in $APTDIR/debs for a re-install"
