import Foundation

/// A programme of real speech with exact cue times, generated at test time: the sentences of the English sample
/// (Piper speech, `samples/talk-en.mp4`) in a seeded order with seeded pauses, encoded by ffmpeg (AAC in Matroska),
/// and its oracle cues: where each sentence's sound starts and ends, measured on the samples placed (20 ms windows
/// above -40 dBFS), not by the speech detector under test.
public struct SpokenProgramme: Sendable {
    /// One cue: a sentence's sound on the programme's timeline, milliseconds.
    public struct Cue: Sendable, Hashable {
        public var start: Int64
        public var end: Int64
        public var text: String
    }

    /// The media file.
    public var path: String
    /// The oracle cues, in time order.
    public var cues: [Cue]
    /// The programme's length, milliseconds.
    public var duration: Int64

    static let rate = 16_000

    /// The sample's sentences: sample ranges of sound separated by at least 450 ms of quiet.
    static let sentences: Result<([Int16], [Range<Int>]), any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("subtitler-spoken-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let raw = directory.appendingPathComponent("talk.s16").path
        try Tool.ffmpeg(["-i", Samples.url("talk-en.mp4").path, "-ac", "1", "-ar", String(rate), "-f", "s16le", raw])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        try? FileManager.default.removeItem(at: directory)
        let samples = stride(from: 0, to: bytes.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
        }
        let window = rate / 50
        var loud: [Bool] = []
        for start in stride(from: 0, to: samples.count, by: window) {
            loud.append(Signal.rms(samples[start..<min(samples.count, start + window)]) > 328)
        }
        var runs: [Range<Int>] = []
        var first: Int?
        var quiet = 0
        for (index, isLoud) in loud.enumerated() {
            if isLoud {
                if first == nil { first = index }
                quiet = 0
            } else if let begin = first {
                quiet += 1
                if quiet * 20 >= 450 {
                    runs.append(begin..<(index - quiet + 1))
                    first = nil
                    quiet = 0
                }
            }
        }
        if let begin = first { runs.append(begin..<(loud.count - quiet)) }
        let ranges = runs.filter { $0.count >= 10 }.map { ($0.lowerBound * window)..<min(samples.count, $0.upperBound * window) }
        guard ranges.count >= 5 else { throw FixtureError(description: "the English sample has \(ranges.count) sentences") }
        return (samples, ranges)
    }

    /// Makes a programme of `count` sentences.
    /// - Parameters:
    ///   - seed: chooses the order of the sentences and the pauses (0.4–3 s) between them.
    ///   - lead: silence before the first sentence, seconds.
    public static func make(in directory: TemporaryDirectory, name: String = "programme.mkv", seed: UInt64,
                            count: Int = 30, lead: Double = 2) throws -> SpokenProgramme {
        let (talk, ranges) = try sentences.get()
        let texts = try Samples.text("talk-en.txt").split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        var random = SeededGenerator(seed: seed)
        var samples = [Int16](repeating: 0, count: Int(lead * Double(rate)))
        var cues: [Cue] = []
        for number in 0..<count {
            let index = Int.random(in: 0..<ranges.count, using: &random)
            let range = ranges[index]
            let start = samples.count
            samples += talk[range]
            cues.append(Cue(start: Int64(start) * 1000 / Int64(rate), end: Int64(samples.count) * 1000 / Int64(rate),
                            text: index < texts.count ? texts[index] : "Sentence \(number + 1)."))
            samples += [Int16](repeating: 0, count: Int.random(in: (rate * 2 / 5)...(rate * 3), using: &random))
        }
        let raw = directory.path(name + ".s16")
        try Data(samples.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] })
            .write(to: URL(fileURLWithPath: raw))
        let path = directory.path(name)
        try Tool.ffmpeg(["-f", "s16le", "-ar", String(rate), "-ac", "1", "-i", raw, "-c:a", "aac", "-b:a", "64k", path])
        try? FileManager.default.removeItem(atPath: raw)
        return SpokenProgramme(path: path, cues: cues, duration: Int64(samples.count) * 1000 / Int64(rate))
    }

    /// The cues as an SRT file, each time moved by `transform` (CRLF line endings and italics, to check that only
    /// the times change).
    public func srt(_ transform: (Int64) -> Int64 = { $0 }) -> String {
        cues.enumerated().map { index, cue in
            let start = transform(cue.start)
            let end = start + (transform(cue.end) - transform(cue.start))
            return "\(index + 1)\r\n\(Self.timestamp(start)) --> \(Self.timestamp(end))\r\n<i>\(cue.text)</i>\r\n"
        }.joined(separator: "\r\n")
    }

    /// `HH:MM:SS,mmm`.
    public static func timestamp(_ ms: Int64) -> String {
        let value = max(0, ms)
        return String(format: "%02lld:%02lld:%02lld,%03lld", value / 3_600_000, value / 60_000 % 60, value / 1000 % 60, value % 1000)
    }
}
