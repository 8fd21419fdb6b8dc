import Crypto
import Foundation
import Hummingbird
import Logging
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs
import SubtitlerSupport

/// Bazarr's "Whisper" provider API, as whisper-asr-webservice defines it: `GET /status`, `POST /asr`,
/// `POST /detect-language`. The answer to `/asr` is what `subtitler transcribe` would write: merged, guarded and
/// shaped cues.
struct BazarrAPI: Sendable {
    let environment: ServiceEnvironment

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/status") { _, _ in
            ServiceResponses.json(.ok, ["version": subtitlerVersion, "service": "subtitler"])
        }
        router.post("/asr") { request, _ in try await asr(request) }
        router.post("/detect-language") { request, _ in try await detectLanguage(request) }
    }

    /// The output formats `/asr` answers in.
    enum Output: String, CaseIterable {
        case srt, vtt, txt, json
    }

    func asr(_ request: Request) async throws -> Response {
        environment.metrics.countBazarrRequest()
        let query = FormQuery(request.uri.query)
        let task = query["task"] ?? "transcribe"
        guard let subtitleTask = SubtitleTask(rawValue: task) else {
            return ServiceResponses.error(.badRequest, "task must be transcribe or translate")
        }
        let outputName = query["output"] ?? "txt"
        guard let output = Output(rawValue: outputName) else {
            return ServiceResponses.error(.badRequest, "output must be one of srt, vtt, txt, json")
        }
        let language = query["language"].flatMap { WhisperLanguages.code(for: $0) }
        let prompt = query["initial_prompt"].flatMap { $0.isEmpty ? nil : $0 }
        let source: AudioSourceChoice
        do {
            source = try await receiveAudio(request)
        } catch {
            return uploadRefusal(error)
        }
        var key = source.identity + "\u{0}\(task)\u{0}\(language ?? "")\u{0}\(outputName)\u{0}\(prompt ?? "")"
        key = SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
        let environment = self.environment
        do {
            let body = try await environment.coalescer.value(for: key, owning: source.upload) {
                try await environment.slots.withSlot {
                    try await Self.transcribe(source, task: subtitleTask, language: language, prompt: prompt,
                                              output: output, environment: environment)
                }
            }
            let type = output == .json ? "application/json" : "text/plain; charset=utf-8"
            return ServiceResponses.text(.ok, body, contentType: type)
        } catch let failure as ASRFailure {
            // Bazarr keeps a body only when it parses as subtitles: this one does not, so it means "no subtitle".
            return ServiceResponses.text(.internalServerError, failure.message)
        }
    }

    func detectLanguage(_ request: Request) async throws -> Response {
        environment.metrics.countBazarrRequest()
        let source: AudioSourceChoice
        do {
            source = try await receiveAudio(request)
        } catch {
            return uploadRefusal(error)
        }
        let environment = self.environment
        let key = SHA256.hash(data: Data(("detect\u{0}" + source.identity).utf8)).map { String(format: "%02x", $0) }.joined()
        do {
            let body = try await environment.coalescer.value(for: key, owning: source.upload) {
                try await environment.slots.withSlot {
                    var options = environment.defaults.options
                    options.rawPCMInput = source.rawPCM
                    do {
                        let detected = try await environment.runner.subtitler.detectLanguage(of: source.path, options: options)
                        return Self.encode(["detected_language": detected.name, "language_code": detected.code])
                    } catch {
                        environment.logger.notice("language detection failed", metadata: ["error": "\(error)"])
                        throw ASRFailure(message: Self.encode(["detected_language": "und", "language_code": "und"]))
                    }
                }
            }
            return ServiceResponses.text(.ok, body, contentType: "application/json")
        } catch let failure as ASRFailure {
            return ServiceResponses.text(.internalServerError, failure.message, contentType: "application/json")
        }
    }

    /// Where the audio comes from: the video itself when `video_file` names a readable file under a root (the right
    /// track and the container's timeline), else the upload (headerless PCM when `encode=false`).
    struct AudioSourceChoice: Sendable {
        var path: String
        var rawPCM: RawPCMFormat?
        var track: TrackSelection
        var identity: String
        var upload: URL?
    }

    /// The answer to an upload that could not be received: 415 for a body that is not multipart, 413 for one over
    /// a limit, 400 for a malformed one, 500 when the service cannot store it (the cause, never its own paths).
    func uploadRefusal(_ error: any Error) -> Response {
        guard let failure = error as? MultipartUpload.Failure else {
            let cause = (error as? OutputError)?.reason.lowercased() ?? "\(type(of: error))"
            environment.logger.error("an upload could not be stored", metadata: ["error": "\(error)"])
            return ServiceResponses.error(.internalServerError, "the service could not store the upload: \(cause)")
        }
        switch failure {
        case .notMultipart: return ServiceResponses.error(.unsupportedMediaType, failure.description)
        case .tooLarge, .fieldsTooLarge: return ServiceResponses.error(.contentTooLarge, failure.description)
        case .malformed: return ServiceResponses.error(.badRequest, failure.description)
        }
    }

    func receiveAudio(_ request: Request) async throws -> AudioSourceChoice {
        let query = FormQuery(request.uri.query)
        let encode = query["encode"].map { !["false", "0", "no"].contains($0.lowercased()) } ?? true
        let received = try await MultipartUpload.receive(
            request.body, contentType: request.headers[.contentType], fileField: "audio_file",
            into: environment.uploadsDirectory, limit: environment.configuration.maxUploadBytes)
        if let videoFile = query["video_file"], !videoFile.isEmpty {
            do {
                let path = try environment.paths.file(videoFile)
                if let upload = received.file { unlink(upload.path) }
                var info = stat()
                stat(path, &info)
                let identity = "video\u{0}\(path)\u{0}\(info.st_size)\u{0}\(info.st_mtim.tv_sec)"
                let language = query["language"]
                return AudioSourceChoice(path: path, rawPCM: nil, track: Self.track(in: path, language: language),
                                         identity: identity, upload: nil)
            } catch {
                environment.logger.notice("video_file not used; reading the upload instead",
                                          metadata: ["reason": "\(error)"])
            }
        }
        guard let file = received.file, received.size > 0 else {
            if let file = received.file { unlink(file.path) }
            throw MultipartUpload.Failure.malformed("no audio_file part")
        }
        return AudioSourceChoice(path: file.path, rawPCM: encode ? nil : RawPCMFormat(), track: .automatic,
                                 identity: "upload\u{0}\(received.sha256)\u{0}\(encode)", upload: file)
    }

    /// The audio track in `language` when the file has several audio languages (what Bazarr's own ffmpeg call picks).
    static func track(in path: String, language: String?) -> TrackSelection {
        guard let language, let info = try? MediaProbe.probe(path) else { return .automatic }
        let languages = Set(info.audioStreams.compactMap(\.language))
        guard languages.count > 1, (try? TrackSelection.language(language).resolve(in: info)) != nil else { return .automatic }
        return .language(language)
    }

    /// Runs the job for one `/asr` request and renders its cues.
    static func transcribe(_ source: AudioSourceChoice, task: SubtitleTask, language: String?, prompt: String?,
                           output: Output, environment: ServiceEnvironment) async throws -> String {
        var job = environment.defaults
        job.input = source.path
        job.options.task = task
        job.options.language = task == .translate ? nil : language
        job.options.prompt = prompt ?? job.options.prompt
        job.options.rawPCMInput = source.rawPCM
        job.options.track = source.track
        job.formats = [output == .vtt ? .vtt : .srt]
        job.destination = .standardOutput
        job.overwrite = .replace
        job.skipsIfSubtitled = false
        job.remembersLanguage = false
        var logger = environment.logger
        logger[metadataKey: "request"] = "asr"
        let outcome = await environment.runner.run(job)
        environment.metrics.record(outcome.report)
        guard outcome.report.status == .done, let cues = outcome.cues else {
            let message = outcome.report.error ?? "transcription failed"
            logger.notice("asr request failed", metadata: ["error": "\(message)"])
            let shown = withoutInternalPaths(message, upload: source.upload, environment: environment)
            throw ASRFailure(message: "subtitler could not transcribe this audio: \(shown)")
        }
        logger.info("asr request done", metadata: ["cues": "\(cues.count)", "language": "\(outcome.report.language ?? "")"])
        return render(cues, as: output, language: outcome.report.language)
    }

    /// `message` for a client: the upload's temporary file is "the uploaded audio", and no other path inside the
    /// service's state directory is named (the log keeps the full message).
    static func withoutInternalPaths(_ message: String, upload: URL?, environment: ServiceEnvironment) -> String {
        var shown = message
        if let upload { shown = shown.replacingOccurrences(of: upload.path, with: "the uploaded audio") }
        for directory in [environment.uploadsDirectory.path, environment.configuration.stateDirectory.path] {
            // Any other path under the state directory, up to the next space or quote.
            while let range = shown.range(of: directory) {
                var end = range.upperBound
                while end < shown.endIndex, !" \"':,".contains(shown[end]) { end = shown.index(after: end) }
                shown.replaceSubrange(range.lowerBound..<end, with: "a file of the service")
            }
        }
        return shown
    }

    /// Cues in `/asr`'s output formats.
    static func render(_ cues: [Cue], as output: Output, language: String?) -> String {
        switch output {
        case .srt: return Subtitler.render(cues, as: .srt, language: language)
        case .vtt: return Subtitler.render(cues, as: .vtt, language: language)
        case .txt: return cues.map { $0.lines.joined(separator: " ") }.joined(separator: "\n") + (cues.isEmpty ? "" : "\n")
        case .json:
            struct Segment: Encodable {
                var id: Int
                var start: Double
                var end: Double
                var text: String
            }
            struct Body: Encodable {
                var text: String
                var language: String?
                var segments: [Segment]
            }
            let segments = cues.enumerated().map { index, cue in
                Segment(id: index, start: Double(cue.start) / 1000, end: Double(cue.end) / 1000,
                        text: cue.lines.joined(separator: " "))
            }
            let body = Body(text: segments.map(\.text).joined(separator: " "), language: language, segments: segments)
            return encode(body)
        }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }
}

/// An `/asr` request that produced no subtitles; the message is the response body.
struct ASRFailure: Error {
    var message: String
}

/// Computes identical requests once: later callers with the same key wait for the first one's result. The first
/// caller's upload is kept until the shared work ends; later callers' uploads are removed at once.
actor RequestCoalescer {
    private var inFlight: [String: Task<String, any Error>] = [:]

    func value(for key: String, owning upload: URL?,
               _ work: @escaping @Sendable () async throws -> String) async throws -> String {
        if let task = inFlight[key] {
            if let upload { unlink(upload.path) }
            return try await task.value
        }
        let task = Task<String, any Error> {
            defer { if let upload { unlink(upload.path) } }
            return try await work()
        }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        return try await task.value
    }
}
