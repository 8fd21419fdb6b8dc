import Foundation

/// What ``XMLScanner`` read next.
enum XMLEvent: Equatable {
    /// A start tag (or an empty-element tag, followed by its ``end``), its name and attributes resolved against the
    /// namespace declarations in scope.
    case start(XMLName, attributes: [XMLAttribute], line: Int)
    /// An end tag.
    case end(XMLName, line: Int)
    /// Character data (references decoded, CDATA sections as written).
    case text(String)
}

/// An element's or attribute's name: its namespace (nil for none) and local part.
struct XMLName: Equatable {
    var namespace: String?
    var local: String
}

/// One attribute of a start tag.
struct XMLAttribute: Equatable {
    var name: XMLName
    var value: String
}

/// Why a document is not well-formed, and where.
struct XMLScanError: Error, Equatable {
    var line: Int
    var reason: String
}

/// A small, strict, non-validating XML 1.0 reader for subtitle documents, written for input nobody trusts: one
/// forward pass over UTF-8 bytes, no DTD processing (a DOCTYPE is skipped, so no entity is ever defined, expanded or
/// fetched), only XML's five predefined entities and character references, namespaces resolved per element. A
/// document that is not well-formed (a mismatched or missing end tag, a stray `<` or `&`, an undeclared prefix) is an
/// error at the first problem, with its line. Memory stays within a small multiple of the input.
struct XMLScanner {
    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var open: [(name: String, scope: [String: String])] = []
    private var pendingEnd: XMLEvent?
    private var sawRoot = false

    /// A scanner over a document's bytes (UTF-8, a byte order mark allowed; UTF-16 with a byte order mark is
    /// converted).
    init(_ input: [UInt8]) {
        if input.starts(with: [0xFF, 0xFE]) || input.starts(with: [0xFE, 0xFF]) {
            let bigEndian = input[0] == 0xFE
            var units: [UInt16] = []
            units.reserveCapacity(input.count / 2)
            var index = 2
            while index + 1 < input.count {
                units.append(bigEndian ? UInt16(input[index]) << 8 | UInt16(input[index + 1])
                                       : UInt16(input[index + 1]) << 8 | UInt16(input[index]))
                index += 2
            }
            bytes = Array(String(decoding: units, as: UTF16.self).utf8)
        } else {
            bytes = input.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(input.dropFirst(3)) : input
        }
    }

