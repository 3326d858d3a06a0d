#!/bin/sh
# The product as a user installs it: builds the wheel and the sdist, installs each into a fresh venv outside the
# checkout and runs the commands from another directory; the two venvs are made and checked side by side:
#   1. the wheel (compiled walk) with the libvirt extra, on the first Python given (default python3): the commands,
#      and a deployment on the default backend (libvirt's test driver) torn down again;
#   2. the sdist with no C compiler (CC=false) and without the libvirt extra, on the oldest supported Python (3.10)
#      when this machine has one, else on the same Python: the install must complete in pure Python with nothing
#      built but the package itself, the commands must behave the same, and those that need libvirt must say so in
#      one line with the pip command (exit 2); on that Python every module must import and the tests of the model,
#      VXDL and the converters must pass (a quick set; SMOKE_TESTS names others).
#   3. every further Python given (`make smoke-all`: each supported Python this machine has): the sdist installed
#      with a compiler (pip builds the wheel, compiled walk, on that Python) and once more with CC=false; the
#      commands run in both; every module imports and the quick tests pass, the walk compiled and pure alike.
# Versions come from requirements.lock (PIP_CONSTRAINT). The venvs are made without pip (ensurepip took half a
# minute a venv): the caller's pip installs into each (`pip --python`), from pip's cache. Each step prints its
# seconds; docs/contributing.md has the figures. Usage:
#   sh scripts/smoke.sh [PYTHON [MORE_PYTHONS...]]
set -e
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${1:-python3}
[ $# -gt 0 ] && shift
MORE_PYTHONS="$*"
export PIP_CONSTRAINT="$ROOT/requirements.lock" PIP_BUILD_CONSTRAINT="$ROOT/requirements.lock" PIP_DISABLE_PIP_VERSION_CHECK=1
WORK=$(mktemp -d /tmp/vxi-smoke.XXXXXX)
side=
# On a failure the side job (the sdist's venv) ends before the folder goes: nothing is left writing in /tmp.
trap '[ -n "$side" ] && wait "$side" 2>/dev/null; rm -rf "$WORK"' EXIT
started=$(date +%s)
SMOKE_TESTS=${SMOKE_TESTS:-tests/model tests/vxdl/test_read_write.py tests/vxdl/test_fields.py tests/vxdl/test_lossless.py \
tests/vxdl/test_overlap.py tests/convert/test_convert.py}
TEST_TOOLS="pytest pytest-qt pytest-timeout hypothesis"
EXTRA_PIP="pip install 'vxi-designer[libvirt]'"

say() { echo "smoke: $*"; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - started )) s"; }
pip_into() { venv=$1; shift; "$PYTHON" -m pip --python "$venv/bin/python" "$@"; }  # the caller's pip, into a venv

