import Foundation
import Testing
@testable import Subtitler
import Subtitles
import SubtitlerSupport

struct ResponseCacheTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("subtitler-cache-\(UUID().uuidString)")
    }

    @Test func keyChangesWithAudioAndEveryParameter() {
        let audio: [UInt8] = [1, 2, 3]
        let base = ["model": "whisper-1", "language": "en", "prompt": "", "temperature": ""]
        let key = ResponseCache.key(audio: audio, parameters: base)
        #expect(key.count == 64)
        #expect(key == ResponseCache.key(audio: audio, parameters: base))
        #expect(key != ResponseCache.key(audio: [1, 2, 4], parameters: base))
        for name in base.keys {
            var changed = base
            changed[name] = "x"
            #expect(key != ResponseCache.key(audio: audio, parameters: changed), "parameter \(name)")
        }
    }

    @Test func storesAtomicallyWithPrivateDirectoryAndReadsBack() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = ResponseCache(directory: directory)
        let transcript = ChunkTranscript(language: "en", text: "hello", segments: [TranscriptSegment(start: 0, end: 900, text: "hello")])
        let key = ResponseCache.key(audio: [1, 2, 3], parameters: ["model": "whisper-1"])
        try cache.store(transcript, forKey: key)
        let back: ChunkTranscript? = cache.value(forKey: key)
        #expect(back?.text == "hello")
        #expect(back?.segments.first?.end == 900)
        let mode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        // No temporary files are left behind.
        let files = FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? []
        #expect(files.filter { $0.hasSuffix(".tmp") }.isEmpty)
        #expect(try cache.clear() == 1)
        #expect((cache.value(forKey: key) as ChunkTranscript?) == nil)
    }

    @Test func aDamagedEntryCountsAsMissing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = ResponseCache(directory: directory)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("ab"), withIntermediateDirectories: true)
        try Data("{\"language\": \"en\", \"te".utf8).write(to: directory.appendingPathComponent("ab/abcd.json"))
        #expect((cache.value(forKey: "abcd") as ChunkTranscript?) == nil)
    }

    @Test func defaultLocationFollowsXDG() {
        #expect(ResponseCache(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]).directory.path == "/x/cache/subtitler")
        #expect(ResponseCache(environment: ["HOME": "/home/u"]).directory.path == "/home/u/.cache/subtitler")
        #expect(ResponseCache(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"]).directory.path == "/home/u/.cache/subtitler")
    }

    @Test func atomicWriteReportsTheFileAndCause() throws {
        let missing = "/nonexistent-dir-\(UUID().uuidString)/out.srt"
        let error = try #require(throws: OutputError.self) {
            try AtomicFile.write("x", to: URL(fileURLWithPath: missing))
        }
        #expect(error.path == missing)
        #expect(error.description.contains(missing))
        #expect(error.description.contains("No such file"))
    }

    @Test func aCacheThatCannotBeWrittenFailsTheStoreAndKeepsNothingHalfWritten() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The cache directory's place is taken by a file: every store must fail, visibly.
        FileManager.default.createFile(atPath: directory.path, contents: Data("not a directory".utf8))
        let cache = ResponseCache(directory: directory)
        #expect(throws: (any Error).self) { try cache.store("value", forKey: "abcdef") }
        #expect(cache.value(forKey: "abcdef", as: String.self) == nil)
        #expect(try String(contentsOf: directory, encoding: .utf8) == "not a directory")
    }
}