    /// The next event, or nil at the end of a well-formed document.
    mutating func next() throws(XMLScanError) -> XMLEvent? {
        if let pending = pendingEnd {
            pendingEnd = nil
            if open.isEmpty { sawRoot = true }
            return pending
        }
        while position < bytes.count {
            if bytes[position] == UInt8(ascii: "<") {
                if starts(with: "<?") { try skip(past: "?>", what: "processing instruction"); continue }
                if starts(with: "<!--") { try skip(past: "-->", what: "comment"); continue }
                if starts(with: "<![CDATA[") {
                    guard !open.isEmpty else { throw fail("a CDATA section outside the root element") }
                    position += 9
                    let start = position
                    try skip(past: "]]>", what: "CDATA section")
                    return .text(decode(start..<(position - 3)))
                }
                if starts(with: "<!DOCTYPE") {
                    guard !sawRoot, open.isEmpty else { throw fail("a DOCTYPE after the root element started") }
                    try skipDoctype()
                    continue
                }
                if starts(with: "</") { return try endTag() }
                return try startTag()
            }
            let text = try characterData()
            if open.isEmpty {
                guard text.allSatisfy({ $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) else {
                    throw fail("text outside the root element")
                }
                continue
            }
            return .text(text)
        }
        if let last = open.last { throw fail("the document ends before the <\(last.name)> element is closed") }
        if !sawRoot { throw fail("no root element") }
        return nil
    }

    // MARK: - Pieces

    private mutating func startTag() throws(XMLScanError) -> XMLEvent {
        if sawRoot && open.isEmpty { throw fail("a second root element") }
        let tagLine = line
        position += 1
        let name = try nameToken()
        var raw: [(String, String)] = []
        var selfClosing = false
        while true {
            skipSpace()
            guard position < bytes.count else { throw fail("the <\(name)> tag is not closed") }
            if bytes[position] == UInt8(ascii: ">") { position += 1; break }
            if starts(with: "/>") { position += 2; selfClosing = true; break }
            let attribute = try nameToken()
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw fail("the attribute \(attribute) has no value")
            }
            position += 1
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                throw fail("the value of \(attribute) is not quoted")
            }
            let quote = bytes[position]
            position += 1
            let value = try attributeValue(until: quote)
            if raw.contains(where: { $0.0 == attribute }) { throw fail("the attribute \(attribute) appears twice") }
            raw.append((attribute, value))
        }
        var scope = open.last?.scope ?? ["xml": Self.xmlNamespace]
        for (key, value) in raw {
            if key == "xmlns" { scope[""] = value }
            if key.hasPrefix("xmlns:") { scope[String(key.dropFirst(6))] = value }
        }
        let element = try resolve(name, scope: scope, isAttribute: false)
        var attributes: [XMLAttribute] = []
        for (key, value) in raw where key != "xmlns" && !key.hasPrefix("xmlns:") {
            attributes.append(XMLAttribute(name: try resolve(key, scope: scope, isAttribute: true), value: value))
        }
        if selfClosing {
            pendingEnd = .end(element, line: tagLine)
        } else {
            open.append((name, scope))
        }
        return .start(element, attributes: attributes, line: tagLine)
    }

    private mutating func endTag() throws(XMLScanError) -> XMLEvent {
        let tagLine = line
        position += 2
        let name = try nameToken()
        skipSpace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw fail("the </\(name)> tag is not closed") }
        position += 1
        guard let top = open.popLast() else { throw fail("</\(name)> closes no element") }
        guard top.name == name else { throw fail("</\(name)> closes <\(top.name)>") }
        if open.isEmpty { sawRoot = true }
        return .end(try resolve(name, scope: top.scope, isAttribute: false), line: tagLine)
    }

    private func resolve(_ qualified: String, scope: [String: String], isAttribute: Bool) throws(XMLScanError) -> XMLName {
        guard let colon = qualified.firstIndex(of: ":") else {
            // Unprefixed attributes are in no namespace; unprefixed elements in the default one.
            let namespace = isAttribute ? nil : scope[""].flatMap { $0.isEmpty ? nil : $0 }
            return XMLName(namespace: namespace, local: qualified)
        }
        let prefix = String(qualified[..<colon])
        guard let namespace = scope[prefix] else { throw fail("the prefix \(prefix) of \(qualified) is not declared") }
        return XMLName(namespace: namespace, local: String(qualified[qualified.index(after: colon)...]))
    }

    /// Text up to the next `<`, references decoded.
    private mutating func characterData() throws(XMLScanError) -> String {
        var out: [UInt8] = []
        while position < bytes.count, bytes[position] != UInt8(ascii: "<") {
            let byte = bytes[position]
            if byte == UInt8(ascii: "&") {
                out += try reference()
                continue
            }
            if byte == 0x0A { line += 1 }
            out.append(byte)
            position += 1
        }
        return decode(out)
    }

    private mutating func attributeValue(until quote: UInt8) throws(XMLScanError) -> String {
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw fail("an attribute value is not closed") }
            let byte = bytes[position]
            if byte == quote { position += 1; break }
            if byte == UInt8(ascii: "<") { throw fail("a < inside an attribute value") }
            if byte == UInt8(ascii: "&") { out += try reference(); continue }
            if byte == 0x0A { line += 1 }
            // Attribute-value normalisation: white space characters become spaces.
            out.append(byte == 0x09 || byte == 0x0A || byte == 0x0D ? 0x20 : byte)
            position += 1
        }
        return decode(out)
    }

    /// `&name;` or `&#…;` at `position`, decoded.
    private mutating func reference() throws(XMLScanError) -> [UInt8] {
        guard let semicolon = bytes[position...].prefix(40).firstIndex(of: UInt8(ascii: ";")) else {
            throw fail("a & that starts no reference (write &amp;)")
        }
        let name = String(decoding: bytes[(position + 1)..<semicolon], as: UTF8.self)
        position = semicolon + 1
        switch name {
        case "amp": return [UInt8(ascii: "&")]
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default:
            var digits = Substring(name)
            guard digits.hasPrefix("#") else {
                throw fail("the entity &\(name.prefix(32)); is not read (only XML's five and character references are)")
            }
            digits = digits.dropFirst()
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, let scalar = Unicode.Scalar(value), value != 0 else {
                throw fail("the character reference &\(name.prefix(32)); names no character")
            }
            return Array(String(Character(scalar)).utf8)
        }
    }

    private mutating func nameToken() throws(XMLScanError) -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            let isNameByte = byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            guard isNameByte else { break }
            position += 1
        }
        guard position > start, !(0x30...0x39).contains(bytes[start]), bytes[start] != UInt8(ascii: "-"),
              bytes[start] != UInt8(ascii: ".") else {
            throw fail("a < that starts no tag (write &lt;)")
        }
        return decode(bytes[start..<position])
    }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
            if bytes[position] == 0x0A { line += 1 }
            position += 1
        }
    }

    private mutating func skip(past terminator: String, what: String) throws(XMLScanError) {
        let end = Array(terminator.utf8)
        while position < bytes.count {
            if bytes[position] == end[0], bytes[position...].starts(with: end) {
                position += end.count
                return
            }
            if bytes[position] == 0x0A { line += 1 }
            position += 1
        }
        throw fail("a \(what) is not closed")
    }

    /// Skips `<!DOCTYPE …>` with its internal subset (`[…]`), quoted strings included; nothing in it is read.
    private mutating func skipDoctype() throws(XMLScanError) {
        var depth = 0
        var quote: UInt8?
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == 0x0A { line += 1 }
            if let open = quote {
                if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ">") where depth <= 0: return
            default: break
            }
        }
        throw fail("the DOCTYPE is not closed")
    }

    private func starts(with text: String) -> Bool { bytes[position...].starts(with: text.utf8) }

    private func decode<C: Collection<UInt8>>(_ piece: C) -> String { String(decoding: piece, as: UTF8.self) }

    private func decode(_ range: Range<Int>) -> String { decode(bytes[range]) }

    private func fail(_ reason: String) -> XMLScanError { XMLScanError(line: line, reason: reason) }
}
