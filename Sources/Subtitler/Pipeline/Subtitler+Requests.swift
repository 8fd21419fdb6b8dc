import Foundation
import Logging
import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

extension Subtitler {
    func makeRequest(audio: [UInt8], index: Int, language: String?, options: SubtitleOptions,
                     duration: Milliseconds? = nil) -> TranscriptionRequest {
        let encoding = options.uploadEncoding
        var file = AudioUpload(data: audio, filename: String(format: "chunk-%04d.", index + 1) + encoding.fileExtension,
                               contentType: encoding.contentType)
        file.duration = duration.map { .milliseconds($0) }
        var request = TranscriptionRequest(file: file, model: options.model)
        request.prompt = options.prompt
        request.temperature = options.temperature
        switch options.strategy {
        case .segmentsAndWords:
            request.responseFormat = .verboseJSON
            request.timestampGranularities = options.task == .translate ? [] : [.segment, .word]
            request.language = options.task == .translate ? nil : language
        case .textOnly:
            request.responseFormat = .json
            request.language = language
        case .diarizedSegments:
            request.responseFormat = .diarizedJSON
            request.chunkingStrategy = .auto
            request.language = language
            request.prompt = nil   // not supported by the diarize model
        }
        return request
    }

    /// Sends one chunk (or answers it from the cache). Never throws: failures come back in the outcome, with when
    /// the server answered on `clock`. Each attempt gets `attemptTimeout` (the pipeline's watch on the server decides
    /// when a scaled timeout runs out).
    func send(_ chunk: EncodedChunk, language: String?, options: SubtitleOptions, attemptTimeout: Duration,
              clock: RunClock, counters: RequestCounters,
              progress: @escaping @Sendable (ProgressEvent) -> Void) async -> ChunkOutcome {
        let index = chunk.summary.index
        if Task.isCancelled {
            return ChunkOutcome(index: index, cached: false, result: .failure(
                OpenAIAudioError(endpoint: "audio/transcriptions", message: "the request was cancelled", kind: .cancelled)))
        }
        let request = makeRequest(audio: chunk.audio, index: index, language: language, options: options,
                                  duration: chunk.summary.audioSent)
        let parameters = cacheParameters(request, options: options)
        var keys: [String] = []
        var candidates = [parameters]
        if options.language == nil && language != nil {
            // An earlier run may have sent this chunk before the language was known (its first chunk failed).
            var undetected = request
            undetected.language = nil
            candidates.append(cacheParameters(undetected, options: options))
        }
        let cache = options.usesCache ? self.cache : nil
        let keyParameters = candidates
        let lookup = try? await BlockingWork.run("hash") { () -> ([String], ChunkTranscript?) in
            let keys = keyParameters.map { ResponseCache.key(audio: chunk.audio, parameters: $0) }
            for candidate in keys {
                if let stored: ChunkTranscript = cache?.value(forKey: candidate) { return (keys, stored) }
            }
            return (keys, nil)
        }
        if let lookup {
            keys = lookup.0
            if let stored = lookup.1 { return ChunkOutcome(index: index, cached: true, result: .success(stored)) }
        }
        let key = keys.first ?? ResponseCache.key(audio: chunk.audio, parameters: parameters)
        let shared = options.usesCache ? sharedCache : nil
        if let shared, let stored = await sharedAnswer(in: shared, keys: keys.isEmpty ? [key] : keys) {
            if let cache {
                _ = try? await BlockingWork.run("cache") { try cache.store(stored, forKey: key) }
            }
            return ChunkOutcome(index: index, cached: true, result: .success(stored))
        }
        let timeout = attemptTimeout
        progress(.chunkSent(index: index))
        counters.addRequest(bytes: chunk.summary.requestBytes)
        let onRetry: @Sendable (RetryEvent) -> Void = { event in
            counters.addRetry(bytes: chunk.summary.requestBytes)
            progress(.chunkRetried(index: index, attempt: event.attempt, delay: event.delay, reason: event.reason))
        }
        let sent = clock.elapsed()
        var answered: Duration?
        do {
            var transcript: ChunkTranscript
            switch (options.task, options.strategy) {
            case (.translate, _):
                let translation = TranslationRequest(file: request.file, model: options.model, prompt: options.prompt,
                                                     responseFormat: .verboseJSON, temperature: options.temperature)
                transcript = ChunkTranscript(try await backend.translateVerbose(translation, timeout: timeout, onRetry: onRetry))
                answered = clock.elapsed()
                transcript = try await keepingEnglish(transcript, chunk: chunk, options: options,
                                                      attemptTimeout: timeout, counters: counters)
            case (.transcribe, .textOnly):
                let text = try await backend.transcribeText(request, timeout: timeout, onRetry: onRetry)
                transcript = ChunkTranscript(language: language, text: text, segments: [])
            case (.transcribe, _):
                transcript = ChunkTranscript(try await backend.transcribeVerbose(request, timeout: timeout, onRetry: onRetry))
            }
            let answer = (sent: sent, answered: answered ?? clock.elapsed())
            if let cache {
                let stored = transcript
                do {
                    try await BlockingWork.run("cache") { try cache.store(stored, forKey: key) }
                } catch {
                    logger.warning("cannot write the resume cache: \(error)")
                }
            }
            if let shared { await storeShared(transcript, in: shared, forKey: key) }
            return ChunkOutcome(index: index, cached: false, result: .success(transcript), answer: answer)
        } catch {
            // An HTTP answer is the server's; a network failure, a timeout or a cancellation is not.
            let heard = answered ?? (error.status != nil ? clock.elapsed() : nil)
            return ChunkOutcome(index: index, cached: false, result: .failure(error), answer: heard.map { (sent: sent, answered: $0) })
        }
    }

    /// The first of `keys` the shared cache answers, decoded; nil when none does, or the cache fails (a miss).
    private func sharedAnswer(in shared: any SharedAnswerCache, keys: [String]) async -> ChunkTranscript? {
        for key in keys {
            do {
                guard let data = try await shared.answer(forKey: key) else { continue }
                if let stored = try? JSONDecoder().decode(ChunkTranscript.self, from: data) { return stored }
            } catch {
                logger.warning("cannot read the shared resume cache: \(error)")
                return nil
            }
        }
        return nil
    }

    /// Stores a new answer in the shared cache; a failure is logged (the answer is still used).
    private func storeShared(_ transcript: ChunkTranscript, in shared: any SharedAnswerCache, forKey key: String) async {
        do {
            try await shared.store(answer: try JSONEncoder().encode(transcript), forKey: key)
        } catch {
            logger.warning("cannot write the shared resume cache: \(error)")
        }
    }

    func cacheParameters(_ request: TranscriptionRequest, options: SubtitleOptions) -> [String: String] {
        var parameters = [
            "server": backend.cacheIdentity,
            "endpoint": options.task == .translate ? "translations" : "transcriptions",
            "model": options.model,
            "language": request.language ?? "",
            "prompt": options.prompt ?? "",
            "format": request.responseFormat?.rawValue ?? "",
            "granularities": request.timestampGranularities.map(\.rawValue).joined(separator: ","),
            "temperature": options.temperature.map { String($0) } ?? "",
            "encoding": options.uploadEncoding.rawValue,
        ]
        // Translations are checked for English and re-requested: an answer stored before the check is not reused.
        if options.task == .translate { parameters["checks"] = "english" }
        return parameters
    }
}
