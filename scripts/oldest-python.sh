#!/bin/sh
# Prints the path of the oldest Python the project supports (3.10) when this machine has one, else nothing.
for candidate in python3.10 /root/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do
    found=$(command -v "$candidate" 2>/dev/null || true)
    if [ -n "$found" ] && "$found" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
        echo "$found"
        exit 0
    fi
done
