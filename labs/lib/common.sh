# labs/lib/common.sh: what every lab script shares. Sourced, never run.
#
# Paths: LAB_KIT (the kit's checkout), LAB_BUILD (its build/), LAB_HOME (the learner's
# lab files, ~/minirun-labs unless set). The kit's programs come first on PATH, so the
# scripts type `minirun ...` exactly as the READMEs tell the learner to.
#
# For check scripts: `step K "what must be true" PREDICATE ARGS...` runs the predicate
# quietly and prints one line; a failing predicate's output is the reason, in plain
# words, printed under it. `finish` prints the total and sets the exit status (0: every
# step passes). Predicates print nothing on success and one sentence on failure.

LAB_KIT=${LAB_KIT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_BUILD=${LAB_BUILD:-$LAB_KIT/build}
LAB_HOME=${LAB_HOME:-${HOME:-/root}/minirun-labs}
export LAB_KIT LAB_BUILD LAB_HOME
case ":$PATH:" in
  *":$LAB_BUILD:"*) ;;
  *) PATH="$LAB_BUILD:$PATH" ;;
esac
export PATH

lab_passed=0
lab_failed=0
lab_first_failure=""

# step K WHAT PREDICATE [ARGS...]
step() {
  local k=$1 what=$2
  shift 2
  local reason
  if reason=$("$@" 2>&1); then
    lab_passed=$((lab_passed + 1))
    printf '  ok    %s. %s\n' "$k" "$what"
  else
    lab_failed=$((lab_failed + 1))
    [ -z "$lab_first_failure" ] && lab_first_failure=$k
    if [ "${LAB_FIRST_FAILURE_ONLY:-0}" = 1 ]; then
      echo "FIRST-FAILURE $k"
      exit 1
    fi
    printf '  FAIL  %s. %s\n' "$k" "$what"
    [ -n "$reason" ] && printf '%s\n' "$reason" | sed 's/^/          /'
  fi
  return 0
}

finish() {
  echo
  if [ "$lab_failed" -eq 0 ]; then
    echo "All $lab_passed steps pass."
    exit 0
  fi
  echo "$lab_passed of $((lab_passed + lab_failed)) steps pass. A hint for step $lab_first_failure: lab hint ${LAB_NUMBER:-N} $lab_first_failure"
  exit 1
}

# run_shown COMMAND...: prints the command as a learner would type it, then runs it
# (solutions use it, so that they read as a transcript).
run_shown() {
  local shown="" arg
  for arg in "$@"; do
    # Quote what a shell would split or expand, the way a learner would type it.
    case "$arg" in
      *[[:space:]\"\$\>\<\|\;\&\*\?]*) shown+=" '${arg//\'/\'\\\'\'}'" ;;
      *) shown+=" $arg" ;;
    esac
  done
  printf '$%s\n' "$shown"
  "$@"
}

# --- predicates: silent on success, one sentence on failure -------------------------

# The container's inspect field (jq path) or "" when there is no such container.
# (`false` and 0 are values too: only a missing field prints nothing.)
container_field() { minirun inspect "$1" 2>/dev/null | jq -r ".[0]$2 | if . == null then empty else . end" 2>/dev/null; }

container_exists() {
  minirun inspect "$1" >/dev/null 2>&1 || { echo "there is no container named $1 (minirun ps -a lists them)"; return 1; }
}

container_running() {
  container_exists "$1" || return 1
  local status
  status=$(container_field "$1" .State.Status)
  [ "$status" = running ] || { echo "container $1 exists but is $status, not running"; return 1; }
}

image_exists() {
  imagebuilder inspect "$1" >/dev/null 2>&1 || { echo "there is no image $1 (imagebuilder images lists them)"; return 1; }
}

# file_in_container NAME PATH TEXT: PATH inside the running container holds TEXT.
file_in_container() {
  container_running "$1" || return 1
  local content
  content=$(minirun exec "$1" cat "$2" 2>/dev/null) || { echo "$2 does not exist in container $1"; return 1; }
  case "$content" in
    *"$3"*) return 0 ;;
  esac
  echo "$2 in container $1 does not contain \"$3\" (it has: $(printf '%s' "$content" | head -c 80))"
  return 1
}

# --- reset helpers: remove only what carries the lab's prefix ------------------------

# remove_containers PREFIX: every container whose name starts with PREFIX.
remove_containers() {
  local name
  for name in $(minirun ps -a --format json 2>/dev/null | jq -r '.Names' 2>/dev/null); do
    case "$name" in "$1"*) minirun rm -f -v "$name" >/dev/null 2>&1 || true ;; esac
  done
}

# remove_networks PREFIX: every network whose name starts with PREFIX.
remove_networks() {
  local name
  for name in $(minirun network ls --format json 2>/dev/null | jq -r '.Name' 2>/dev/null); do
    case "$name" in "$1"*) minirun network rm "$name" >/dev/null 2>&1 || true ;; esac
  done
}

# remove_images PREFIX: every image tag that starts with PREFIX.
remove_images() {
  local ref
  for ref in $(imagebuilder images --format json 2>/dev/null | jq -r '.[] | .Repository + ":" + .Tag' 2>/dev/null); do
    case "$ref" in "$1"*) imagebuilder rmi "$ref" >/dev/null 2>&1 || true ;; esac
  done
}
