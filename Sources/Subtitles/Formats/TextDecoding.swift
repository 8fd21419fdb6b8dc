import Foundation

/// Turns line bytes into text.
enum TextDecoding {
    /// UTF-8 as browsers decode it: invalid sequences become U+FFFD. `valid` tells whether the bytes were valid.
    static func utf8(_ bytes: [UInt8]) -> (text: String, valid: Bool) {
        if let text = validUTF8(bytes) { return (text, true) }
        return (bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }, false)
    }

    /// The text when the bytes are valid UTF-8, else nil. ASCII, the common case, takes the fast path.
    static func validUTF8(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            if !buffer.contains(where: { $0 >= 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
            return String(validating: buffer, as: UTF8.self)
        }
    }

    /// Windows-1252 (a superset of Latin-1 for printable text), the usual encoding of old SRT files.
    static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            if (0x80...0x9F).contains(byte), let mapped = windows1252High[Int(byte - 0x80)] {
                scalars.append(mapped)
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    /// Windows-1252's characters for 0x80...0x9F (nil where the code page has none: the byte stays a C1 control).
    static let windows1252High: [Unicode.Scalar?] = [
        "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
        nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
    ]
}
