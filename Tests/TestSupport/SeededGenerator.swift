import Foundation

/// A deterministic random number generator (SplitMix64) for fuzz runs: the same seed gives the same inputs on every
/// machine, so a failure found in CI can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fuzz-run settings shared by the fuzz suites.
public enum FuzzSettings {
    /// Iterations per fuzz run: the given default, or `SUBTITLER_FUZZ_ITERATIONS` for longer local runs.
    public static func iterations(default count: Int) -> Int {
        if let text = ProcessInfo.processInfo.environment["SUBTITLER_FUZZ_ITERATIONS"], let value = Int(text), value > 0 {
            return value
        }
        return count
    }

    /// The seed of a run: `SUBTITLER_FUZZ_SEED` when set, else `base` (fixed, so CI runs are reproducible).
    public static func seed(_ base: UInt64) -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["SUBTITLER_FUZZ_SEED"], let value = UInt64(text) {
            return value ^ base
        }
        return base
    }

    /// The process's peak resident memory in bytes (`ru_maxrss`), for bounded-memory checks.
    public static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}

/// Byte-level mutations of a fixture: flips, extreme values, truncation, duplication, insertion.
public enum Mutator {
    /// A mutated copy of `bytes`: one to `maxEdits` random edits.
    public static func mutate(_ bytes: [UInt8], using random: inout SeededGenerator, maxEdits: Int = 8) -> [UInt8] {
        var data = bytes
        let edits = Int.random(in: 1...max(1, maxEdits), using: &random)
        for _ in 0..<edits {
            guard !data.isEmpty else { break }
            let at = Int.random(in: 0..<data.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0:  // flip bits
                data[at] ^= UInt8.random(in: 1...255, using: &random)
            case 1:  // an extreme 32-bit value (lengths, rates, sizes)
                let value: UInt32 = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x0001_0000].randomElement(using: &random)!
                for k in 0..<4 where at + k < data.count { data[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            case 2:  // an extreme 64-bit value, big-endian (Matroska, MP4 timestamps and durations)
                let value: UInt64 = [0, .max, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000].randomElement(using: &random)!
                for k in 0..<8 where at + k < data.count { data[at + k] = UInt8(truncatingIfNeeded: value >> (56 - 8 * k)) }
            case 3:  // truncate
                data.removeSubrange(max(1, at)...)
            case 4:  // duplicate a stretch
                let length = min(Int.random(in: 1...256, using: &random), data.count - at)
                data.insert(contentsOf: data[at..<(at + length)], at: at)
            case 5:  // insert random bytes
                let length = Int.random(in: 1...64, using: &random)
                data.insert(contentsOf: (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
            default:  // zero a stretch
                for k in at..<min(data.count, at + Int.random(in: 1...32, using: &random)) { data[k] = 0 }
            }
        }
        return data
    }
}
