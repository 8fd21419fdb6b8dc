import Foundation
import Testing
import TestSupport

/// A fixture could not be read.
struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Programmes with known speech, music, noise and silence, generated at test time from the English sample's speech
/// and ffmpeg's lavfi sources (nothing generated is committed), as 16 kHz mono 16-bit WAV files whose layout is
/// known to the sample.
enum SpeechFixtures {
    /// Samples per second of every fixture.
    static let rate = 16_000

    /// One part of a programme.
    enum Part {
        /// The English sample's audio from `from` to `to` seconds.
        case speech(from: Double, to: Double)
        /// Synthetic music: three-note chords that change every two seconds, swelling slowly.
        case music(seconds: Double)
        /// Pink noise, loud.
        case noise(seconds: Double)
        /// Digital silence.
        case silence(seconds: Double)

        var isSpeech: Bool { if case .speech = self { true } else { false } }
    }

    /// Where each part of a generated programme lies and where its speech starts.
    struct Programme {
        /// The WAV file.
        var path: String
        /// Each part's samples on the timeline.
        var parts: [(part: Part, range: Range<Int>)]
        /// The samples.
        var samples: [Int16]

        /// The media time (ms) of the first sample louder than -40 dBFS in speech part `index` (counted among the
        /// speech parts).
        func speechOnset(_ index: Int) -> Int64 {
            let range = parts.filter { $0.part.isSpeech }[index].range
            let first = range.first { abs(Int(samples[$0])) > 328 } ?? range.lowerBound
            return Int64(first) * 1000 / Int64(SpeechFixtures.rate)
        }

        /// The time span (ms) of part `index`.
        func span(_ index: Int) -> Range<Int64> {
            let range = parts[index].range
            return Int64(range.lowerBound) * 1000 / Int64(SpeechFixtures.rate)..<Int64(range.upperBound) * 1000 / Int64(SpeechFixtures.rate)
        }
    }

    /// The English sample decoded once per process.
    static let talk: [Int16] = {
        (try? pcm(fromWAV: FFmpegCLI.wav(from: Samples.url("talk-en.mp4")))) ?? []
    }()

    /// Makes a programme from its parts.
    static func programme(_ parts: [Part], in directory: TemporaryDirectory, name: String = "programme.wav") throws -> Programme {
        var samples: [Int16] = []
        var placed: [(Part, Range<Int>)] = []
        for part in parts {
            let piece: [Int16]
            switch part {
            case .speech(let from, let to):
                let talk = Self.talk
                try #require(!talk.isEmpty, "the English sample could not be decoded")
                piece = Array(talk[min(talk.count, Int(from * Double(rate)))..<min(talk.count, Int(to * Double(rate)))])
            case .music(let seconds):
                piece = try lavfi(
                    "aevalsrc='0.1*(0.7+0.3*cos(2*PI*0.5*t))*(sin(2*PI*(196+49*mod(floor(t/2),3))*t)"
                        + "+sin(2*PI*(247+62*mod(floor(t/2),3))*t)+sin(2*PI*(294+73*mod(floor(t/2),3))*t))'", seconds)
            case .noise(let seconds):
                piece = try lavfi("anoisesrc=color=pink:amplitude=0.25:seed=7", seconds)
            case .silence(let seconds):
                piece = [Int16](repeating: 0, count: Int(seconds * Double(rate)))
            }
            placed.append((part, samples.count..<(samples.count + piece.count)))
            samples += piece
        }
        let path = directory.path(name)
        try Data(wav(samples)).write(to: URL(fileURLWithPath: path))
        return Programme(path: path, parts: placed, samples: samples)
    }

    /// `seconds` of a lavfi audio source at 16 kHz mono.
    static func lavfi(_ source: String, _ seconds: Double) throws -> [Int16] {
        let bytes = try FFmpegCLI.run([
            "-f", "lavfi", "-i", source, "-t", String(seconds), "-ac", "1", "-ar", String(rate), "-f", "s16le", "-",
        ])
        return stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    /// A mono 16-bit WAV file.
    static func wav(_ samples: [Int16]) -> [UInt8] {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        let data = samples.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] }
        return Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1)
            + le32(rate) + le32(rate * 2) + le16(2) + le16(16) + Array("data".utf8) + le32(data.count) + data
    }

    /// The samples of the first mono 16-bit WAV file found in `bytes` (a WAV file, or a multipart body holding one).
    static func pcm(fromWAV bytes: [UInt8]) throws -> [Int16] {
        let riff = Array("RIFF".utf8)
        guard let start = (0..<max(0, bytes.count - 12)).first(where: { Array(bytes[$0..<($0 + 4)]) == riff }) else {
            throw FixtureError(message: "no RIFF header")
        }
        var position = start + 12
        while position + 8 <= bytes.count {
            let id = String(decoding: bytes[position..<(position + 4)], as: UTF8.self)
            let size = (0..<4).reduce(0) { $0 | Int(bytes[position + 4 + $1]) << (8 * $1) }
            position += 8
            if id == "data" {
                let end = min(bytes.count, position + (size == 0xFFFF_FFFF || size == 0 ? bytes.count : size))
                return stride(from: position, to: end - 1, by: 2).map {
                    Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
                }
            }
            position += size + (size & 1)
        }
        throw FixtureError(message: "no data chunk")
    }

    /// Runs of digital silence (|sample| ≤ 2) at least `minimum` samples long in `samples`.
    static func silentRuns(in samples: [Int16], minimum: Int) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for (index, sample) in samples.enumerated() {
            if abs(Int(sample)) <= 2 {
                if start == nil { start = index }
            } else if let first = start {
                if index - first >= minimum { runs.append(first..<index) }
                start = nil
            }
        }
        if let first = start, samples.count - first >= minimum { runs.append(first..<samples.count) }
        return runs
    }
}
