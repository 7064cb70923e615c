# Sourced by the .ci/deps scripts.
#
# apt_install WHAT PACKAGE...: installs the packages with apt-get when run
# as root on Debian (the package lists are updated only when installing
# without doing so fails: a fresh machine may have none yet) and says so
# naming WHAT; returns 1 without trying otherwise, so the caller can say
# what to install. A failed install ends the script.
apt_install() {
    local what=$1
    shift
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        return 1
    fi
    echo "installing $what: $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "$@" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && apt-get install -y -qq "$@" >/dev/null; } ||
        exit 1
}
