import Foundation
import Testing

/// A fresh temporary directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("subtitler-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// Words of a text, lower-cased, without punctuation.
func normalizedWords(_ text: String) -> [String] {
    text.lowercased()
        .map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        .reduce(into: "") { $0.append($1) }
        .split(separator: " ").map(String.init)
}

/// Word error rate of `hypothesis` against `reference` (Levenshtein over words).
func wordErrorRate(reference: [String], hypothesis: [String]) -> Double {
    var row = Array(0...hypothesis.count)
    for (i, r) in reference.enumerated() {
        var previous = row[0]
        row[0] = i + 1
        for (j, h) in hypothesis.enumerated() {
            let substitution = previous + (r == h ? 0 : 1)
            previous = row[j + 1]
            row[j + 1] = min(row[j + 1] + 1, row[j] + 1, substitution)
        }
    }
    return Double(row[hypothesis.count]) / Double(max(1, reference.count))
}
