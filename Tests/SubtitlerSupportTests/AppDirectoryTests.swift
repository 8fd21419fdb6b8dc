import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import SubtitlerSupport

/// The relative-XDG and cache-clearing rules.
struct AppDirectoryTests {
    @Test func relativeXDGPathsAreIgnored() {
        let environment = ["XDG_CACHE_HOME": ".", "XDG_STATE_HOME": "state", "HOME": "/home/u"]
        #expect(AppDirectories.cache(environment: environment).path == "/home/u/.cache/subtitler")
        #expect(AppDirectories.state(environment: environment).path == "/home/u/.local/state/subtitler")
        #expect(AppDirectories.cache(environment: ["XDG_CACHE_HOME": "/var/c", "HOME": "/home/u"]).path == "/var/c/subtitler")
    }

    @Test func clearingRemovesOnlyCacheEntries() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let cache = ResponseCache(directory: scratch.url)
        let key = ResponseCache.key(audio: [1, 2, 3], parameters: ["model": "whisper-1"])
        try cache.store("value", forKey: key)
        try "mine".write(toFile: scratch.path("notes.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.path("ab"), withIntermediateDirectories: true)
        try "keep".write(toFile: scratch.path("ab/photo.jpg"), atomically: true, encoding: .utf8)
        var info = stat()
        let entry = scratch.path("\(key.prefix(2))/\(key).json")
        #expect(stat(entry, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try cache.clear() == 1)
        #expect(cache.value(forKey: key, as: String.self) == nil)
        #expect(try scratch.files().contains("notes.txt"))
        #expect(FileManager.default.fileExists(atPath: scratch.path("ab/photo.jpg")))
    }
}
