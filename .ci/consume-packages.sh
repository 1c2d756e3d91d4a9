#!/usr/bin/env bash
# The packages as a newcomer gets them: packs Roadrunner.Abstractions, Roadrunner and Roadrunner.Extensions.Hosting into a local folder feed, creates
# a fresh console app that adds Roadrunner from it with `dotnet add package`, builds every C# snippet of README.md in
# it (warnings are errors), runs the host quick start and compares what it prints with the README's `text` block, and
# compiles the C quick start with the header the package ships (-Wall -Wextra -Werror).
#
# The README is the only source of the snippets: they are cut out of it here. The host quick start (the first csharp
# block) becomes Program.cs; every later csharp block is put into the method of .ci/consume/snippet-N.cs (N = its
# place among the csharp blocks), which declares what the snippet uses but does not define (remote addresses,
# `someFunction`): those only build. A snippet's leading `using` lines go to the top of its file.
#
# Usage: .ci/consume-packages.sh [feed-folder]   (default: a temporary folder). Needs the .NET SDK; installs clang,
# lld and wasi-libc with apt-get when they are missing and it runs as root.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="$(mkdir -p "${1:-$work/feed}" && cd "${1:-$work/feed}" && pwd)"
version="$(dotnet msbuild "$repo/src/Roadrunner/Roadrunner.csproj" -getProperty:Version)"
fail() { echo "consume-packages: $*" >&2; exit 1; }

# 1. Pack; any warning (SourceLink, NuGet) fails the step.
for project in Roadrunner.Abstractions Roadrunner Roadrunner.Extensions.Hosting; do
  dotnet pack "$repo/src/$project/$project.csproj" -c Release -o "$feed" -warnaserror -nologo
  for file in "$project.$version.nupkg" "$project.$version.snupkg"; do
    [ -f "$feed/$file" ] || fail "pack made no $file"
  done
done

# 2. A fresh console app with its own package folder, so Roadrunner comes from the feed and no cache. The machine's
#    package folder is a read-only fallback for the rest (Wasmtime...) unless it holds this Roadrunner version already.
machine_packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
export NUGET_PACKAGES="$work/packages"
dotnet new console -o "$work/app" -n QuickStart --framework net10.0 --no-restore > /dev/null
fallback=""
if [ -d "$machine_packages" ] && [ ! -d "$machine_packages/roadrunner/$version" ]; then
  fallback="<fallbackPackageFolders><add key=\"machine\" value=\"$machine_packages\" /></fallbackPackageFolders>"
fi
cat > "$work/app/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local-feed" value="$feed" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local-feed"><package pattern="Roadrunner" /><package pattern="Roadrunner.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
  $fallback
</configuration>
CONFIG
cd "$work/app"
dotnet add package Roadrunner --version "$version" --source "$feed"

# What the package carries, as restored from the feed.
restored="$NUGET_PACKAGES/roadrunner/$version"
for part in '<readme>README.md</readme>' '<repository type="git"' 'roadrunner/producer.wasm' 'roadrunner/roadrunner.h'; do
  grep -qF "$part" "$restored/roadrunner.nuspec" || fail "Roadrunner.nuspec lacks $part"
done
for file in README.md guest/c/roadrunner.h guest/c/examples/producer.c contentFiles/any/any/roadrunner/consumer.wasm; do
  [ -f "$restored/$file" ] || fail "the Roadrunner package lacks $file"
done

# 3. Cut the snippets out of the README: block N of language L goes to snippets/N.L.
mkdir -p "$work/snippets"
for lang in csharp text sh c; do
  awk -v lang="$lang" -v dir="$work/snippets" '
    inblock && /^```/ { inblock = 0; close(out); next }
    !inblock && $0 == "```" lang { n++; out = dir "/" n "." lang; printf "" > out; inblock = 1; next }
    inblock { print > out }' "$repo/README.md"
done
count=$(find "$work/snippets" -name '*.csharp' | wc -l)
templates=$(find "$repo/.ci/consume" -name 'snippet-*.cs' | wc -l)
[ "$count" -ge 1 ] || fail "README.md has no csharp block"
[ "$templates" -eq $((count - 1)) ] || fail "README.md has $count csharp blocks; .ci/consume has $templates snippet-N.cs for blocks 2..N"

cp "$work/snippets/1.csharp" Program.cs
for ((n = 2; n <= count; n++)); do
  template="$repo/.ci/consume/snippet-$n.cs"
  [ -f "$template" ] || fail "no $template for csharp block $n"
  snippet="$work/snippets/$n.csharp"
  # Leading using directives (and blank lines) go to the top of the file, the rest into the method.
  head_lines=$(awk '/^using [A-Za-z0-9_.]+;$/ || /^$/ { n++; next } { exit } END { print n + 0 }' "$snippet")
  { head -n "$head_lines" "$snippet"; awk -v body="$snippet" -v skip="$head_lines" '
      /\/\/ README-SNIPPET$/ { while ((getline line < body) > 0) if (++i > skip) print line; next } { print }' "$template"; } > "Snippet$n.cs"
done

dotnet build -warnaserror -nologo

# 4. Run the host quick start and compare with what the README says it prints (the first text block).
[ -f bin/Debug/net10.0/roadrunner/roadrunner.h ] || fail "the build did not copy roadrunner.h to the output folder"
dotnet run --no-build > "$work/printed.txt"
if ! diff -u "$work/snippets/1.text" "$work/printed.txt"; then
  fail "the host quick start printed something else than README.md says (diff above: - README, + printed)"
fi
echo "host quick start printed what README.md says:"
cat "$work/printed.txt"

# 5. The C quick start, with the README's clang line and the header the package copied, warnings as errors.
if ! command -v clang > /dev/null || [ ! -d /usr/include/wasm32-wasi ]; then
  [ "$(id -u)" -eq 0 ] || fail "clang, lld and wasi-libc are missing (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32 > /dev/null
fi
mkdir "$work/guest"
cp "$work/snippets/1.c" "$work/guest/fn.c"
clang_line="$(cat "$work"/snippets/*.sh | grep -m1 '^clang ')" || fail "README.md has no clang command"
(cd "$work/guest" && RR_INCLUDE="$work/app/bin/Debug/net10.0/roadrunner" && eval "$clang_line -Werror")
[ -s "$work/guest/fn.wasm" ] || fail "the C quick start built no fn.wasm"
echo "consume-packages: OK (Roadrunner $version from $feed)"
