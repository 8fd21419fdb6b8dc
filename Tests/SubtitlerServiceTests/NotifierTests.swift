import Foundation
import Subtitler
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService

/// The media-server refresh after a job: the token goes to the configured host only.
struct NotifierTests {
    /// A server that answers every request with a redirect to `target`.
    static func redirecting(to target: StubHTTPServer, path: String) async throws -> StubHTTPServer {
        try await StubHTTPServer.start([
            StubHTTPServer.Response(status: 302, headers: [("location", "http://127.0.0.1:\(target.port)\(path)")],
                                    chunks: [[]]),
        ])
    }

    @Test(arguments: Notifier.MediaServer.Kind.allCases)
    func aRedirectToAnotherHostNeverReceivesTheToken(kind: Notifier.MediaServer.Kind) async throws {
        // The other host would answer like a real Plex, so a followed redirect would go on to the refresh call too.
        let sections = #"{"MediaContainer":{"Directory":[{"key":"1","Location":[{"path":"/srv/media"}]}]}}"#
        let elsewhere = try await StubHTTPServer.start([.json(200, sections)])
        defer { Task { try? await elsewhere.shutdown() } }
        let configured = try await Self.redirecting(to: elsewhere, path: "/library/sections")
        defer { Task { try? await configured.shutdown() } }
        let token = "media-server-token-123"
        let server = Notifier.MediaServer(kind: kind, url: "http://127.0.0.1:\(configured.port)", token: token)
        let notifier = Notifier(webhookURL: nil, mediaServers: [server])

        var report = JobReport(input: "/srv/media/film.mkv", status: .done)
        report.outputs = ["/srv/media/film.en.srt"]
        await notifier.jobFinished(report, task: .transcribe)
        await notifier.jobFinished(report, task: .transcribe)   // every job, not only the first

        // The configured host was asked (with the token) and answered 302 twice; nothing reached the other one.
        #expect(configured.requestCount == 2)
        let sent = configured.requests.compactMap { $0.header(kind == .plex ? "X-Plex-Token" : "Authorization") }
        #expect(sent.count == 2 && sent.allSatisfy { $0.contains(token) })
        #expect(elsewhere.requestCount == 0)
    }
}
