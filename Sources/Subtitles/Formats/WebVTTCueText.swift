import Foundation

/// The plain text a WebVTT cue shows, by the spec's cue text tokenizer (W3C WebVTT, "WebVTT cue text parsing
/// rules"): tags are removed (an unclosed `<` swallows the rest of the cue, as in browsers), HTML character
/// references are decoded with the full table of the HTML standard, and `<v Name>` voices become speakers.
/// One forward pass over the text; a character reference looks ahead at most 32 characters.
enum WebVTTCueText {
    /// The lines shown (trailing spaces removed, empty lines dropped) and the speaker of each.
    static func plainLines(_ text: String) -> (lines: [String], speakers: [String?]) {
        var lines: [String] = []
        var speakers: [String?] = []
        var current = String.UnicodeScalarView()
        var openVoice: String?
        var lineSpeaker: String?
        var lineHasText = false

        func finishLine() {
            var scalars = current
            while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
            if !scalars.isEmpty {
                lines.append(String(scalars))
                speakers.append(lineSpeaker)
            }
            current = String.UnicodeScalarView()
            lineSpeaker = openVoice
            lineHasText = false
        }
        func appendText(_ scalar: Unicode.Scalar) {
            if scalar == "\n" {
                finishLine()
                return
            }
            if scalar != " " && scalar != "\t" { lineHasText = true }
            current.append(scalar)
        }

        let input = Array(text.unicodeScalars)
        var position = 0
        while position < input.count {
            let scalar = input[position]
            if scalar == "&" {
                if let (decoded, length) = characterReference(input, at: position + 1) {
                    decoded.forEach(appendText)
                    position += 1 + length
                } else {
                    appendText("&")
                    position += 1
                }
                continue
            }
            guard scalar == "<" else {
                appendText(scalar)
                position += 1
                continue
            }
            // A tag runs to the next ">" or to the end of the cue text.
            var end = position + 1
            while end < input.count, input[end] != ">" { end += 1 }
            let tag = input[(position + 1)..<end]
            position = end + 1
            // The tag's name runs to white space, "." or the end; a line feed inside a tag does not break the line
            // shown.
            guard let first = tag.first else { continue }
            if first == "/" {
                let name = tag.dropFirst().prefix(while: { !isTagSeparator($0) })
                if name.elementsEqual("v".unicodeScalars) { openVoice = nil }
                continue
            }
            let name = tag.prefix(while: { !isTagSeparator($0) && $0 != "." })
            guard name.elementsEqual("v".unicodeScalars) else { continue }
            let afterName = tag.dropFirst(name.count).drop(while: { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\u{0C}" })
            let annotation = decodeReferences(afterName).trimmingCharacters(in: .whitespacesAndNewlines)
            openVoice = annotation.isEmpty ? nil : annotation
            if !lineHasText { lineSpeaker = openVoice }
        }
        finishLine()
        if Set(speakers).count > 1 {
            for index in lines.indices where index == 0 || speakers[index - 1] != speakers[index] {
                if lines[index].hasPrefix("-"), lines[index].count > 1 { lines[index].removeFirst() }
            }
        }
        return (lines, speakers)
    }

    private static func isTagSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\u{0C}"
    }

    /// Decodes every character reference in a run of scalars (used for voice annotations).
    static func decodeReferences(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        let input = Array(scalars)
        var output = String.UnicodeScalarView()
        var position = 0
        while position < input.count {
            if input[position] == "&", let (decoded, length) = characterReference(input, at: position + 1) {
                output.append(contentsOf: decoded)
                position += 1 + length
            } else {
                output.append(input[position])
                position += 1
            }
        }
        return String(output)
    }

    /// Decodes `&…` text as HTML text (W3C WebVTT via the HTML standard's "character reference state"): the text
    /// with every character reference replaced.
    static func decodeReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return decodeReferences(Array(text.unicodeScalars)[...])
    }

    /// The character reference starting after an `&` at `start`: its scalars and how many input scalars it used,
    /// or nil when there is none (the `&` is then literal).
    static func characterReference(_ input: [Unicode.Scalar], at start: Int) -> ([Unicode.Scalar], Int)? {
        guard start < input.count else { return nil }
        if input[start] == "#" { return numericReference(input, at: start) }
        // The longest name in the table that the input starts with (names are at most 32 scalars long).
        var key = ""
        var best: ([Unicode.Scalar], Int)?
        var position = start
        while position < input.count, position - start < HTMLEntities.longestName {
            let scalar = input[position]
            guard isReferenceNameScalar(scalar) else { break }
            key.unicodeScalars.append(scalar)
            position += 1
            if let value = HTMLEntities.table[key] { best = (value, position - start) }
            if scalar == ";" { break }
        }
        return best
    }

    private static func isReferenceNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x3B: return true
        default: return false
        }
    }

    private static func numericReference(_ input: [Unicode.Scalar], at start: Int) -> ([Unicode.Scalar], Int)? {
        var position = start + 1
        var radix: UInt32 = 10
        if position < input.count, input[position] == "x" || input[position] == "X" {
            radix = 16
            position += 1
        }
        var value: UInt32 = 0
        var digitCount = 0
        while position < input.count, let digit = hexValue(input[position]), digit < radix {
            value = min(value &* radix &+ digit, 0x110000)  // saturate: anything past U+10FFFF is an error anyway
            digitCount += 1
            position += 1
        }
        guard digitCount > 0 else { return nil }
        if position < input.count, input[position] == ";" { position += 1 }
        return ([scalarForNumericReference(value)], position - start)
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46: return scalar.value - 0x41 + 10
        case 0x61...0x66: return scalar.value - 0x61 + 10
        default: return nil
        }
    }

    /// The HTML standard's "numeric character reference end state": NUL, surrogates and values past U+10FFFF
    /// become U+FFFD; 0x80...0x9F map through Windows-1252.
    static func scalarForNumericReference(_ value: UInt32) -> Unicode.Scalar {
        if value == 0 || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) { return "\u{FFFD}" }
        if (0x80...0x9F).contains(value), let mapped = TextDecoding.windows1252High[Int(value - 0x80)] {
            return mapped
        }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }
}

/// The HTML named character references, loaded once from ``htmlEntityTable``.
enum HTMLEntities {
    /// Name (with its `;` when it has one) to scalars.
    static let table: [String: [Unicode.Scalar]] = {
        var table: [String: [Unicode.Scalar]] = [:]
        table.reserveCapacity(2300)
        for row in htmlEntityTable.split(separator: "\n") {
            let fields = row.split(separator: "\t")
            guard fields.count == 2 else { continue }
            let scalars = fields[1].split(separator: " ").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
            table[String(fields[0])] = scalars
        }
        return table
    }()

    /// The length of the longest name, in scalars.
    static let longestName = table.keys.map(\.unicodeScalars.count).max() ?? 32
}