# The wheel's C walk compiled with -Og rather than -O3 (CFLAGS come last): gcc takes 2.4 s rather than 9.7 s of CPU
# for the same code (-O0 would keep unused inline functions calling libxml2, which the module is not linked with);
# `make smoke-all` and every user's `pip install` build it optimised.
before=$(date +%s)
CFLAGS="${CFLAGS:+$CFLAGS }-Og" "$PYTHON" -m build --outdir "$WORK/dist" . > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "build"; }
wheel=$(ls "$WORK"/dist/*.whl)
sdist=$(ls "$WORK"/dist/*.tar.gz)
say "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) and $(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB)" \
    "in $(( $(date +%s) - before )) s"
tar -tzf "$sdist" > "$WORK/sdist.txt"
"$PYTHON" -m zipfile -l "$wheel" > "$WORK/wheel.txt"
for needed in backend/vxdl/_walk.pyx resources/schema/vxdl-2.0.xsd examples/figure4.vxdl tests/test_layering.py LICENSE \
        requirements.lock; do
    grep -q "/$needed\$" "$WORK/sdist.txt" || fail "the sdist lacks $needed"
done
for needed in vxi_resources/schema/vxdl-2.0.xsd vxi_resources/icons/vxi-designer.svg vxi_resources/themes/light.qss \
        vxi_resources/examples/figure4.vxdl vxi_resources/desktop/vxi-designer.desktop vxi_resources/manual/designer.md \
        vxi_resources/manual/screenshots/designer-light.png backend/lab/lab.py backend/vxdl/_walk; do
    grep -q "$needed" "$WORK/wheel.txt" || fail "the wheel lacks $needed"
done
say "the sdist holds $(wc -l < "$WORK/sdist.txt") files, the wheel $(wc -l < "$WORK/wheel.txt")"

# install_into VENV PYTHON ENV WHAT...: a fresh venv (no pip of its own) with WHAT installed, ENV ("-" for none) set
# for pip; the log keeps pip's lines ("Building wheel for ...").
install_into() {
    venv=$1 python=$2 envs=$3
    shift 3
    [ "$envs" = - ] && envs=
    before=$(date +%s)
    "$python" -m venv --without-pip "$venv"
    # shellcheck disable=SC2086
    env $envs "$PYTHON" -m pip --python "$venv/bin/python" install --no-compile "$@" > "$venv.log" 2>&1 \
        || { tail -30 "$venv.log"; fail "install $*"; }
    say "installed $(basename "$1") with $("$venv/bin/python" --version) in $(( $(date +%s) - before )) s"
}

# run_commands VENV LABEL: the user's commands from a directory outside the checkout, each with a time limit.
run_commands() {
    venv=$1 label=$2
    here="$WORK/run-$label"
    before=$(date +%s)
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
    "$venv/bin/python" -c "from backend.resources import manual_page as m; assert m('designer.md').is_file(), m()" \
        || fail "$label: no manual for Help ▸ User manual"
    cd "$ROOT"
    say "$label: the commands work from $here in $(( $(date +%s) - before )) s"
}

# with_libvirt VENV LABEL: the libvirt extra is there, and the default backend (libvirt's test driver) deploys
# the paper's Figure 6 from outside the checkout and tears it down (its state in the run's folder).
with_libvirt() {
    venv=$1 label=$2
    "$venv/bin/vxi" --version | grep -q "libvirt backends: libvirt-python " || fail "$label: the libvirt extra is missing"
    cd "$WORK/run-$label"
    export VXI_STATE_DIR="$WORK/run-$label/state"
    timeout 120 "$venv/bin/vxi" deploy figure6-substrate.vxdl figure6-vxi-a.vxdl --json > deploy.json \
        || fail "$label: vxi deploy on the default backend (exit $?)"
    "$venv/bin/python" -c "import json; assert json.load(open('deploy.json'))['state'] == 'running'" \
        || fail "$label: the deployment does not run: $(cat deploy.json)"
    timeout 120 "$venv/bin/vxi" teardown > /dev/null || fail "$label: vxi teardown (exit $?)"
    unset VXI_STATE_DIR
    cd "$ROOT"
    say "$label: deployed and torn down on the test backend (libvirt's test driver)"
}

# without_libvirt VENV LABEL: no libvirt-python, nothing built from source but the package, and the commands that
# need libvirt say so in one line with the pip command, exit 2.
without_libvirt() {
    venv=$1 label=$2
    "$venv/bin/python" -c "import importlib.util as u, sys; sys.exit(u.find_spec('libvirt') is not None)" \
        || fail "$label: libvirt-python was installed without the extra"
    built=$(grep -i "building wheel for" "$venv.log" | grep -v -i "vxi.designer" || true)
    [ -z "$built" ] || fail "$label: the install built more than the package: $built"
    "$venv/bin/vxi" --version | grep -q -F "libvirt backends: not available, $EXTRA_PIP" \
        || fail "$label: vxi --version does not say the libvirt extra is missing"
    cd "$WORK/run-$label"
    code=0
    VXI_STATE_DIR="$WORK/run-$label/state" timeout 120 "$venv/bin/vxi" deploy --backend libvirt figure6-substrate.vxdl \
        figure6-vxi-a.vxdl > deploy.out 2> deploy.err || code=$?
    cd "$ROOT"
    [ "$code" = 2 ] || fail "$label: vxi deploy --backend libvirt without libvirt-python: exit $code, not 2"
    [ "$(wc -l < "$WORK/run-$label/deploy.err")" = 1 ] && grep -q -F "$EXTRA_PIP" "$WORK/run-$label/deploy.err" \
        || fail "$label: vxi deploy --backend libvirt does not say the pip command in one line: $(cat "$WORK/run-$label/deploy.err")"
    say "$label: without libvirt-python: $(cat "$WORK/run-$label/deploy.err")"
}

# check_modules_and_tests VENV LABEL [ENV...]: in the venv, every module imports (a feature newer than its Python
# fails here), then the checkout's tests of the model, VXDL reading and writing and the converters run (the test
# tools installed with the package); SMOKE_TESTS="tests/model tests/vxdl tests/convert" runs all of those.
check_modules_and_tests() {
    venv=$1 label=$2
    shift 2
    before=$(date +%s)
    cd "$WORK"
    QT_QPA_PLATFORM=offscreen "$venv/bin/python" - <<'PY' || fail "$label: a module does not import"
import importlib, pkgutil
import backend, designer, widgets
names = [m.name for p in (backend, designer, widgets) for m in pkgutil.walk_packages(p.__path__, p.__name__ + ".")
         if not m.name.endswith(".__main__")]  # a program, not a module: importing it runs it
for name in names:
    importlib.import_module(name)
print(f"smoke: {len(names)} modules import")
PY
    # The sdist unpacked without its packages, so that the tests (and the example files they read) test the package
    # installed in the venv; the corpus is the checkout's neighbour. One folder per venv (they run side by side).
    checks="$WORK/checks-$label"
    mkdir "$checks"
    top=$(basename "$sdist" .tar.gz)
    tar -xzf "$sdist" -C "$checks" --strip-components=1 --anchored --exclude="$top/backend" \
        --exclude="$top/designer" --exclude="$top/widgets"
    cd "$checks"
    "$venv/bin/python" -c "import backend, sys; assert '$venv' in backend.__file__, backend.__file__" \
        || fail "$label: the tests would not test the installed package"
    # shellcheck disable=SC2086
    env "$@" VXI_CORPUS="$ROOT/../shared/corpus/vxdl2" PYTHONDONTWRITEBYTECODE=1 QT_QPA_PLATFORM=offscreen \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        -m "not root and not slow" $SMOKE_TESTS $EXTRA_TESTS > "$venv-tests.log" 2>&1 \
        || { tail -30 "$venv-tests.log"; fail "$label: the tests on $("$venv/bin/python" --version)"; }
    cd "$ROOT"
    say "$label: $(tail -1 "$venv-tests.log" | tr -d '=') on $("$venv/bin/python" --version) (with the imports:" \
        "$(( $(date +%s) - before )) s)"
}

OLDEST=$(sh scripts/oldest-python.sh)
if [ -n "$OLDEST" ]; then
    PURE_PYTHON=$OLDEST
else
    say "SKIPPED the oldest supported Python: no python3.10 on this machine (the sdist runs on $PYTHON instead)"
    PURE_PYTHON=$PYTHON
fi

# The sdist without a compiler nor the extra, beside the wheel, its quick tests beside its commands (the lines come
# as they are done; on two idle cores the two venvs keep both busy).
(
    tests=
    trap '[ -n "$tests" ] && wait "$tests" 2>/dev/null' EXIT  # the folder is the main shell's to remove, after this
    install_into "$WORK/venv-sdist" "$PURE_PYTHON" "CC=false CXX=false" "$sdist" $TEST_TOOLS
    "$WORK/venv-sdist/bin/vxi" --version | grep -q "pure Python" || fail "the sdist without a compiler is not pure Python"
    EXTRA_TESTS=
    check_modules_and_tests "$WORK/venv-sdist" sdist VXI_PURE_WALK=1 \
        PYTEST_ADDOPTS="--deselect tests/vxdl/test_compiled_walk.py::test_the_compiled_walk_was_built" &
    tests=$!  # the imports and the quick tests while the commands run (the longest part of the smoke)
    run_commands "$WORK/venv-sdist" sdist
    without_libvirt "$WORK/venv-sdist" sdist
    wait "$tests" || { tests=; fail "sdist: the imports or the quick tests (above)"; }
    tests=
    say "the sdist without a C compiler nor libvirt-python works on $("$PURE_PYTHON" --version) [$(elapsed)]"
) &
side=$!

install_into "$WORK/venv-wheel" "$PYTHON" - "$wheel[libvirt]"
"$WORK/venv-wheel/bin/vxi" --version | grep -q "compiled" || fail "the wheel has no compiled walk"
run_commands "$WORK/venv-wheel" wheel
with_libvirt "$WORK/venv-wheel" wheel
say "the wheel with the libvirt extra works [$(elapsed)]"
wait "$side" || { side=; fail "the sdist (above)"; }
side=

# The further Pythons: the sdist built on each with a compiler, then with none.
for more in $MORE_PYTHONS; do
    v=$("$more" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || fail "no Python at $more"
    install_into "$WORK/venv-$v" "$more" - "$sdist[libvirt]" $TEST_TOOLS
    "$WORK/venv-$v/bin/vxi" --version | grep -q "compiled" || fail "$v: the sdist built no compiled walk"
    run_commands "$WORK/venv-$v" "$v"
    EXTRA_TESTS=tests/vxdl/test_compiled_walk.py
    check_modules_and_tests "$WORK/venv-$v" "$v"
    EXTRA_TESTS=
    install_into "$WORK/venv-$v-pure" "$more" "CC=false CXX=false" "$sdist"
    "$WORK/venv-$v-pure/bin/vxi" --version | grep -q "pure Python" || fail "$v: the sdist without a compiler is not pure"
    run_commands "$WORK/venv-$v-pure" "$v-pure"
    without_libvirt "$WORK/venv-$v-pure" "$v-pure"
    say "$v: the sdist with and without a C compiler works [$(elapsed)]"
done
say "passed in $(elapsed)"
