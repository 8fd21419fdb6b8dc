import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// Speech from text or from subtitle cues through `/audio/speech`.
public struct SpeechMaker: Sendable {
    /// Where text is spoken (an ``OpenAIAudioClient``: its speech base URL is used).
    public let client: any SpeechSynthesizer

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
        /// How many pieces are requested at once (1...16).
        public var concurrency: Int = 4
        /// The latest time a cue may start at, milliseconds (24 hours by default): cue times come from a file, and
        /// each millisecond of them is a millisecond of audio to write.
        public var maxTrackDuration: Milliseconds = 24 * 3_600_000
        /// Creates options with the defaults.
        public init() {}
    }

    /// The longest audio one answer may decode to: a speech server's header cannot make a piece of at most 4096
    /// characters longer than this.
    static let maxPieceDuration: Milliseconds = 30 * 60_000

    /// Creates a speech maker.
    public init(client: any SpeechSynthesizer) {
        self.client = client
    }

    /// Speaks `text`. Text longer than the API's 4096-character limit is split at sentence boundaries and the
    /// audio joined into one file. The whole file is returned in memory; ``speak(_:options:to:)`` writes long
    /// speech to a file in bounded memory.
    /// - Returns: the audio in `options.format`.
    public func speak(_ text: String, options: Options = Options()) async throws -> [UInt8] {
        let pieces = Self.split(text, maxCharacters: SpeechRequest.maxInputLength)
        guard !pieces.isEmpty else { throw SpeechError.emptyInput }
        if pieces.count == 1 {
            return try await client.speech(request(pieces[0], format: options.format, options: options), onRetry: nil)
        }
        return try await inMemory(options) { url in try await speak(text, options: options, to: url) }
    }

    /// Speaks `text` into `output` (a temporary file renamed into place when complete; a FIFO or device is written
    /// through). Memory stays bounded by a few pieces of speech, whatever the text's length.
    public func speak(_ text: String, options: Options = Options(), to output: URL) async throws {
        let pieces = Self.split(text, maxCharacters: SpeechRequest.maxInputLength)
        guard !pieces.isEmpty else { throw SpeechError.emptyInput }
        if pieces.count == 1 {
            let audio = try await client.speech(request(pieces[0], format: options.format, options: options), onRetry: nil)
            try await BlockingWork.run("write") { try AtomicFile.write(Data(audio), to: output) }
            return
        }
        try await render(pieces.map { (start: nil, text: $0) }, options: options, to: output)
    }

    /// Speaks each cue and places its audio at the cue's start time, giving a track that lines up with the
    /// subtitles. When a cue's speech runs past the next cue's start, the next one follows right after it. The
    /// whole file is returned in memory; ``speak(_:options:to:)-(([Cue],_,_))`` writes to a file in bounded memory.
    /// - Throws: ``SpeechError/cueOutOfRange(cue:start:limit:)`` for a cue past ``Options/maxTrackDuration``.
    public func speak(_ cues: [Cue], options: Options = Options()) async throws -> [UInt8] {
        try Self.check(cues, options: options)
        return try await inMemory(options) { url in try await speak(cues, options: options, to: url) }
    }

    /// Speaks each cue at its start time into `output`, in bounded memory: silence is written in blocks and each
    /// piece of speech as soon as the ones before it are written.
    /// - Throws: ``SpeechError/cueOutOfRange(cue:start:limit:)`` before anything is sent when a cue starts before 0
    ///   or after ``Options/maxTrackDuration``.
    public func speak(_ cues: [Cue], options: Options = Options(), to output: URL) async throws {
        try Self.check(cues, options: options)
        try await render(cues.map { (start: $0.start, text: $0.lines.joined(separator: " ")) }, options: options,
                         to: output)
    }

    /// Every cue starts within the track limit and there is something to say.
    static func check(_ cues: [Cue], options: Options) throws {
        let limit = max(0, options.maxTrackDuration)
        for (index, cue) in cues.enumerated() where cue.start < 0 || cue.start > limit {
            throw SpeechError.cueOutOfRange(cue: index + 1, start: cue.start, limit: limit)
        }
        guard cues.contains(where: { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
            throw SpeechError.emptyInput
        }
    }

    /// Runs `body` against a temporary file and returns its bytes.
    private func inMemory(_ options: Options, _ body: (URL) async throws -> Void) async throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "subtitler-speech-\(getpid())-\(UUID().uuidString.prefix(8)).\(options.format.rawValue)")
        defer { unlink(url.path) }
        try await body(url)
        return try await BlockingWork.run("read") { [UInt8](try Data(contentsOf: url)) }
    }

    /// Requests WAV for every piece, a few at a time, and writes each one, in order, as soon as the ones before it
    /// are written: at its start time after silence (cues), or right after the previous piece (text). The first
    /// answer's rate is the track's rate.
    private func render(_ pieces: [(start: Milliseconds?, text: String)], options: Options, to output: URL) async throws {
        let destination = try TemporaryOutput(output, extraExtension: options.format.rawValue)
        let track = TaskConfined(SpeechTrack(path: destination.temporary.path, format: options.format))
        do {
            try await synthesizeInOrder(pieces.map(\.text), options: options) { index, wav in
                let start = pieces[index].start
                try await BlockingWork.run(on: .media, "decode speech") {
                    let name = start == nil ? "speech for text \(index + 1)" : "speech for cue \(index + 1)"
                    let audio: PCMAudio? = wav.isEmpty ? nil
                        : try PCMAudio(speech: wav, name: name, sampleRate: track.value.sampleRate)
                    try track.value.place(audio, at: start)
                }
            }
            try await BlockingWork.run(on: .media, "encode") {
                try track.value.finish()
                try destination.commit()
            }
        } catch {
            destination.discard()
            throw error
        }
    }

    /// Requests WAV for every text, at most `concurrency` at a time and at most twice that many ahead of the piece
    /// being written, and hands the answers to `deliver` in order.
    private func synthesizeInOrder(
        _ texts: [String], options: Options, deliver: (Int, [UInt8]) async throws -> Void
    ) async throws {
        let concurrency = min(max(1, options.concurrency), 16)
        try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            var next = 0
            var running = 0
            var delivered = 0
            var waiting: [Int: [UInt8]] = [:]
            func launch() {
                let index = next
                let text = texts[index].trimmingCharacters(in: .whitespacesAndNewlines)
                let request = request(text.isEmpty ? " " : text, format: .wav, options: options)
                group.addTask {
                    if text.isEmpty { return (index, []) }
                    return (index, try await client.speech(request, onRetry: nil))
                }
                next += 1
                running += 1
            }
            while delivered < texts.count {
                while next < texts.count, running < concurrency, next - delivered < 2 * concurrency { launch() }
                guard let (index, audio) = try await group.next() else { break }
                running -= 1
                waiting[index] = audio
                while let ready = waiting.removeValue(forKey: delivered) {
                    try await deliver(delivered, ready)
                    delivered += 1
                }
            }
        }
    }

    private func request(_ input: String, format: SpeechFormat, options: Options) -> SpeechRequest {
        var request = SpeechRequest(model: options.model, input: input, voice: options.voice)
        request.instructions = options.instructions
        request.speed = options.speed
        request.responseFormat = format
        return request
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
///
/// A struct over a private code (async-http-client's `HTTPClientError` shape): callers branch on ``kind``, compared
/// with `==`, so a new kind breaks no caller's `switch`.
public struct SpeechError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable { case emptyInput, invalidAudio, cueOutOfRange }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// There was no text to speak.
        public static let emptyInput = Kind(.emptyInput)
        /// The server's audio could not be read: ``reason``.
        public static let invalidAudio = Kind(.invalidAudio)
        /// A cue starts before 0 or after the track limit (``SpeechMaker/Options/maxTrackDuration``); nothing was
        /// sent: ``cue``, ``start``, ``limit``.
        public static let cueOutOfRange = Kind(.cueOutOfRange)

        public var description: String { code.rawValue }
    }

    /// The kind of failure.
    public let kind: Kind
    /// Why the audio cannot be read, for ``Kind/invalidAudio``.
    public let reason: String?
    /// The cue at fault (from 1), its start and the track's limit, for ``Kind/cueOutOfRange``.
    public let cue: Int?
    /// The start of the cue at fault.
    public let start: Milliseconds?
    /// The track's limit.
    public let limit: Milliseconds?

    private init(_ kind: Kind, reason: String? = nil, cue: Int? = nil, start: Milliseconds? = nil, limit: Milliseconds? = nil) {
        self.kind = kind
        self.reason = reason
        self.cue = cue
        self.start = start
        self.limit = limit
    }

    /// There was no text to speak.
    public static let emptyInput = SpeechError(.emptyInput)
    /// The server's audio could not be read, because of `reason`.
    public static func invalidAudio(_ reason: String) -> SpeechError { SpeechError(.invalidAudio, reason: reason) }
    /// Cue `cue` starts at `start`, outside the track (0 to `limit`).
    public static func cueOutOfRange(cue: Int, start: Milliseconds, limit: Milliseconds) -> SpeechError {
        SpeechError(.cueOutOfRange, cue: cue, start: start, limit: limit)
    }

    public var description: String {
        if kind == .emptyInput { return "nothing to speak: the input is empty" }
        if let cue, let start, let limit {
            return "cue \(cue) starts at \(Timecode.srt(start))\(start < 0 ? " (negative)" : ""), outside the track "
                + "(0 to \(Timecode.srt(limit))); nothing was sent"
        }
        return "the speech server returned audio that cannot be read: \(reason ?? "")"
    }
}

