#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format makes of it; `make format` fixes them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.h' 2>/dev/null || find operator services tests -name '*.cpp' -o -name '*.h')
((${#files[@]})) || { echo "no C++ files found"; exit 1; }
clang-format --dry-run -Werror "${files[@]}"
echo "clang-format: ${#files[@]} files formatted"
