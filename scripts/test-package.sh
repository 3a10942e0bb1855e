#!/usr/bin/env bash
# The release artifacts, built and used the way a user gets them (docs/packaging.md):
#
# 1. A clean copy of the checkout (the files git tracks or would track, nothing ignored such
#    as target/ or the generated files of the package) in a temporary folder.
# 2. The sdist, built from that copy with `python -m build --sdist`.
# 3. A fresh virtualenv on the active Python installs the sdist: pip builds it into the
#    wheel (`pip wheel`, what `pip install <sdist>` does, kept as a file) and installs that;
#    the README's quick start runs from it, `hp --version` prints the workspace version.
# 4. The wheel: at most 5 MB, its metadata printed (License, Requires-Python, classifiers),
#    LICENSE inside, and scripts/check_abi3.py's check of the abi3 promise.
# 5. The same wheel in fresh virtualenvs on the oldest and the newest CPython of this
#    machine (pyenv's, under ~/.pyenv/versions; PACKAGE_PYTHONS="PY1 PY2" names others),
#    where the Python suite runs with both backends, the two interpreters in parallel.
#    The CPython versions between them run the quick start from the unpacked wheel and
#    pass check_abi3.py's export check; the wheel's "Python :: 3.N" classifiers must name
#    exactly the versions found.
#
# One sdist build and one wheel build (release profile, as published), in the copy's own
# target folder unless CARGO_TARGET_DIR names one. Prints the time of each step and the
# total.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
step_started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/hp-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

first_step=1
step() {
  [[ $first_step -eq 1 ]] || printf '   (%ds)\n' $((SECONDS - step_started))
  printf '\n== %s\n' "$*"
  first_step=0
  step_started=$SECONDS
}

python=${PYTHON:-python}
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[[ -n $version ]] || { echo "test-package: no [workspace.package] version in Cargo.toml" >&2; exit 1; }

step "clean copy of the checkout (into $work/src)"
mkdir -p "$work/src" "$work/dist"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [[ -e $file ]] && printf '%s\0' "$file"; done |
  tar --null -T - -cf - | tar -xf - -C "$work/src"

step "sdist (python -m build --sdist)"
"$python" -m pip install --quiet build
"$python" -m build --sdist --outdir "$work/dist" "$work/src" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; exit 1; }
sdist=$(ls "$work"/dist/hyperparameter-"$version".tar.gz)
tar -tzf "$sdist" >"$work/sdist.txt"
for member in LICENSE README.md pyproject.toml Cargo.toml Cargo.lock python/hyperparameter/__init__.py; do
  grep -qx "hyperparameter-$version/$member" "$work/sdist.txt" ||
    { echo "test-package: the sdist lacks $member" >&2; exit 1; }
done
echo "sdist: $(basename "$sdist"), $(wc -l <"$work/sdist.txt") files, $(du -k "$sdist" | cut -f1) kB"

