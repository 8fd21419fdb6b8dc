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
        var joined = PCMAudio(sampleRate: waves.first?.sampleRate ?? PCMAudio.defaultRate, samples: [])
        for wave in waves { joined.samples.append(contentsOf: wave.samples) }
        return try joined.encoded(as: options.format)
    }

    /// Speaks each cue and places its audio at the cue's start time, giving a track that lines up with the
    /// subtitles. When a cue's speech runs past the next cue's start, the next one follows right after it.
    public func speak(_ cues: [Cue], options: Options = Options()) async throws -> [UInt8] {
        let texts = cues.map { $0.lines.joined(separator: " ") }
        guard texts.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { throw SpeechError.emptyInput }
        let waves = try await synthesizeWAVs(texts, options: options)
        let rate = waves.first?.sampleRate ?? PCMAudio.defaultRate
        var track = PCMAudio(sampleRate: rate, samples: [])
        for (cue, wave) in zip(cues, waves) {
            let start = Int(cue.start * Int64(rate) / 1000)
            if track.samples.count < start {
                track.samples.append(contentsOf: repeatElement(0, count: start - track.samples.count))
            }
            track.samples.append(contentsOf: wave.samples)
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

    /// Requests WAV for every text, a few at a time, in order, and decodes each with the media layer at one common
    /// rate (the first answer's own rate).
    private func synthesizeWAVs(_ texts: [String], options: Options) async throws -> [PCMAudio] {
        var answers = [[UInt8]?](repeating: nil, count: texts.count)
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            var next = 0
            func launch() {
                let index = next
                let text = texts[index].trimmingCharacters(in: .whitespacesAndNewlines)
                let request = request(text.isEmpty ? " " : text, format: .wav, options: options)
                group.addTask {
                    if text.isEmpty { return (index, []) }
                    return (index, try await client.speech(request))
                }
                next += 1
            }
            while next < min(texts.count, max(1, options.concurrency)) { launch() }
            while let (index, audio) = try await group.next() {
                answers[index] = audio
                if next < texts.count { launch() }
            }
        }
        let bytes = answers.map { $0 ?? [] }
        return try await BlockingWork.run("decode speech") {
            var rate: Int?
            return try bytes.enumerated().map { index, wav -> PCMAudio in
                if wav.isEmpty { return PCMAudio(sampleRate: rate ?? PCMAudio.defaultRate, samples: []) }
                let audio = try PCMAudio(speech: wav, name: "speech for text \(index + 1)", sampleRate: rate)
                rate = rate ?? audio.sampleRate
                return audio
            }
        }
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

    /// The rate used when no answer says otherwise (OpenAI's speech rate).
    static let defaultRate = 24_000

    /// Decodes a speech server's answer (any format the media layer reads; servers send WAV) to mono at
    /// `sampleRate`, or at the answer's own rate (kept within 8–48 kHz) when nil.
    /// - Throws: ``SpeechError/invalidAudio(_:)`` naming the piece and the cause.
    init(speech bytes: [UInt8], name: String, sampleRate: Int?) throws {
        do {
            let probe = try AudioReader(source: .memory(bytes, name: name), sampleRate: sampleRate ?? Self.defaultRate)
            let native = probe.stream.sampleRate.map { min(max($0, 8_000), 48_000) } ?? Self.defaultRate
            let rate = sampleRate ?? native
            let reader = rate == probe.sampleRate
                ? probe : try AudioReader(source: .memory(bytes, name: name), sampleRate: rate)
            self.sampleRate = rate
            self.samples = try reader.readAll()
        } catch {
            throw SpeechError.invalidAudio("\(name): \(error.description)")
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
