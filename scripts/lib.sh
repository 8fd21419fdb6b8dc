# Shared settings for the scripts of the repository (scripts/, scripts/generate/, Benchmarks/, Tests/Oracles/).
# Source it; it defines paths and ports, the Swift toolchain on PATH, and build_binary.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv-backend"
TEST_VENV="$ROOT/.venv-test"              # Python clients for the service tests (requests, pysrt, schemathesis)
CHAT_VENV="$ROOT/.venv-chat"              # the local chat server (llama-cpp-python, built from source) and its model
BACKEND_DIR="${SUBTITLER_BACKEND_DIR:-$ROOT/.backend}"   # models, voices, pids and logs (git-ignored)
MODEL_DIR="$BACKEND_DIR/models/base"
VOICE_DIR="$BACKEND_DIR/tts/voices"
WHISPER_PORT="${SUBTITLER_WHISPER_PORT:-8765}"
SPEECH_PORT="${SUBTITLER_SPEECH_PORT:-7878}"
CHAT_PORT="${SUBTITLER_CHAT_PORT:-8767}"
WHISPER_URL="http://127.0.0.1:$WHISPER_PORT/v1"
SPEECH_URL="http://127.0.0.1:$SPEECH_PORT/v1"
CHAT_URL="http://127.0.0.1:$CHAT_PORT/v1"
CHAT_MODEL="$CHAT_VENV/model/gemma-3-270m-q4_k_m.gguf"   # assembled by scripts/setup from its PyPI parts
# The Swift toolchain: the `swift` on PATH; else the one in SWIFT_TOOLCHAIN (default /opt/swift, where the CI
# image installs it), put on PATH.
if ! command -v swift >/dev/null 2>&1 && [ -x "${SWIFT_TOOLCHAIN:-/opt/swift}/usr/bin/swift" ]; then
  export PATH="${SWIFT_TOOLCHAIN:-/opt/swift}/usr/bin:$PATH"
fi

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# build_binary release|debug [PACKAGE]: builds the `subtitler` executable of PACKAGE (default: this repository) in
# that configuration and prints its path. The one way a script builds the binary: bin=$(build_binary release).
# Quiet when the build succeeds; when it fails, SwiftPM's output goes to stderr and the caller stops (die).
build_binary() {
  local configuration=${1:-} package=${2:-$ROOT} bin_path log
  case "$configuration" in
    release|debug) ;;
    *) die "build_binary: the configuration is release or debug, not '$configuration'" ;;
  esac
  command -v swift >/dev/null || die "swift not found: install Swift 6 (https://swift.org/install) and put it on PATH"
  log=$(mktemp)
  if ! swift build --package-path "$package" -c "$configuration" --product subtitler >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    die "build_binary: swift build -c $configuration --product subtitler failed in $package"
  fi
  rm -f "$log"
  bin_path=$(swift build --package-path "$package" -c "$configuration" --show-bin-path) || die "build_binary: no bin path"
  printf '%s/subtitler\n' "$bin_path"
}
