"""Pixel statistics of a PNG, from the standard library alone: enough to tell a real screenshot from a blank one.

    python3 Tests/Oracles/pngstats.py FILE.png     prints the statistics as JSON
"""

import json
import struct
import sys
import zlib


def png_statistics(data):
    """Width, height and pixel statistics of an 8-bit RGB(A) PNG, so callers can tell a blank page; how many
    pixels are strongly red, green or blue, so callers can tell which colour text is drawn in."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position = 8
    idat = b""
    width = height = bit_depth = color_type = interlace = None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, bit_depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        position += 12 + length
    channels = {2: 3, 6: 4}.get(color_type)
    if bit_depth != 8 or channels is None or interlace != 0:
        return {"width": width, "height": height, "decoded": False}
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = []
    previous = bytearray(stride)
    offset = 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    # Luminance statistics over every pixel, and how many distinct colours there are.
    counts = {}
    red = green = blue = 0
    total = 0.0
    total_squares = 0.0
    for line in rows:
        for i in range(0, stride, channels):
            r, g, b = line[i], line[i + 1], line[i + 2]
            key = (r << 16) | (g << 8) | b
            counts[key] = counts.get(key, 0) + 1
            # Strongly one primary: the channel well lit, the others dark (anti-aliased edges mostly left out).
            if r > 120 and g < 80 and b < 80:
                red += 1
            elif g > 120 and r < 80 and b < 80:
                green += 1
            elif b > 120 and r < 80 and g < 80:
                blue += 1
            luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
            total += luminance
            total_squares += luminance * luminance
    pixels = width * height
    mean = total / pixels
    variance = max(0.0, total_squares / pixels - mean * mean)
    dominant_key, dominant = max(counts.items(), key=lambda item: item[1])
    return {
        "width": width, "height": height, "decoded": True,
        "distinctColors": len(counts),
        "meanLuminance": round(mean, 2),
        "luminanceStdDev": round(variance ** 0.5, 2),
        "dominantColor": "#%06x" % dominant_key,
        "dominantShare": round(dominant / pixels, 4),
        "redPixels": red, "greenPixels": green, "bluePixels": blue,
    }


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as handle:
        print(json.dumps(png_statistics(handle.read())))
