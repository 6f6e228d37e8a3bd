#!/usr/bin/env bash
# Set up everything nexus-graph needs on a fresh machine, reusing caches on a warm one.
#
#  1. system packages: Java 17, Maven, and Chromium with its chromedriver for the real-browser test
#     (apt-get, only when missing);
#  2. the heavy Python dependencies (torch, PyG, ...) pinned in requirements/lock.txt, in a shared
#     virtualenv under ~/.cache/nexus-graph/deps-<hash of the lock>: built once per machine;
#     plus the light extras of requirements/extra-lock.txt (Selenium, hatchling), added to
#     the same environment when a marker keyed by that file's hash is missing (no torch rebuild);
#  3. this checkout's own .venv, which sees the shared dependencies through a .pth file and holds
#     an editable install of the project (cheap: each clone gets its own).
#
# Prints nothing on stdout but the path of the project's python on the last line.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/nexus-graph
lock="$root/requirements/lock.txt"
log() { echo "[bootstrap] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

java17_present() {
  for j in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/java-17-*/bin/java "$(command -v java || true)"; do
    [ -x "$j" ] && "$j" -version 2>&1 | grep -q 'version "17' && return 0
  done
  return 1
}

missing=()
java17_present || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing system packages: ${missing[*]}"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "Python >= 3.11 is required (found $("$python" --version 2>&1))." >&2; exit 1; }

key=$(cat "$lock" | sha256sum | cut -c1-12)
deps="$cache/deps-$key"
if [ ! -f "$deps/.complete" ]; then
  log "building the shared dependency environment $deps (torch and friends; minutes on a fresh machine)"
  rm -rf "$deps"
  mkdir -p "$cache"
  "$python" -m venv "$deps"
  "$deps/bin/pip" install -q --upgrade pip >&2
  "$deps/bin/pip" install -q -r "$lock" >&2
  touch "$deps/.complete"
  # keep the newest three dependency environments, drop older ones
  ls -dt "$cache"/deps-* 2>/dev/null | tail -n +4 | xargs -r rm -rf
fi
extra="$root/requirements/extra-lock.txt"
extra_marker="$deps/.extra-$(sha256sum < "$extra" | cut -c1-12)"
if [ ! -f "$extra_marker" ]; then
  log "adding the extras of requirements/extra-lock.txt to $deps"
  "$deps/bin/pip" install -q -r "$extra" >&2
  rm -f "$deps"/.extra-*
  touch "$extra_marker"
fi

venv="$root/.venv"
site=$("$deps/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.deps" 2>/dev/null)" != "$deps" ]; then
  log "creating $venv on top of $deps"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  vsite=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$site" > "$vsite/nexus_graph_deps.pth"
  echo "$deps" > "$venv/.deps"
fi
if ! "$venv/bin/python" -c 'import nexus_graph, sys; from pathlib import Path; sys.exit(0 if Path(nexus_graph.__file__).resolve().parents[1] == Path(sys.argv[1]).resolve() else 1)' "$root" 2>/dev/null \
   || [ ! -x "$venv/bin/nexus-graph" ]; then
  log "installing nexus-graph (editable) into $venv"
  "$venv/bin/python" -m pip install -q --no-deps -e "$root" >&2
fi
echo "$venv/bin/python"
