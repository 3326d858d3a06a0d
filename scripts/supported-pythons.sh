#!/bin/sh
# Prints one interpreter per supported Python version (3.10 to 3.13) this machine has, able to make a venv, one
# path a line; versions given as arguments (e.g. 3.10 3.11) are left out. `make smoke-all` runs the smoke on them.
#   sh scripts/supported-pythons.sh [SKIP_VERSION...]
for version in 3.10 3.11 3.12 3.13; do
    case " $* " in *" $version "*) continue ;; esac
    for candidate in "python$version" /root/.pyenv/versions/"$version".*/bin/"python$version" "/usr/bin/python$version"; do
        found=$(command -v "$candidate" 2>/dev/null || true)
        if [ -n "$found" ] && "$found" -c "import sys, venv, ensurepip; assert '%d.%d' % sys.version_info[:2] == '$version'" \
                2>/dev/null; then
            echo "$found"
            break
        fi
    done
done
