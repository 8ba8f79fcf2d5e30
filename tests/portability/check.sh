#!/bin/sh
# make portability: see check.py.
exec /usr/bin/python3 "$(dirname "$0")/check.py" "$@"
