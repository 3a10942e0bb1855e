#!/usr/bin/env bash
# The documentation site: installs docs/requirements.txt into the active Python environment,
# builds the site with `mkdocs build --strict` (a broken link, a missing page or a docstring
# that does not render fails the build) into a temporary folder, then serves it on
# 127.0.0.1 and loads pages in headless Chromium (tests/docs_site). Chromium comes from
# Debian's `chromium` package, installed here with apt-get when it is missing.
#
# The API reference is read from the sources by static analysis, so neither the native
# module nor a Rust toolchain is needed. When `target/doc` exists (`cargo doc --workspace
# --no-deps`), the build copies it into the site under rust/.
#
# DOCS_SITE_DIR=DIR keeps the built site in DIR instead of a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

step() { printf '\n== %s\n' "$*"; }

step "docs requirements (docs/requirements.txt)"
python -m pip install --quiet -r docs/requirements.txt pytest

if ! command -v chromium >/dev/null 2>&1; then
  step "installing chromium (apt-get)"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q chromium
fi

if [[ -n ${DOCS_SITE_DIR:-} ]]; then
  site=$DOCS_SITE_DIR
  mkdir -p "$site"
else
  site=$(mktemp -d "${TMPDIR:-/tmp}/hp-docs-site.XXXXXX")
  trap 'rm -rf "$site"' EXIT
fi

step "mkdocs build --strict (into $site)"
NO_MKDOCS_2_WARNING=1 python -m mkdocs build --strict --clean --site-dir "$site"

step "the site in headless Chromium (tests/docs_site)"
DOCS_SITE_DIR=$site python -m pytest tests/docs_site -q -p no:cacheprovider

printf '\n== docs: passed in %ds\n' $((SECONDS - started))
