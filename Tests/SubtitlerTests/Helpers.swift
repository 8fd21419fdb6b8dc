import Foundation
import Testing

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
