#!/usr/bin/env python3
"""Converts the Silero VAD v6 ONNX model that ships in the faster-whisper wheel into the compact weight resource
the Swift package loads (Sources/SpeechDetection/Resources/silero-vad-v6.bin), next to its MIT licence notice.

    scripts/generate/convert-silero-vad.py              # reads .venv-backend/.../faster_whisper/assets/silero_vad_v6.onnx
    scripts/generate/convert-silero-vad.py MODEL.onnx   # another copy of the same model
    scripts/generate/convert-silero-vad.py --check      # converts to memory and compares with the committed resource

Needs only the Python standard library: the ONNX protobuf is decoded by hand (wire format), so no `onnx` package.
The script checks that the graph is the 16 kHz model the Swift inference implements (the operators, their
order, kernel sizes, strides, paddings, slices and the LSTM size) and refuses anything else.

Resource layout (all integers and floats little-endian):
    magic        8 bytes  b"SLVADW01"
    tensorCount  u32
    headerSize   u32      bytes from the start of the file to the first tensor's data
    sourceSHA256 64 bytes the ONNX file's SHA-256, hex (ASCII)
    tensorCount entries:
        nameLength u8, name (UTF-8), rank u8, dims u32 x rank, dataOffset u32 (from the file start), count u32
    tensor data: float32, each tensor starting at a 64-byte boundary
"""
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESOURCES = os.path.join(ROOT, "Sources", "SpeechDetection", "Resources")
OUTPUT = os.path.join(RESOURCES, "silero-vad-v6.bin")
LICENSE = os.path.join(RESOURCES, "silero-vad-v6.LICENSE")
MAGIC = b"SLVADW01"

