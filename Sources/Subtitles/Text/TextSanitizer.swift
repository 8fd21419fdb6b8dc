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
    /// - a `<` with a `>` after it on the line becomes `‹` (U+2039), and the `>` that closes it `›` (U+203A):
    ///   `<inaudible>` is written `‹inaudible›`;
    /// - a `{` with a `}` after it becomes `｛` (U+FF5B), and the `}` that closes it `｝` (U+FF5D);
    /// - a word joiner (U+2060, invisible) goes between `\` and a following `N`, `n` or `h`;
    /// - when the line holds two or more timestamps (`1:02:03,4`), which pysubs2 takes for a timing line, a word
    ///   joiner goes after each one's `,` or `.`.
    /// A lone `<`, `>`, `{` or `}` stays as it is.
    public static func neutralizedSRTLine(_ line: String) -> String {
        let input = Array(line.unicodeScalars)
        guard input.contains(where: { $0 == "<" || $0 == ">" || $0 == "{" || $0 == "}" || $0 == "\\" || $0 == ":" }) else {
            return line
        }
        // Whether a ">" or "}" comes after each position: one backward pass.
        var greaterAfter = [Bool](repeating: false, count: input.count + 1)
        var braceAfter = [Bool](repeating: false, count: input.count + 1)
        for index in stride(from: input.count - 1, through: 0, by: -1) {
            greaterAfter[index] = input[index] == ">" || greaterAfter[index + 1]
            braceAfter[index] = input[index] == "}" || braceAfter[index + 1]
        }
        let timestampSeparators = Self.timestampSeparators(input)
        let breakTimestamps = timestampSeparators.count >= 2
        var output = String.UnicodeScalarView()
        // Replaced openers not yet closed: each closes with the next ">" or "}", which is replaced too, so the pair
        // reads as brackets. Once every opener with a closer after it is replaced, no tag-like pair is left.
        var openAngles = 0
        var openBraces = 0
        for (index, scalar) in input.enumerated() {
            switch scalar {
            case "<" where greaterAfter[index + 1]:
                output.append("\u{2039}")
                openAngles += 1
            case ">" where openAngles > 0:
                output.append("\u{203A}")
                openAngles -= 1
            case "{" where braceAfter[index + 1]:
                output.append("\u{FF5B}")
                openBraces += 1
            case "}" where openBraces > 0:
                output.append("\u{FF5D}")
                openBraces -= 1
            case "\\":
                output.append("\\")
                if index + 1 < input.count, ["N", "n", "h"].contains(input[index + 1]) { output.append("\u{2060}") }
            default:
                output.append(scalar)
                if breakTimestamps, timestampSeparators.contains(index) { output.append("\u{2060}") }
            }
        }
        return String(output)
    }

    /// The positions of the `,` or `.` of every `D:D:D,D` (one or two digits each, as pysubs2's timestamp pattern)
    /// in the line. Each check looks back at most eight characters.
    static func timestampSeparators(_ input: [Unicode.Scalar]) -> Set<Int> {
        func isDigit(_ index: Int) -> Bool { index >= 0 && index < input.count && ("0"..."9").contains(input[index]) }
        func digitsBefore(_ end: Int) -> Int {  // 1 or 2 digits ending at end - 1, else 0
            isDigit(end - 1) ? (isDigit(end - 2) ? 2 : 1) : 0
        }
        var result: Set<Int> = []
        for index in input.indices where (input[index] == "," || input[index] == ".") && isDigit(index + 1) {
            let seconds = digitsBefore(index)
            guard seconds > 0, index - seconds - 1 >= 0, input[index - seconds - 1] == ":" else { continue }
            let minutesEnd = index - seconds - 1
            let minutes = digitsBefore(minutesEnd)
            guard minutes > 0, minutesEnd - minutes - 1 >= 0, input[minutesEnd - minutes - 1] == ":",
                  isDigit(minutesEnd - minutes - 2)
            else { continue }
            result.insert(index)
        }
        return result
    }
}
