import Foundation
import Testing
import Subtitles

/// Our WebVTT parser against Chromium on the WebVTT file-parsing cases of web-platform-tests (vendored in
/// Conformance/wpt with their licence) and the WebVTT test files of the Python subtitle libraries
/// (Conformance/python-libs). The expected cue lists in Conformance/wpt-expected.json are what headless
/// Chromium holds for each file (`Tests/Oracles/wpt-chromium --update`); every difference fails unless the file is in
/// ``knownDifferences``, the list documented in docs/subtitle-formats.md.
struct WPTConformanceTests {
    /// Files where we differ from Chromium on purpose (see docs/subtitle-formats.md).
    static let knownDifferences: [String: String] = [
        "header-space": "a white-space line right after WEBVTT is header text (spec); Chromium makes it the cue's id",
        "header-tab": "a white-space line right after WEBVTT is header text (spec); Chromium makes it the cue's id",
    ]

    static var conformance: URL {
        get throws { try #require(Bundle.module.url(forResource: "Conformance", withExtension: nil)) }
    }

    static func expectations() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: try conformance.appendingPathComponent("wpt-expected.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(root["files"] as? [String: [String: Any]])
    }

    /// Every vendored case: its name and the bytes of its WebVTT file.
    static func cases() throws -> [(name: String, bytes: [UInt8])] {
        let directory = try conformance.appendingPathComponent("wpt")
        var result: [(String, [UInt8])] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where name.hasSuffix(".test") {
            let source = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            result.append((String(name.dropLast(5)), try WPTTestFile.vtt(of: source)))
        }
        let invalid = directory.appendingPathComponent("invalid")
        for name in try FileManager.default.contentsOfDirectory(atPath: invalid.path).sorted() where name.hasSuffix(".vtt") {
            let bytes = [UInt8](try Data(contentsOf: invalid.appendingPathComponent(name)))
            result.append(("invalid/" + name.dropLast(4), bytes))
        }
        // The WebVTT test files of the Python subtitle libraries.
        let libraries = try conformance.appendingPathComponent("python-libs")
        for library in try FileManager.default.contentsOfDirectory(atPath: libraries.path).sorted() where !library.contains(".") {
            let folder = libraries.appendingPathComponent(library)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".vtt") {
                let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
                result.append((library + "/" + name.dropLast(4), bytes))
            }
        }
        return result
    }

    @Test func cueListsEqualChromiumOnEveryFile() throws {
        let expected = try Self.expectations()
        let cases = try Self.cases()
        #expect(cases.count == expected.count, "every vendored file has an expectation and every expectation a file")
        var compared = 0
        var cueCount = 0
        for (name, bytes) in cases {
            let want = try #require(expected[name], "no expectation for \(name)")
            let got = try WPTDescription.describe(bytes)
            if let dump = ProcessInfo.processInfo.environment["SUBTITLER_WPT_DUMP"] {
                // For Tests/Oracles/wpt-chromium --ours: our cues, to run the WPT assertions on.
                let file = URL(fileURLWithPath: dump).appendingPathComponent(name.replacingOccurrences(of: "/", with: "__") + ".json")
                try JSONSerialization.data(withJSONObject: got).write(to: file)
            }
            let differences = WPTDescription.differences(got: got, want: want)
            if let reason = Self.knownDifferences[name] {
                #expect(!differences.isEmpty, "\(name) now matches Chromium: remove it from the known differences (\(reason))")
            } else {
                #expect(differences.isEmpty, "\(name): \(differences.prefix(5).joined(separator: "; "))")
            }
            compared += 1
            cueCount += (want["cues"] as? [Any])?.count ?? 0
        }
        #expect(compared >= 70)
        #expect(cueCount >= 250)
    }

    @Test func rejectedFilesGiveAWarningAndNoCue() throws {
        let directory = try Self.conformance.appendingPathComponent("wpt/invalid")
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            let document = try SubtitleParser().document(String(decoding: bytes, as: UTF8.self), format: .vtt)
            #expect(document.cues.isEmpty, "\(name)")
            #expect(document.warnings.contains { $0.kind == .fileRejected }, "\(name): \(document.warnings)")
            #expect(throws: SubtitleParseError.self, "\(name)") {
                try SubtitleParser(strict: true).parse(String(decoding: bytes, as: UTF8.self), format: .vtt)
            }
        }
    }

    @Test func theUnescapingMatchesWPTsBuildScript() throws {
        #expect(try WPTTestFile.vtt(of: "t\n\nx\n===\nA\\x00B\\r\\\nC\\uFFFD\\t\\\\") == Array("A\u{0}B\rC\u{FFFD}\t\\".utf8))
    }
}

