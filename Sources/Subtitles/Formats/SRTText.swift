import Foundation

/// SRT cue text to plain text: the formatting tags players apply (`<i>`, `<b>`, `<u>`, `<s>`, `<font …>`, and their
/// end tags) and `{\…}` override blocks are removed; anything else stays as written. One pass: each `<` or `{`
/// looks at a few characters, and a removed tag is never scanned again.
enum SRTText {
    static func clean(_ line: String) -> String {
        guard line.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "{") }) else {
            return trimTrailing(line)
        }
        let input = Array(line.unicodeScalars)
        // Where the next ">" and "}" are, from each position: one backward pass, so no scan repeats.
        var nextGreater = [Int](repeating: input.count, count: input.count + 1)
        var nextBrace = [Int](repeating: input.count, count: input.count + 1)
        if !input.isEmpty {
            for index in stride(from: input.count - 1, through: 0, by: -1) {
                nextGreater[index] = input[index] == ">" ? index : nextGreater[index + 1]
                nextBrace[index] = input[index] == "}" ? index : nextBrace[index + 1]
            }
        }
        var output = String.UnicodeScalarView()
        var index = 0
        while index < input.count {
            let scalar = input[index]
            if scalar == "<", isFormattingTag(input, after: index) {
                let close = nextGreater[index]
                if close < input.count {
                    index = close + 1
                    continue
                }
            } else if scalar == "{", index + 1 < input.count, input[index + 1] == "\\" {
                let close = nextBrace[index]
                if close < input.count {
                    index = close + 1
                    continue
                }
            }
            output.append(scalar)
            index += 1
        }
        return trimTrailing(String(output))
    }

    /// `<`, optional `/`, then `i`, `b`, `u`, `s` or `font` (any case) ending at `>` or white space.
    private static func isFormattingTag(_ input: [Unicode.Scalar], after open: Int) -> Bool {
        var position = open + 1
        if position < input.count, input[position] == "/" { position += 1 }
        var name = ""
        while position < input.count, name.unicodeScalars.count < 5, input[position].properties.isAlphabetic {
            name.unicodeScalars.append(input[position])
            position += 1
        }
        guard ["i", "b", "u", "s", "font"].contains(name.lowercased()), position < input.count else { return false }
        let next = input[position]
        return next == ">" || next == " " || next == "\t"
    }

    private static func trimTrailing(_ text: String) -> String {
        guard let last = text.utf8.last, last == 0x20 || last == 0x09 else { return text }
        var scalars = Substring(text).unicodeScalars
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
