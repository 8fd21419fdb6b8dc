"""WAV files as the benchmarks and their generators write them: mono, 16-bit little-endian PCM (standard library)."""
import io
import wave


def mono16(target, rate):
    """A wave writer on TARGET (a path or a binary file object), mono, 16-bit, RATE Hz. Use it in a `with` block."""
    out = wave.open(target, "wb")
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(rate)
    return out


def mono16_bytes(rate, frames):
    """A whole WAV file, as bytes, of FRAMES (little-endian 16-bit samples) at RATE Hz, mono."""
    buffer = io.BytesIO()
    with mono16(buffer, rate) as out:
        out.writeframes(frames)
    return buffer.getvalue()
