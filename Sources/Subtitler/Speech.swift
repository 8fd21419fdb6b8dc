import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles

/// Speech from text or from subtitle cues through `/audio/speech`.
public struct SpeechMaker: Sendable {
    /// The API client (its speech base URL is used).
    public let client: OpenAIAudioClient

    /// Voice, model and output settings.
    public struct Options: Sendable {
        /// The speech model.
        public var model: String = "gpt-4o-mini-tts"
        /// The voice name (any string; the server decides).
        public var voice: String = "alloy"
        /// Style instructions (gpt-4o-mini-tts).
        public var instructions: String?
        /// Speed, 0.25 to 4.0.
        public var speed: Double?
        /// The output format.
        public var format: SpeechFormat = .mp3
        /// How many pieces are requested at once.
        public var concurrency: Int = 4
        /// Creates options with the defaults.
        public init() {}
    }

    /// Creates a speech maker.
    public init(client: OpenAIAudioClient) {
        self.client = client
    }

    /// Speaks `text`. Text longer than the API's 4096-character limit is split at sentence boundaries and the
    /// audio joined into one file.
    /// - Returns: the audio in `options.format`.
    public func speak(_ text: String, options: Options = Options()) async throws -> [UInt8] {
        let pieces = Self.split(text, maxCharacters: SpeechRequest.maxInputLength)
        guard !pieces.isEmpty else { throw SpeechError.emptyInput }
        if pieces.count == 1 {
            return try await client.speech(request(pieces[0], format: options.format, options: options))
        }
        let waves = try await synthesizeWAVs(pieces, options: options)
        var joined = PCMAudio(sampleRate: waves[0].sampleRate, samples: [])
        for wave in waves { joined.samples.append(contentsOf: try wave.resampledIfNeeded(to: joined.sampleRate)) }
        return try joined.encoded(as: options.format)
    }

    /// Speaks each cue and places its audio at the cue's start time, giving a track that lines up with the
    /// subtitles. When a cue's speech runs past the next cue's start, the next one follows right after it.
    public func speak(_ cues: [Cue], options: Options = Options()) async throws -> [UInt8] {
        let texts = cues.map { $0.lines.joined(separator: " ") }
        guard texts.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { throw SpeechError.emptyInput }
        let waves = try await synthesizeWAVs(texts, options: options)
        let rate = waves[0].sampleRate
        var track = PCMAudio(sampleRate: rate, samples: [])
        for (cue, wave) in zip(cues, waves) {
            let start = Int(cue.start * Int64(rate) / 1000)
            if track.samples.count < start {
                track.samples.append(contentsOf: repeatElement(0, count: start - track.samples.count))
            }
            track.samples.append(contentsOf: try wave.resampledIfNeeded(to: rate))
        }
        return try track.encoded(as: options.format)
    }

    private func request(_ input: String, format: SpeechFormat, options: Options) -> SpeechRequest {
        var request = SpeechRequest(model: options.model, input: input, voice: options.voice)
        request.instructions = options.instructions
        request.speed = options.speed
        request.responseFormat = format
        return request
    }

    /// Requests WAV for every text, a few at a time, in order.
    private func synthesizeWAVs(_ texts: [String], options: Options) async throws -> [PCMAudio] {
        var results = [PCMAudio?](repeating: nil, count: texts.count)
        try await withThrowingTaskGroup(of: (Int, PCMAudio).self) { group in
            var next = 0
            func launch() {
                let index = next
                let text = texts[index].trimmingCharacters(in: .whitespacesAndNewlines)
                let request = request(text.isEmpty ? " " : text, format: .wav, options: options)
                group.addTask {
                    if text.isEmpty { return (index, PCMAudio(sampleRate: 24_000, samples: [])) }
                    let bytes = try await client.speech(request)
                    return (index, try PCMAudio(wav: bytes))
                }
                next += 1
            }
            while next < min(texts.count, max(1, options.concurrency)) { launch() }
            while let (index, audio) = try await group.next() {
                results[index] = audio
                if next < texts.count { launch() }
            }
        }
        let audio = results.compactMap { $0 }
        let rate = audio.first(where: { !$0.samples.isEmpty })?.sampleRate ?? 24_000
        return audio.map { $0.samples.isEmpty ? PCMAudio(sampleRate: rate, samples: []) : $0 }
    }

