# Shared set-up for scripts/dashboard and scripts/test: a virtualenv in .venv at
# the project root with the pinned requirements and the project itself installed
# editable (so `.venv/bin/engage` works from any directory); re-installed when the
# requirements or pyproject.toml change.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source "$ROOT/scripts/_system.sh"
PY="${PYTHON:-python3}"
REQ="${1:-requirements.txt}"
if [ ! -x .venv/bin/python ]; then
    echo "engage: creating .venv" >&2
    "$PY" -m venv .venv
fi
STAMP=".venv/.engage-$(basename "$REQ").sha256"
WANT="$(cat requirements.txt "$REQ" pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "engage: installing $REQ and the project (editable) into .venv" >&2
    venv_install .venv -r "$REQ" -e .
    echo "$WANT" > "$STAMP"
fi
