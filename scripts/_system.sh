# Debian packages Engage uses outside Python: chromium (kaleido chart images for the
# board pack, browser tests), poppler-utils (PDF checks in tests), DejaVu and emoji
# fonts (board pack text, page icons in screenshots). Installs the missing ones.
# Usage: ensure_debian_packages required|optional PKG...
ensure_debian_packages() {
    local mode="$1"; shift
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "engage: missing Debian packages: ${missing[*]} (install them as root)" >&2
            [ "$mode" = required ] && return 1 || return 0
        fi
    fi
    echo "engage: installing Debian packages: ${missing[*]}" >&2
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
        echo "engage: could not install ${missing[*]}" >&2
        [ "$mode" = required ] && return 1
    fi
    return 0
}

# Install into the virtualenv VENV what pip would (pip's arguments: -r FILE, -e ., specs),
# with uv (pinned, put into VENV by pip first): the same pinned packages, resolved alike,
# in seconds instead of the best part of a minute for pip. If uv cannot be had or fails,
# pip does it. Usage: venv_install VENV ARGS...
venv_install() {
    local venv="$1"; shift
    local uv_pin="uv==0.13.9"
    if "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            "$uv_pin" >/dev/null 2>&1 \
        && "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" "$@"; then
        return 0
    fi
    echo "engage: uv could not install into $venv; using pip" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}
