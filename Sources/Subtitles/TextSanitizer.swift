import Foundation

/// Text clean-up the writers apply so that every reader shows the text as written.
public enum TextSanitizer {
    /// The text without control characters: C0 controls (a tab becomes a space), DEL, C1 controls, the byte order
    /// mark U+FEFF and the noncharacters U+FFFE and U+FFFF. A NUL in a cue makes ffmpeg drop that cue and every
    /// later one; other controls are dropped or shown as boxes by players. Line breaks are not handled here: the
    /// writers split lines on them first.
    public static func withoutControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" {
                scalars.append(" ")
            } else if !isControl(scalar) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0xFEFF, 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }

    /// One SRT text line that ffmpeg, pysubs2, srt and webvtt-py all show as written. SRT has no escaping, and those
    /// readers take `<…>` as an HTML tag, `{…}` as an ASS override block and `\N`, `\n`, `\h` as ASS line breaks and
    /// spaces, and hide them. So, in one pass:
    /// - a `<` with a `>` after it on the line becomes `‹` (U+2039), and a `>` with a `<` before it becomes `›`
    ///   (U+203A): `<inaudible>` is written `‹inaudible›`;
    /// - a `{` with a `}` after it becomes `｛` (U+FF5B), and a `}` with a `{` before it becomes `｝` (U+FF5D);
    /// - a word joiner (U+2060, invisible) goes between `\` and a following `N`, `n` or `h`.
    /// A lone `<`, `>`, `{` or `}` stays as it is.
    public static func neutralizedSRTLine(_ line: String) -> String {
        let input = Array(line.unicodeScalars)
        guard input.contains(where: { $0 == "<" || $0 == ">" || $0 == "{" || $0 == "}" || $0 == "\\" }) else {
            return line
        }
        // Whether a ">" or "}" comes after each position: one backward pass.
        var greaterAfter = [Bool](repeating: false, count: input.count + 1)
        var braceAfter = [Bool](repeating: false, count: input.count + 1)
        for index in stride(from: input.count - 1, through: 0, by: -1) {
            greaterAfter[index] = input[index] == ">" || greaterAfter[index + 1]
            braceAfter[index] = input[index] == "}" || braceAfter[index + 1]
        }
        var output = String.UnicodeScalarView()
        var lessBefore = false
        var openBraceBefore = false
        for (index, scalar) in input.enumerated() {
            switch scalar {
            case "<":
                output.append(greaterAfter[index + 1] ? "\u{2039}" : "<")
                lessBefore = true
            case ">":
                output.append(lessBefore ? "\u{203A}" : ">")
            case "{":
                output.append(braceAfter[index + 1] ? "\u{FF5B}" : "{")
                openBraceBefore = true
            case "}":
                output.append(openBraceBefore ? "\u{FF5D}" : "}")
            case "\\":
                output.append("\\")
                if index + 1 < input.count, ["N", "n", "h"].contains(input[index + 1]) { output.append("\u{2060}") }
            default:
                output.append(scalar)
            }
        }
        return String(output)
    }
}