step "fresh venv: install the sdist (pip builds the wheel from it), run the quick start"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$sdist"
wheels=("$work"/dist/*.whl)
[[ ${#wheels[@]} -eq 1 ]] || { echo "test-package: expected one wheel: ${wheels[*]}" >&2; exit 1; }
wheel=${wheels[0]}
"$work/venv/bin/python" -m pip install --quiet "$wheel"
(
  cd "$work"
  "$work/venv/bin/python" -m hyperparameter.examples.quickstart --define greet.name=Alice --enthusiasm=3 |
    tee "$work/quickstart.txt"
  grep -q Alice "$work/quickstart.txt"
  shown=$("$work/venv/bin/hp" --version)
  [[ $shown == "hp $version" ]] || { echo "test-package: hp --version says '$shown'" >&2; exit 1; }
  echo "$shown"
)

step "the wheel: size, metadata, contents, abi3"
"$python" - "$wheel" "$version" <<'EOF'
import email.parser, sys, zipfile
path, version = sys.argv[1], sys.argv[2]
size = __import__("os").path.getsize(path)
print(f"wheel: {path.rsplit('/', 1)[-1]}: {size / 1e6:.2f} MB ({size} bytes)")
with zipfile.ZipFile(path) as wheel:
    names = wheel.namelist()
    meta = email.parser.Parser().parsestr(
        wheel.read(f"hyperparameter-{version}.dist-info/METADATA").decode()
    )
    for info in sorted(wheel.infolist(), key=lambda i: -i.file_size)[:5]:
        print(f"  {info.file_size / 1e6:6.2f} MB  {info.filename}")
for field in ("Name", "Version", "License", "License-Expression", "Requires-Python"):
    if meta[field]:
        print(f"{field}: {meta[field]}")
for field in ("Classifier", "Project-URL", "Keywords"):
    for value in meta.get_all(field) or []:
        print(f"{field}: {value}")
problems = []
if size > 5_000_000:
    problems.append(f"the wheel is {size} bytes, over 5 MB")
if meta["Version"] != version:
    problems.append(f"the wheel's version {meta['Version']} is not the workspace's {version}")
if not meta.get_payload().strip():
    problems.append("no long description (the README)")
if not any(n.endswith(("/LICENSE", "licenses/LICENSE")) for n in names):
    problems.append("no LICENSE in the wheel")
for needed in ("_native.abi3.so", "_version.py", "lib/libhyperparameter_capi.a",
               "lib/libhyperparameter_capi.so", "include/hyperparameter.h"):
    if f"hyperparameter/{needed}" not in names:
        problems.append(f"the wheel lacks hyperparameter/{needed}")
if problems:
    sys.exit("test-package: " + "; ".join(problems))
EOF

pythons=() others=()
if [[ -n ${PACKAGE_PYTHONS:-} ]]; then
  read -r -a pythons <<<"$PACKAGE_PYTHONS"
else
  # The oldest and the newest CPython 3 that pyenv installed (by version, not by name)
  # among those the package supports (`requires-python = ">=3.N"`).
  minimum=$(sed -n 's/^requires-python = ">=3\.\([0-9]*\)"/\1/p' pyproject.toml)
  [[ -n $minimum ]] || { echo 'test-package: no requires-python = ">=3.N" in pyproject.toml' >&2; exit 1; }
  mapfile -t found < <(ls -d "$HOME"/.pyenv/versions/3.*/bin/python3 2>/dev/null |
    sed -E 's|.*/versions/(3\.([0-9]+)[0-9.]*)/bin/python3$|\2 \1 &|' |
    awk -v minimum="$minimum" '$1 >= minimum {print $2, $3}' | sort -V | cut -d' ' -f2)
  if [[ ${#found[@]} -gt 0 ]]; then
    pythons=("${found[0]}")
    [[ ${#found[@]} -gt 1 ]] && pythons+=("${found[-1]}")
  fi
  # The versions between them: the quick start from the unpacked wheel (below).
  [[ ${#found[@]} -gt 2 ]] && others=("${found[@]:1:${#found[@]}-2}")
  # The wheel's "Python :: 3.N" classifiers are the versions this script runs it on.
  classified=$("$python" -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' \
    "$wheel" "hyperparameter-$version.dist-info/METADATA" |
    sed -n 's/^Classifier: Programming Language :: Python :: \(3\.[0-9]*\)$/\1/p' | sort -V | xargs)
  checked=$(for interpreter in "${found[@]}"; do "$interpreter" -c 'import sys; print("3.%d" % sys.version_info[1])'; done | xargs)
  [[ $classified == "$checked" ]] ||
    { echo "test-package: the classifiers name Python $classified, the interpreters here are $checked" >&2; exit 1; }
  echo "classifiers: Python $classified, each run below"
fi
if [[ ${#pythons[@]} -eq 0 ]]; then
  echo "test-package: no pyenv interpreters under ~/.pyenv/versions: the suite runs on the active Python only" >&2
  pythons=("$work/venv/bin/python")
fi
abi3_args=()
for interpreter in "${pythons[@]}" "${others[@]}"; do abi3_args+=(--python "$interpreter"); done
"$python" scripts/check_abi3.py "$wheel" "${abi3_args[@]}"

if [[ ${#others[@]} -gt 0 ]]; then
  step "the wheel, unpacked, on ${others[*]}: the quick start"
  "$python" -m zipfile -e "$wheel" "$work/unpacked"
  for interpreter in "${others[@]}"; do
    (
      cd "$work"
      PYTHONPATH="$work/unpacked" "$interpreter" -m hyperparameter.examples.quickstart \
        --define greet.name=Alice --enthusiasm=3 >"$work/quickstart-other.txt"
      grep -q Alice "$work/quickstart-other.txt"
      PYTHONPATH="$work/unpacked" "$interpreter" -c 'import sys, hyperparameter as hp
assert hp.backend_name() == "native", hp.backend_name()
print("-- %s: %s %s, quick start passed" % (sys.version.split()[0], hp.__version__, hp.backend_name()))'
    )
  done
fi

step "the wheel on ${pythons[*]}: the Python suite, both backends"
# The suite from the clean copy, run from a folder outside it so that the installed package
# (not python/ of the copy) is what the tests import.
run_suite() {
  local interpreter=$1 venv=$2
  "$interpreter" -m venv "$venv"
  # The wheel with its `tune` extra (Optuna), and the PostgreSQL driver of the tuning tests.
  "$venv/bin/python" -m pip install --quiet "$wheel[tune]" pytest "hypothesis>=6.100" mypy \
    psycopg2-binary
  "$venv/bin/python" -c 'import sys, hyperparameter as hp; print(sys.version.split()[0], hp.__version__, hp.backend_name())'
  local status=0
  echo "-- native backend"
  "$venv/bin/python" -m pytest "$work/src/tests/python" -q -p no:cacheprovider \
    --rootdir "$work/src" || status=1
  echo "-- pure-Python backend"
  HYPERPARAMETER_BACKEND=python "$venv/bin/python" -m pytest "$work/src/tests/python" -q \
    -p no:cacheprovider --rootdir "$work/src" || status=1
  return $status
}
pids=()
for i in "${!pythons[@]}"; do
  run_suite "${pythons[$i]}" "$work/venv-$i" >"$work/suite-$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then status=passed; else status=FAILED; failed=1; fi
  printf -- '-- %s: %s\n' "${pythons[$i]}" "$status"
  grep -E '^[0-9.]+ [0-9.+a-z]+ (native|python)$|^-- |^FAILED|^ERROR|[0-9]+ (passed|failed)' \
    "$work/suite-$i.log" || true
  [[ $status == passed ]] || tail -n 60 "$work/suite-$i.log"
done
[[ $failed -eq 0 ]]

printf '   (%ds)\n\n== package: passed in %dm%02ds\n' $((SECONDS - step_started)) \
  $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60))
