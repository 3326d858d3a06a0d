#!/bin/sh
# The product as a user installs it: builds the wheel and the sdist, installs each into a fresh venv outside the
# checkout and runs the commands from another directory:
#   1. the wheel (compiled walk) on the Python given (default python3);
#   2. the sdist with no C compiler (CC=false), on the oldest supported Python (3.10) when this machine has one,
#      else on the same Python: the install must complete in pure Python, and the commands must behave the same;
#      on that Python every module must import and the tests of the model, VXDL and the converters must pass
#      (a quick set; SMOKE_TESTS names others).
# Versions come from requirements.lock (PIP_CONSTRAINT); pip's cache keeps this quick. Usage:
#   sh scripts/smoke.sh [PYTHON]
set -e
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${1:-python3}
export PIP_CONSTRAINT="$ROOT/requirements.lock" PIP_BUILD_CONSTRAINT="$ROOT/requirements.lock" PIP_DISABLE_PIP_VERSION_CHECK=1
WORK=$(mktemp -d /tmp/vxi-smoke.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
started=$(date +%s)
SMOKE_TESTS=${SMOKE_TESTS:-tests/model tests/vxdl/test_read_write.py tests/vxdl/test_fields.py tests/vxdl/test_lossless.py \
tests/vxdl/test_overlap.py tests/convert/test_convert.py}

say() { echo "smoke: $*"; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - started )) s"; }

say "building the wheel and the sdist"
"$PYTHON" -m build --outdir "$WORK/dist" . > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "build"; }
wheel=$(ls "$WORK"/dist/*.whl)
sdist=$(ls "$WORK"/dist/*.tar.gz)
say "$(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB), $(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB) [$(elapsed)]"
tar -tzf "$sdist" > "$WORK/sdist.txt"
"$PYTHON" -m zipfile -l "$wheel" > "$WORK/wheel.txt"
for needed in backend/vxdl/_walk.pyx resources/schema/vxdl-2.0.xsd examples/figure4.vxdl tests/test_layering.py LICENSE \
        requirements.lock; do
    grep -q "/$needed\$" "$WORK/sdist.txt" || fail "the sdist lacks $needed"
done
for needed in vxi_resources/schema/vxdl-2.0.xsd vxi_resources/icons/vxi-designer.svg vxi_resources/themes/light.qss \
        vxi_resources/examples/figure4.vxdl vxi_resources/desktop/vxi-designer.desktop backend/vxdl/_walk; do
    grep -q "$needed" "$WORK/wheel.txt" || fail "the wheel lacks $needed"
done
say "the sdist holds $(wc -l < "$WORK/sdist.txt") files, the wheel $(wc -l < "$WORK/wheel.txt")"

# run_commands VENV LABEL: the user's commands from a directory outside the checkout, each with a time limit.
run_commands() {
    venv=$1 label=$2
    here="$WORK/run-$label"
    mkdir -p "$here"
    cd "$here"
    t() { timeout 120 "$@" || fail "$label: $* (exit $?)"; }
    t "$venv/bin/vxi" --version
    t "$venv/bin/vxi-designer" --version > /dev/null
    t "$venv/bin/vxi" examples --copy . > /dev/null
    t "$venv/bin/vxi" validate figure4.vxdl figure1-substrate.vxdl
    t "$venv/bin/vxi" show --json figure4.vxdl > show.json
    "$venv/bin/python" -c "import json; assert json.load(open('show.json'))['id'] == 'figure4'" || fail "$label: show --json"
    t "$venv/bin/vxi" embed figure1-substrate.vxdl figure1-vxi1.vxdl figure1-vxi2.vxdl > embed.txt
    grep -q "2 of 2 requests accepted" embed.txt || fail "$label: embed"
    t "$venv/bin/vxi" convert figure4.vxdl plain.vxdl --plain > /dev/null
    QT_QPA_PLATFORM=offscreen t "$venv/bin/vxi-designer" --export-image figure4.png figure4.vxdl > /dev/null
    test -s figure4.png || fail "$label: no image exported"
    test -s "$venv/share/man/man1/vxi-deploy.1" || fail "$label: no man pages in $venv/share/man/man1"
    cd "$ROOT"
}

install_into() {  # install_into VENV PYTHON WHAT [ENV...]: a fresh venv with WHAT installed
    venv=$1 python=$2 what=$3
    shift 3
    "$python" -m venv "$venv"
    before=$(date +%s)
    env "$@" "$venv/bin/pip" install -q --no-compile "$what" > "$venv.log" 2>&1 || { tail -30 "$venv.log"; fail "install $what"; }
    say "installed $(basename "$what") with $("$venv/bin/python" --version) in $(( $(date +%s) - before )) s"
}

install_into "$WORK/venv-wheel" "$PYTHON" "$wheel"
"$WORK/venv-wheel/bin/vxi" --version | grep -q "compiled" || fail "the wheel has no compiled walk"
run_commands "$WORK/venv-wheel" wheel
say "the wheel works from $WORK [$(elapsed)]"

OLDEST=$(sh scripts/oldest-python.sh)
if [ -n "$OLDEST" ]; then
    PURE_PYTHON=$OLDEST
else
    say "SKIPPED the oldest supported Python: no python3.10 on this machine (the sdist runs on $PYTHON instead)"
    PURE_PYTHON=$PYTHON
fi
install_into "$WORK/venv-sdist" "$PURE_PYTHON" "$sdist" CC=false CXX=false
"$WORK/venv-sdist/bin/vxi" --version | grep -q "pure Python" || fail "the sdist without a compiler is not pure Python"
run_commands "$WORK/venv-sdist" sdist
say "the sdist without a C compiler works on $("$PURE_PYTHON" --version) [$(elapsed)]"

# The same Python imports every module (a feature newer than the oldest supported Python fails here), then runs
# the checkout's tests of the model, VXDL reading and writing and the converters on it, in pure Python: about two
# minutes; SMOKE_TESTS="tests/model tests/vxdl tests/convert" runs all of those (about 13 minutes here).
cd "$WORK"
QT_QPA_PLATFORM=offscreen "$WORK/venv-sdist/bin/python" - <<'PY' || fail "sdist: a module does not import"
import importlib, pkgutil
import backend, designer, widgets
names = [m.name for p in (backend, designer, widgets) for m in pkgutil.walk_packages(p.__path__, p.__name__ + ".")
         if not m.name.endswith(".__main__")]  # a program, not a module: importing it runs it
for name in names:
    importlib.import_module(name)
print(f"smoke: {len(names)} modules import")
PY
cd "$ROOT"
"$WORK/venv-sdist/bin/pip" install -q --no-compile pytest pytest-qt pytest-timeout hypothesis > "$WORK/test-deps.log" 2>&1 \
    || { tail -20 "$WORK/test-deps.log"; fail "installing the test tools"; }
# shellcheck disable=SC2086
PYTHONDONTWRITEBYTECODE=1 QT_QPA_PLATFORM=offscreen VXI_PURE_WALK=1 "$WORK/venv-sdist/bin/python" -m pytest -q \
    -p no:cacheprovider -m "not root" --deselect tests/vxdl/test_compiled_walk.py::test_the_compiled_walk_was_built \
    $SMOKE_TESTS > "$WORK/tests.log" 2>&1 \
    || { tail -30 "$WORK/tests.log"; fail "the tests on $("$PURE_PYTHON" --version)"; }
say "$(tail -1 "$WORK/tests.log" | tr -d '=') on $("$PURE_PYTHON" --version) [$(elapsed)]"
say "passed in $(elapsed)"