/// Mono 16-bit PCM with its rate.
package struct PCMAudio: Sendable {
    package var sampleRate: Int
    package var samples: [Int16]

    package init(sampleRate: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// The rate used when no answer says otherwise (OpenAI's speech rate).
    package static let defaultRate = 24_000

    /// Decodes a speech server's answer (any format the media layer reads; servers send WAV) to mono at
    /// `sampleRate`, or at the answer's own rate (kept within 8–48 kHz) when nil.
    /// - Throws: ``SpeechError/invalidAudio(_:)`` naming the piece and the cause.
    package init(speech bytes: [UInt8], name: String, sampleRate: Int?) throws {
        do {
            let probe = try AudioReader(source: .memory(bytes, name: name), sampleRate: sampleRate ?? Self.defaultRate)
            let native = probe.stream.sampleRate.map { min(max($0, 8_000), 48_000) } ?? Self.defaultRate
            let rate = sampleRate ?? native
            let reader = rate == probe.sampleRate
                ? probe : try AudioReader(source: .memory(bytes, name: name), sampleRate: rate)
            self.sampleRate = rate
            let limit = Int(SpeechMaker.maxPieceDuration) * rate / 1000
            var samples: [Int16] = []
            while let block = try reader.nextBlock() {
                guard samples.count + block.samples.count <= limit else {
                    throw SpeechError.invalidAudio(
                        "\(name): the audio is longer than \(SpeechMaker.maxPieceDuration / 60_000) minutes")
                }
                samples += block.samples
            }
            self.samples = samples
        } catch let error as SpeechError {
            throw error
        } catch let error as MediaError {
            // The media layer's message already starts with the source's name (`name`).
            throw SpeechError.invalidAudio(error.description)
        }
    }

    /// The audio in a speech format: WAV and PCM directly, the rest through the media layer's encoders.
    package func encoded(as format: SpeechFormat) throws -> [UInt8] {
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

/// A speech track being written to a file: silence in fixed blocks, speech as it arrives. Confined to one task at a
/// time (its owner awaits every call it makes).
final class SpeechTrack {
    private let path: String
    private let format: SpeechFormat
    /// The track's rate: the first piece's own rate.
    private(set) var sampleRate: Int?
    private var writer: AudioFileWriter?
    private var raw: FileHandle?
    private var written: Int64 = 0

    init(path: String, format: SpeechFormat) {
        self.path = path
        self.format = format
    }

    /// Writes silence up to `start` (when given), then `audio`.
    func place(_ audio: PCMAudio?, at start: Milliseconds?) throws {
        if sampleRate == nil, let audio { sampleRate = audio.sampleRate }
        let rate = Int64(sampleRate ?? PCMAudio.defaultRate)
        if let start {
            let target = start * rate / 1000   // start is at most a day: no overflow
            let block = [Int16](repeating: 0, count: Int(rate))
            while written < target {
                let count = Int(min(Int64(block.count), target - written))
                try append(count == block.count ? block : Array(block[..<count]))
            }
        }
        if let audio { try append(audio.samples) }
    }

    /// Finishes the file (an empty track is still a valid file).
    func finish() throws {
        try open()
        if let writer { try writer.finish() }
        if let raw { try raw.close() }
    }

    private func append(_ samples: [Int16]) throws {
        guard !samples.isEmpty else { return }
        try open()
        if let writer {
            try writer.append(samples)
        } else if let raw {
            let bytes = samples.withUnsafeBufferPointer { Data(buffer: $0) }   // little-endian on every supported platform
            try raw.write(contentsOf: bytes)
        }
        written += Int64(samples.count)
    }

    private func open() throws {
        guard writer == nil && raw == nil else { return }
        let rate = sampleRate ?? PCMAudio.defaultRate
        if format == .pcm {
            guard FileManager.default.createFile(atPath: path, contents: nil),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw OutputError(path: path, reason: "cannot create the file")
            }
            raw = handle
        } else {
            writer = try AudioFileWriter(path: path, encoding: format.encoding, sampleRate: rate)
        }
    }
}

extension SpeechFormat {
    /// The media layer's encoding for this format (AAC is written in an MPEG-4 container).
    var encoding: AudioEncoding {
        switch self {
        case .mp3: .mp3
        case .opus: .opus
        case .aac: .m4a
        case .flac: .flac
        case .wav, .pcm: .wav
        }
    }
}
