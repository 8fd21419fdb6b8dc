import Foundation
import OpenAIAudio
import Testing
import TestSupport
@testable import Subtitler

/// The seam for a resume cache several processes share: a second process with an empty file cache pays only for
/// the chunks nobody was answered for, and the shared entries hold answers, never the API key.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SharedAnswerCacheTests {
    /// A shared cache in memory, counting its lookups.
    actor MemoryAnswers: SharedAnswerCache {
        private(set) var entries: [String: Data] = [:]
        private(set) var lookups = 0

        func answer(forKey key: String) async throws -> Data? {
            lookups += 1
            return entries[key]
        }

        func store(answer: Data, forKey key: String) async throws {
            if entries[key] == nil { entries[key] = answer }
        }

        func remove(_ key: String) { entries[key] = nil }
    }

    /// A process of its own: a file cache of its own, the shared cache in common.
    func subtitler(_ server: StubHTTPServer, fileCache: URL, shared: MemoryAnswers) -> Subtitler {
        let configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test-secret-key-123", maxRetries: 0)
        var subtitler = Subtitler(client: OpenAIAudioClient(configuration: configuration),
                                  cache: ResponseCache(directory: fileCache))
        subtitler.sharedCache = shared
        return subtitler
    }

    func options() -> SubtitleOptions {
        var options = PipelineFixtures.toneOptions()
        options.language = "en"
        options.targetChunkDuration = 20_000
        return options
    }

    @Test func aSecondProcessPaysOnlyForTheChunksNobodyWasAnsweredFor() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: directory, seconds: 60)
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        let shared = MemoryAnswers()

        let first = try await subtitler(server, fileCache: directory.url.appendingPathComponent("a"), shared: shared)
            .makeSubtitles(for: input, options: options())
        let chunks = first.report.chunks.count
        #expect(chunks >= 3)
        #expect(first.report.cachedChunks == 0)
        #expect(server.requestCount == chunks)
        let entries = await shared.entries
        #expect(entries.count == chunks)
        #expect(entries.values.allSatisfy { !String(decoding: $0, as: UTF8.self).contains("sk-test-secret-key-123") })
        #expect(entries.keys.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })

        // Another process, its file cache empty: one answer is missing from the shared cache, so one request.
        let missing = try #require(entries.keys.sorted().first)
        await shared.remove(missing)
        let second = try await subtitler(server, fileCache: directory.url.appendingPathComponent("b"), shared: shared)
            .makeSubtitles(for: input, options: options())
        #expect(second.report.chunks.count == chunks)
        #expect(second.report.cachedChunks == chunks - 1)
        #expect(server.requestCount == chunks + 1)
        #expect(second.cues.map(\.text) == first.cues.map(\.text))
        #expect(await shared.entries.count == chunks)
    }

    @Test func withTheCacheTurnedOffTheSharedCacheIsNeitherReadNorWritten() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let input = try PipelineFixtures.makeToneTalk(in: directory, seconds: 30)
        let server = try await StubHTTPServer.start([.json(200, PipelineFixtures.verboseBody)])
        defer { Task { try? await server.shutdown() } }
        let shared = MemoryAnswers()
        var options = options()
        options.usesCache = false
        let result = try await subtitler(server, fileCache: directory.url.appendingPathComponent("a"), shared: shared)
            .makeSubtitles(for: input, options: options)
        #expect(result.report.chunks.count >= 1)
        #expect(await shared.lookups == 0)
        #expect(await shared.entries.isEmpty)
    }
}
