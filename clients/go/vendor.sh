#!/usr/bin/env bash
# Builds clients/go/vendor/ from Debian's packaged Go sources, so that the module builds offline with
# GOFLAGS=-mod=vendor and GOPROXY=off.
#
# For every module required in go.mod it links vendor/<module path> to
# $GOCODE_SRC/<module path> (default /usr/share/gocode/src, where Debian's golang-*-dev packages put
# their sources) and writes vendor/modules.txt: one "# <module> <version>" header per module, marked
# "## explicit; go <version>" as Go 1.17+ requires, followed by the module's packages.
#
# vendor/ is made anew on every run and is not committed (.gitignore). Nothing is downloaded.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

src="${GOCODE_SRC:-/usr/share/gocode/src}"

# The Debian package that provides each module, for the error message when one is missing.
package_of() {
	case "$1" in
	google.golang.org/grpc) echo golang-google-grpc-dev ;;
	google.golang.org/protobuf) echo golang-google-protobuf-dev ;;
	google.golang.org/genproto) echo golang-google-genproto-dev ;;
	github.com/golang/protobuf) echo golang-github-golang-protobuf-1-5-dev ;;
	golang.org/x/net) echo golang-golang-x-net-dev ;;
	golang.org/x/sys) echo golang-golang-x-sys-dev ;;
	golang.org/x/text) echo golang-golang-x-text-dev ;;
	*) echo "the Debian package that ships $1" ;;
	esac
}

# "path version" for every requirement in go.mod, in the one-line and the block form.
requirements() {
	awk '
		/^[ \t]*\/\// { next }
		/^require[ \t]*\(/ { block = 1; next }
		block && /^[ \t]*\)/ { block = 0; next }
		block && NF >= 2 { print $1, $2; next }
		/^require[ \t]+[^(]/ { print $2, $3 }
	' go.mod
}

# The "go" directive of a module's go.mod, or nothing.
go_version_of() {
	local mod_file="$1/go.mod"
	[[ -f "$mod_file" ]] || return 0
	awk '$1 == "go" && NF >= 2 { print $2; exit }' "$mod_file"
}

# Every package directory of the module rooted at $1 (import path $2), skipping test data, hidden
# and underscore directories, vendor trees and nested modules.
packages_of() {
	local root="$1" path="$2"
	(cd "$root" && find -L . \
		\( -type d \( -name testdata -o -name vendor -o -name '.*' -o -name '_*' \) ! -name . -prune \) -o \
		\( -type d ! -name . -exec test -e '{}/go.mod' ';' -prune \) -o \
		\( -type f -name '*.go' ! -name '*_test.go' -printf '%h\n' \)) |
		sort -u |
		sed -e 's|^\.$||' -e 's|^\./|/|' -e "s|^|$path|"
}

missing=()
while read -r path version; do
	[[ -d "$src/$path" ]] || missing+=("$(package_of "$path") (for $path)")
done < <(requirements)
if ((${#missing[@]})); then
	echo "vendor.sh: these Go modules are not under $src; install with apt-get:" >&2
	printf '  %s\n' "${missing[@]}" >&2
	exit 1
fi

rm -rf vendor
mkdir -p vendor
modules_txt="vendor/modules.txt"
: >"$modules_txt"

while read -r path version; do
	mkdir -p "vendor/$(dirname "$path")"
	ln -s "$src/$path" "vendor/$path"
	go_version="$(go_version_of "$src/$path")"
	{
		echo "# $path $version"
		if [[ -n "$go_version" ]]; then
			echo "## explicit; go $go_version"
		else
			echo "## explicit"
		fi
		packages_of "$src/$path" "$path"
	} >>"$modules_txt"
done < <(requirements)

echo "vendor.sh: linked $(grep -c '^# ' "$modules_txt") modules from $src into vendor/"