    /// Splits text into pieces of at most `maxCharacters`, at sentence ends where possible, then at clause
    /// punctuation, then at spaces.
    public static func split(_ text: String, maxCharacters: Int) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        guard trimmed.count > maxCharacters else { return [trimmed] }
        var sentences: [String] = []
        var current = ""
        for character in trimmed {
            current.append(character)
            if ".!?。！？\n".contains(character) {
                sentences.append(current)
                current = ""
            }
        }
        if !current.isEmpty { sentences.append(current) }
        var pieces: [String] = []
        var piece = ""
        func flush() {
            let p = piece.trimmingCharacters(in: .whitespacesAndNewlines)
            if !p.isEmpty { pieces.append(p) }
            piece = ""
        }
        for sentence in sentences {
            if piece.count + sentence.count <= maxCharacters {
                piece += sentence
                continue
            }
            flush()
            if sentence.count <= maxCharacters {
                piece = sentence
            } else {
                // A single sentence over the limit: break at the last comma or space that fits.
                var rest = Substring(sentence)
                while rest.count > maxCharacters {
                    let window = rest.prefix(maxCharacters)
                    var breakIndex = window.lastIndex(where: { ",;:".contains($0) }).map { window.index(after: $0) }
                        ?? window.lastIndex(of: " ") ?? window.endIndex
                    if breakIndex == rest.startIndex { breakIndex = window.endIndex }   // never an empty piece
                    let piece = String(rest[..<breakIndex]).trimmingCharacters(in: .whitespaces)
                    if !piece.isEmpty { pieces.append(piece) }
                    rest = rest[breakIndex...]
                }
                piece = String(rest)
            }
        }
        flush()
        return pieces
    }
}

/// Speech could not be made.
public enum SpeechError: Error, Sendable, CustomStringConvertible {
    /// There was no text to speak.
    case emptyInput
    /// The server's audio could not be read.
    case invalidAudio(String)

    public var description: String {
        switch self {
        case .emptyInput: "nothing to speak: the input is empty"
        case .invalidAudio(let reason): "the speech server returned audio that cannot be read: \(reason)"
        }
    }
}

/// Mono 16-bit PCM with its rate.
struct PCMAudio: Sendable {
    var sampleRate: Int
    var samples: [Int16]

    init(sampleRate: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// Reads a 16-bit PCM WAV file (mono, or downmixed when it has more channels).
    init(wav bytes: [UInt8]) throws {
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw SpeechError.invalidAudio("not a WAV file")
        }
        var offset = 12
        var channels = 1
        var rate = 0
        var bits = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            var size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " && body + 16 <= bytes.count {
                channels = max(1, u16(body + 2))
                rate = u32(body + 4)
                bits = u16(body + 14)
            } else if id == "data" {
                // Streaming servers write an unknown size (0 or 0xFFFFFFFF): the data runs to the end.
                if size == 0xFFFF_FFFF || body + size > bytes.count || (size == 0 && body < bytes.count) { size = bytes.count - body }
                guard bits == 16, rate > 0 else { throw SpeechError.invalidAudio("not 16-bit PCM") }
                let frameCount = size / (2 * channels)
                var samples = [Int16](repeating: 0, count: frameCount)
                for frame in 0..<frameCount {
                    var sum = 0
                    for channel in 0..<channels {
                        let at = body + (frame * channels + channel) * 2
                        sum += Int(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
                    }
                    samples[frame] = Int16(sum / channels)
                }
                self.sampleRate = rate
                self.samples = samples
                return
            }
            offset = body + size + (size & 1)
        }
        throw SpeechError.invalidAudio("no data chunk")
    }

    /// The samples at `rate` (linear interpolation; speech pieces from one server share a rate in practice).
    func resampledIfNeeded(to rate: Int) throws -> [Int16] {
        guard rate != sampleRate, !samples.isEmpty else { return samples }
        let count = Int(Int64(samples.count) * Int64(rate) / Int64(sampleRate))
        return (0..<count).map { i in
            let position = Int64(i) * Int64(sampleRate)
            let index = Int(position / Int64(rate))
            let fraction = Double(position % Int64(rate)) / Double(rate)
            let a = Double(samples[min(index, samples.count - 1)])
            let b = Double(samples[min(index + 1, samples.count - 1)])
            return Int16(clamping: Int((a + (b - a) * fraction).rounded()))
        }
    }

    /// The audio in a speech format: WAV and PCM directly, the rest through the media layer's encoders.
    func encoded(as format: SpeechFormat) throws -> [UInt8] {
        switch format {
        case .wav: return try AudioEncoder.encode(samples, sampleRate: sampleRate, as: .wav).data
        case .pcm: return samples.flatMap { [UInt8(UInt16(bitPattern: $0) & 0xFF), UInt8(UInt16(bitPattern: $0) >> 8)] }
        case .flac: return try AudioEncoder.encode(samples, sampleRate: sampleRate, as: .flac).data
        case .mp3: return try AudioEncoder.encode(samples, sampleRate: sampleRate, as: .mp3).data
        case .opus: return try AudioEncoder.encode(samples, sampleRate: sampleRate, as: .opus).data
        case .aac: return try AudioEncoder.encode(samples, sampleRate: sampleRate, as: .m4a).data
        }
    }
}
