# Shared settings for the scripts in this folder. Source it; it defines paths and ports.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv-backend"
TEST_VENV="$ROOT/.venv-test"              # Python clients for the service tests (requests, pysrt, schemathesis)
BACKEND_DIR="$ROOT/.backend"            # models, voices, pids and logs (git-ignored)
MODEL_DIR="$BACKEND_DIR/models/base"
VOICE_DIR="$BACKEND_DIR/tts/voices"
WHISPER_PORT="${SUBTITLER_WHISPER_PORT:-8765}"
SPEECH_PORT="${SUBTITLER_SPEECH_PORT:-7878}"
WHISPER_URL="http://127.0.0.1:$WHISPER_PORT/v1"
SPEECH_URL="http://127.0.0.1:$SPEECH_PORT/v1"
export PATH="/opt/swift/usr/bin:$PATH"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
