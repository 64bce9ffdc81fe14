#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and ./tools/run need, when any is missing, and
# those named as arguments (a tool's own, such as ./tools/fuzz's clang).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ccache clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libpqxx-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libboost-dev libjemalloc-dev
  prometheus-cpp-dev
  postgresql python3 python3-grpcio python3-protobuf python3-aiosmtpd python3-cryptography curl
  # The reference engines the template conformance tests render against (tests/templates/).
  python3-django ruby ruby-liquid
  # The Go client, built offline from Debian's Go modules. Name protobuf 1.5 explicitly: apt would
  # otherwise pick the 1.3 one, and the first RPC would panic.
  golang-go protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev golang-google-genproto-dev
  # google/api/{http,annotations}.proto, which the API's REST routes are declared with. This package
  # rather than golang-github-grpc-ecosystem-grpc-gateway-dev, which would swap the Go protobuf module
  # above for its 1.3 version.
  golang-github-gogo-googleapis-dev
)

PACKAGES+=("$@")

# Node.js 20 with npm (the Node client) comes with the machine; Debian's own is the fallback.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "installing: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "error: run as root (or install these packages first): ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
