import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitler
import SubtitlerSupport

/// Speech answers for dub cues: from the resume cache when the same text was spoken before with the same voice,
/// model, instructions and speed by the same server, else from `/audio/speech` (WAV) with the client's retry rules,
/// then stored in the cache. The key is a SHA-256 over the text and those parameters; no credential is part of it.
struct DubSpeechSource: Sendable {
    let client: any SpeechSynthesizer
    let cache: ResponseCache?
    let model: String
    let voice: String
    let instructions: String?
    let counters: DubSpeechCounters

    /// One answer and whether it came from the cache.
    struct Answer: Sendable {
        var audio: [UInt8]
        var cached: Bool
    }

    /// What the cache stores for one answer (the audio as base64 in JSON).
    struct CachedSpeech: Codable {
        var audio: Data
    }

    /// The speech for `text` at `speed` (nil for the server's default), for cue `cue` of `path`.
    /// - Throws: ``DubError/speech(path:cue:_:)`` after the client's retries; ``DubError/cancelled(path:)``.
    func answer(
        for text: String, speed: Double?, cue: Int, path: String,
        onRetry: @escaping @Sendable (RetryEvent) -> Void
    ) async throws(DubError) -> Answer {
        let parameters = cacheParameters(speed: speed)
        let cache = self.cache
        let lookup = try? await BlockingWork.run("hash") { () -> (String, [UInt8]?) in
            let key = ResponseCache.key(audio: Array(text.utf8), parameters: parameters)
            let stored: CachedSpeech? = cache?.value(forKey: key)
            return (key, stored.map { [UInt8]($0.audio) })
        }
        if Task.isCancelled { throw .cancelled(path: path) }
        if let lookup, let audio = lookup.1, !audio.isEmpty {
            counters.addCacheHit(speedRequest: speed != nil)
            return Answer(audio: audio, cached: true)
        }
        var request = SpeechRequest(model: model, input: text, voice: voice)
        request.instructions = instructions
        request.speed = speed
        request.responseFormat = .wav
        counters.addRequest(speedRequest: speed != nil)
        let counters = self.counters
        let audio: [UInt8]
        do {
            audio = try await client.speech(request) { event in
                counters.addRetry()
                onRetry(event)
            }
        } catch {
            if error.kind == .cancelled || Task.isCancelled { throw .cancelled(path: path) }
            throw .speech(path: path, cue: cue, error)
        }
        counters.addReceived(bytes: audio.count)
        if let cache, let key = lookup?.0 {
            // A cache that cannot be written costs a request on the next run, nothing more.
            _ = try? await BlockingWork.run("cache") { try cache.store(CachedSpeech(audio: Data(audio)), forKey: key) }
        }
        return Answer(audio: audio, cached: false)
    }

    /// Every parameter that changes the answer, the server included.
    func cacheParameters(speed: Double?) -> [String: String] {
        let base = client.speechCacheIdentity
        return [
            "server": base.trimmingCharacters(in: CharacterSet(charactersIn: "/")).lowercased(),
            "endpoint": "speech",
            "model": model,
            "voice": voice,
            "instructions": instructions ?? "",
            "speed": speed.map { String($0) } ?? "",
            "format": "wav",
        ]
    }
}

/// Speech requests, cache hits, retries and bytes of one dub's concurrent tasks.
final class DubSpeechCounters: Sendable {
    private let figures = NIOLockedValueBox(DubSpeechFigures())

    func addRequest(speedRequest: Bool) {
        figures.withLockedValue { figures in
            figures.requests += 1
            if speedRequest { figures.speedRequests += 1 }
        }
    }

    func addCacheHit(speedRequest: Bool) {
        figures.withLockedValue { figures in
            figures.cacheHits += 1
            if speedRequest { figures.speedRequests += 1 }
        }
    }

    func addRetry() { figures.withLockedValue { $0.retries += 1 } }
    func addReceived(bytes: Int) { figures.withLockedValue { $0.bytesReceived += bytes } }

    /// The figures so far.
    var snapshot: DubSpeechFigures { figures.withLockedValue { $0 } }
}