LICENSE_TEXT = """Silero VAD v6 weights (16 kHz), converted by scripts/generate/convert-silero-vad.py into silero-vad-v6.bin.
Source: faster_whisper/assets/silero_vad_v6.onnx from the faster-whisper {fw_version} wheel (PyPI),
SHA-256 {sha}; the model itself comes from https://github.com/snakers4/silero-vad.
Its licence follows.

MIT License

Copyright (c) 2020-present Silero Team

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def fail(message):
    sys.stderr.write("convert-silero-vad: %s\n" % message)
    sys.exit(1)


# --- protobuf wire format -----------------------------------------------------------------------------------

def varint(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def fields(data):
    """(field number, wire type, value) of one message; length-delimited values stay bytes."""
    out, i = [], 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        else:
            fail("unsupported protobuf wire type %d" % wire)
        out.append((number, wire, value))
    return out


def values(message, number):
    return [v for n, _, v in message if n == number]


def packed_int64s(message, number):
    result = []
    for n, wire, v in message:
        if n != number:
            continue
        if wire == 0:
            result.append(v)
        else:
            i = 0
            while i < len(v):
                x, i = varint(v, i)
                result.append(x)
    return [x - (1 << 64) if x >= 1 << 63 else x for x in result]


# --- ONNX messages (field numbers from onnx.proto) ------------------------------------------------------------

FLOAT, INT64 = 1, 7


class Tensor:
    def __init__(self, data):
        message = fields(data)
        self.name = values(message, 8)[0].decode()
        self.dims = packed_int64s(message, 1)
        self.type = values(message, 2)[0]
        raw = values(message, 9)
        if values(message, 14) and values(message, 14)[0] == 1:
            fail("tensor %s is stored externally" % self.name)
        count = 1
        for d in self.dims:
            count *= d
        self.count = count
        if raw:
            self.raw = raw[0]
        elif self.type == FLOAT:
            floats = b"".join(values(message, 4))  # packed float_data
            self.raw = floats
        elif self.type == INT64:
            self.raw = struct.pack("<%dq" % count, *packed_int64s(message, 7))
        else:
            fail("tensor %s has no data" % self.name)
        size = {FLOAT: 4, INT64: 8}.get(self.type)
        if size is None or len(self.raw) != size * count:
            fail("tensor %s: %d bytes for dims %s, type %d" % (self.name, len(self.raw), self.dims, self.type))

    def int64s(self):
        return list(struct.unpack("<%dq" % self.count, self.raw))

    def floats(self):
        return list(struct.unpack("<%df" % self.count, self.raw))


class Node:
    def __init__(self, data):
        message = fields(data)
        self.inputs = [v.decode() for v in values(message, 1)]
        self.outputs = [v.decode() for v in values(message, 2)]
        self.op = values(message, 4)[0].decode()
        self.attributes = {}
        for raw in values(message, 5):
            attribute = fields(raw)
            name = values(attribute, 1)[0].decode()
            if values(attribute, 6):
                self.attributes[name] = "subgraph"
            elif values(attribute, 8) or any(n == 8 for n, _, _ in attribute):
                self.attributes[name] = packed_int64s(attribute, 8)
            elif values(attribute, 4):
                self.attributes[name] = values(attribute, 4)[0].decode()
            elif values(attribute, 3):
                self.attributes[name] = packed_int64s(attribute, 3)[0]
            elif values(attribute, 2):
                self.attributes[name] = struct.unpack("<f", values(attribute, 2)[0])[0]
            else:
                self.attributes[name] = None


def load(path):
    data = open(path, "rb").read()
    model = fields(data)
    graphs = values(model, 7)
    if not graphs:
        fail("%s: not an ONNX model (no graph)" % path)
    graph = fields(graphs[0])
    tensors = {t.name: t for t in (Tensor(raw) for raw in values(graph, 5))}
    nodes = [Node(raw) for raw in values(graph, 1)]
    inputs = [values(fields(raw), 1)[0].decode() for raw in values(graph, 11)]
    outputs = [values(fields(raw), 1)[0].decode() for raw in values(graph, 12)]
    return data, tensors, nodes, inputs, outputs


# --- structure check ----------------------------------------------------------------------------------------

EXPECTED_OPS = ["Pad", "Unsqueeze", "Conv", "Slice", "Slice", "Pow", "Pow", "Add", "Sqrt",
                "Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Conv", "Relu", "Transpose",
                "LSTM", "Squeeze", "Relu", "Transpose", "Conv", "Sigmoid", "Reshape"]


def require(condition, what):
    if not condition:
        fail("unexpected model structure: " + what)


def check_and_collect(tensors, nodes, inputs, outputs):
    """Checks the graph is the batched 16 kHz Silero v6 model and returns its weights by role."""
    require(inputs == ["input", "h", "c"], "inputs %s" % inputs)
    require(outputs == ["speech_probs", "hn", "cn"], "outputs %s" % outputs)
    require([n.op for n in nodes] == EXPECTED_OPS, "operators %s" % [n.op for n in nodes])
    pad = nodes[0]
    require(pad.attributes.get("mode") == "reflect", "padding mode")
    require(tensors[pad.inputs[1]].int64s() == [0, 128, 0, 128], "reflect padding of 128 samples each side")
    stft = nodes[2]
    require(stft.attributes.get("kernel_shape") == [256] and stft.attributes.get("strides") == [128],
            "STFT kernel 256, stride 128")
    real, imaginary = nodes[3], nodes[4]
    slice_args = lambda node: [tensors[name].int64s() for name in node.inputs[1:5]]
    big = 9223372036854775807
    require(slice_args(real) == [[0, 1], [129, big], [1, 2], [1, 1]], "real slice")
    require(slice_args(imaginary) == [[129, 1], [big, big], [1, 2], [1, 1]], "imaginary slice")
    require(tensors[nodes[5].inputs[1]].floats() == [2.0], "squared magnitude")
    convs = [nodes[9], nodes[11], nodes[13], nodes[15]]
    strides = [1, 2, 2, 1]
    for index, (conv, stride) in enumerate(zip(convs, strides)):
        require(conv.attributes.get("kernel_shape") == [3] and conv.attributes.get("pads") == [1, 1]
                and conv.attributes.get("strides") == [stride] and conv.attributes.get("group", 1) == 1,
                "encoder conv %d" % index)
    lstm = nodes[18]
    require(lstm.attributes.get("hidden_size") == 128, "LSTM hidden size")
    require(all(k in ("hidden_size",) for k in lstm.attributes), "LSTM attributes %s" % lstm.attributes)
    require(lstm.inputs[4] == "" and lstm.inputs[5:7] == ["h", "c"] and len(lstm.inputs) == 7,
            "LSTM inputs (no sequence lengths, no peepholes)")
    decoder = nodes[22]
    require(decoder.attributes.get("kernel_shape") == [1], "decoder conv")
    roles = [
        ("stft.basis", stft.inputs[1], [258, 1, 256]),
        ("conv0.weight", convs[0].inputs[1], [128, 129, 3]),
        ("conv0.bias", convs[0].inputs[2], [128]),
        ("conv1.weight", convs[1].inputs[1], [64, 128, 3]),
        ("conv1.bias", convs[1].inputs[2], [64]),
        ("conv2.weight", convs[2].inputs[1], [64, 64, 3]),
        ("conv2.bias", convs[2].inputs[2], [64]),
        ("conv3.weight", convs[3].inputs[1], [128, 64, 3]),
        ("conv3.bias", convs[3].inputs[2], [128]),
        ("lstm.W", lstm.inputs[1], [1, 512, 128]),
        ("lstm.R", lstm.inputs[2], [1, 512, 128]),
        ("lstm.B", lstm.inputs[3], [1, 1024]),
        ("decoder.weight", decoder.inputs[1], [1, 128, 1]),
        ("decoder.bias", decoder.inputs[2], [1]),
    ]
    result = []
    for role, name, dims in roles:
        tensor = tensors.get(name)
        require(tensor is not None, "missing initializer %s" % name)
        require(tensor.type == FLOAT and tensor.dims == dims, "%s dims %s" % (role, tensor.dims))
        result.append((role, tensor))
    return result


# --- writing ------------------------------------------------------------------------------------------------

def encode(weights, sha):
    entries = b""
    for role, tensor in weights:
        name = role.encode()
        entries += struct.pack("<B", len(name)) + name + struct.pack("<B", len(tensor.dims))
        entries += struct.pack("<%dI" % len(tensor.dims), *tensor.dims)
        entries += b"\0" * 8  # offset and count, patched below
    fixed = len(MAGIC) + 8 + 64
    header_size = fixed + len(entries)
    align = lambda n: (n + 63) // 64 * 64
    offset = align(header_size)
    patched, data, cursor = bytearray(entries), bytearray(), 0
    position = offset
    for role, tensor in weights:
        cursor += 1 + len(role.encode()) + 1 + 4 * len(tensor.dims)
        struct.pack_into("<II", patched, cursor, position, tensor.count)
        cursor += 8
        start = position - offset
        data += b"\0" * (start - len(data))
        data += tensor.raw
        position = align(offset + len(data))
    header = MAGIC + struct.pack("<II", len(weights), offset) + sha.encode()
    return bytes(header + patched + b"\0" * (offset - header_size) + data)


def default_model():
    import glob
    found = sorted(glob.glob(os.path.join(ROOT, ".venv-backend", "lib", "python3*", "site-packages",
                                          "faster_whisper", "assets", "silero_vad_v6.onnx")))
    if not found:
        fail("no silero_vad_v6.onnx in .venv-backend (run scripts/setup) and none given")
    return found[0]


def faster_whisper_version(model_path):
    site = os.path.dirname(os.path.dirname(os.path.dirname(model_path)))
    for entry in sorted(os.listdir(site)) if os.path.isdir(site) else []:
        if entry.startswith("faster_whisper-") and entry.endswith(".dist-info"):
            return entry[len("faster_whisper-"):-len(".dist-info")]
    return "(unknown version)"


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if not a.startswith("--")]
    model_path = paths[0] if paths else default_model()
    data, tensors, nodes, inputs, outputs = load(model_path)
    sha = hashlib.sha256(data).hexdigest()
    weights = check_and_collect(tensors, nodes, inputs, outputs)
    blob = encode(weights, sha)
    notice = LICENSE_TEXT.format(fw_version=faster_whisper_version(model_path), sha=sha)
    if check:
        same = os.path.exists(OUTPUT) and open(OUTPUT, "rb").read() == blob
        print("convert-silero-vad: %s matches %s: %s" % (os.path.relpath(OUTPUT, ROOT), model_path, same))
        return 0 if same else 1
    os.makedirs(RESOURCES, exist_ok=True)
    for path, content in ((OUTPUT, blob), (LICENSE, notice.encode())):
        temporary = path + ".tmp"
        with open(temporary, "wb") as f:
            f.write(content)
        os.replace(temporary, path)
    print("convert-silero-vad: wrote %s (%d bytes, %d tensors) and %s from %s" % (
        os.path.relpath(OUTPUT, ROOT), len(blob), len(weights), os.path.relpath(LICENSE, ROOT), model_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