/// The `.test` source format of WPT's webvtt/parsing/file-parsing (README there): a title, HTML metadata, a blank
/// line, JavaScript assertions, `===`, then the WebVTT file with Python string escapes.
enum WPTTestFile {
    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// The WebVTT bytes, decoded as WPT's tools/build.py does (`bytes(text, "utf-8").decode("unicode_escape")`,
    /// written as UTF-8).
    static func vtt(of source: String) throws -> [UInt8] {
        guard let split = source.range(of: "\n\n"), let body = source[split.upperBound...].range(of: "===\n") else {
            throw FormatError(description: "not a WPT .test file")
        }
        let escaped = Array(source[body.upperBound...].utf8)
        var scalars = String.UnicodeScalarView()
        var index = 0
        func hex(_ count: Int) throws -> Unicode.Scalar {
            guard index + count < escaped.count + 1,
                  let value = UInt32(String(decoding: escaped[index..<(index + count)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(value)
            else { throw FormatError(description: "bad escape") }
            index += count
            return scalar
        }
        while index < escaped.count {
            let byte = escaped[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < escaped.count else {
                scalars.append(Unicode.Scalar(byte))
                continue
            }
            let next = escaped[index]
            index += 1
            switch next {
            case UInt8(ascii: "\n"): continue
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): scalars.append(Unicode.Scalar(next))
            case UInt8(ascii: "a"): scalars.append("\u{07}")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "v"): scalars.append("\u{0B}")
            case UInt8(ascii: "x"): scalars.append(try hex(2))
            case UInt8(ascii: "u"): scalars.append(try hex(4))
            case UInt8(ascii: "U"): scalars.append(try hex(8))
            default:
                scalars.append("\\")
                scalars.append(Unicode.Scalar(next))
            }
        }
        return Array(String(scalars).utf8)
    }
}

/// Our parse of a file, in the shape Tests/Oracles/wpt-chromium records from the DOM (`TextTrackCue`/`VTTCue`/`VTTRegion`
/// attributes), and the comparison with Chromium's record.
enum WPTDescription {
    static func describe(_ bytes: [UInt8]) throws -> [String: Any] {
        var parser = WebVTTParser(bytes: bytes)
        var cues: [[String: Any]] = []
        var regionOrder: [Int: Int] = [:]
        while let event = try parser.next() {
            guard case .cue(let cue) = event else { continue }
            let settings = cue.settings
            var region: Any = NSNull()
            if let r = settings.region {
                let order = regionOrder[r.index] ?? regionOrder.count
                regionOrder[r.index] = order
                region = [
                    "order": order, "id": r.identifier, "width": r.width, "lines": r.lines,
                    "regionAnchorX": r.regionAnchorX, "regionAnchorY": r.regionAnchorY,
                    "viewportAnchorX": r.viewportAnchorX, "viewportAnchorY": r.viewportAnchorY,
                    "scroll": r.scrollsUp ? "up" : "",
                ] as [String: Any]
            }
            cues.append([
                "id": cue.identifier, "startTime": Double(cue.start) / 1000, "endTime": Double(cue.end) / 1000,
                "text": cue.text, "vertical": settings.vertical.rawValue, "snapToLines": settings.snapToLines,
                "line": settings.line.map { $0 as Any } ?? "auto", "lineAlign": settings.lineAlign.rawValue,
                "position": settings.position.map { $0 as Any } ?? "auto",
                "positionAlign": settings.positionAlign.rawValue, "size": settings.size,
                "align": settings.align.rawValue, "region": region,
            ])
        }
        return parser.isRejected ? ["rejected": true] : ["cues": cues]
    }

    /// Human-readable differences; empty when equal.
    static func differences(got: [String: Any], want: [String: Any]) -> [String] {
        if (want["rejected"] as? Bool) == true || (got["rejected"] as? Bool) == true {
            return (want["rejected"] as? Bool) == (got["rejected"] as? Bool) ? []
                : ["rejected: Chromium \(want["rejected"] != nil), ours \(got["rejected"] != nil)"]
        }
        let gotCues = got["cues"] as? [[String: Any]] ?? []
        let wantCues = want["cues"] as? [[String: Any]] ?? []
        guard gotCues.count == wantCues.count else {
            return ["\(gotCues.count) cues, Chromium has \(wantCues.count): ours \(gotCues.map { $0["text"] ?? "" })"]
        }
        var result: [String] = []
        for (index, (ours, theirs)) in zip(gotCues, wantCues).enumerated() {
            for (key, value) in theirs where !same(ours[key], value) {
                result.append("cue \(index) \(key): ours \(String(describing: ours[key] ?? "nil")), Chromium \(value)")
            }
        }
        return result
    }

    static func same(_ a: Any?, _ b: Any) -> Bool {
        switch (a, b) {
        case (is NSNull, is NSNull): return true
        case (let x as Bool, let y): return (y as? Bool) == x
        case (let x as String, let y as String): return x == y
        case (let x as Double, let y as NSNumber): return x == y.doubleValue
        case (let x as Int, let y as NSNumber): return Double(x) == y.doubleValue
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && y.allSatisfy { key, value in same(x[key], value) }
        default: return false
        }
    }
}
