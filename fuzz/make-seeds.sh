#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/TARGET, not committed) from the test
# fixtures: every node file for `node_file`, every rtm.toml for `config`,
# every fixture folder as one input for `tree` (see fuzz_targets/tree.rs).
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../tests/fixtures
mkdir -p corpus/node_file corpus/config corpus/tree
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    if [ "$(basename "$f")" = rtm.toml ]; then
        cp "$f" "corpus/config/seed-$n"
    else
        cp "$f" "corpus/node_file/seed-$n"
    fi
done < <(find "$fixtures" -name '*.toml' -type f -print0 | sort -z)
cp ../requirements/rtm.toml corpus/config/seed-bundled 2>/dev/null || true

# One tree input per folder holding *.toml files: rtm.toml (or nothing),
# then NUL, a head byte (0x60: a node file at the root) and the file.
t=0
while IFS= read -r -d '' dir; do
    t=$((t + 1))
    out="corpus/tree/seed-$t"
    if [ -f "$dir/rtm.toml" ]; then cat "$dir/rtm.toml" > "$out"; else : > "$out"; fi
    for f in "$dir"/*.toml; do
        [ "$(basename "$f")" = rtm.toml ] && continue
        printf '\0\140' >> "$out"
        cat "$f" >> "$out"
    done
done < <(find "$fixtures" -type f -name '*.toml' -printf '%h\0' | sort -zu)
echo "seeded: $(ls corpus/node_file | wc -l) node_file, $(ls corpus/config | wc -l) config, $(ls corpus/tree | wc -l) tree"
