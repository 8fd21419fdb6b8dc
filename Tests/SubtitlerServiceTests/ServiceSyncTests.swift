import Foundation
import HTTPTypes
import Subtitles
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService
import HummingbirdTesting
import NIOCore

/// `"sync"` on the jobs API: the subtitle files move onto the media's speech in place, through the job layer's
/// `SyncRunner` on the real decode and speech detector, with the same refusals and reasons as `subtitler sync`.
@Suite("Sync jobs in the service")
struct ServiceSyncTests {
    @Test func aSyncJobMovesTheSubtitlesInPlaceAndReportsEachFile() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let programme = try SpokenProgramme.make(in: scratch, name: "media/film.mkv", seed: 5)
        let late = scratch.path("media/film.en.srt")
        try programme.srt { $0 + 3_200 }.write(toFile: late, atomically: true, encoding: .utf8)
        let other = try SpokenProgramme.make(in: scratch, name: "other.mkv", seed: 6)
        let foreign = scratch.path("media/film.de.srt")
        let foreignText = other.srt()
        try foreignText.write(toFile: foreign, atomically: true, encoding: .utf8)

        let (job, refused) = try await service.test { client in
            let (status, created) = try await client.json(
                .post, "/v1/jobs", body: #"{"path": "\#(programme.path)", "sync": ["\#(late)"]}"#)
            #expect(status == .created, "\(created)")
            let job = try await service.job(try #require(created["id"] as? String))
            let (refusedStatus, refusedJob) = try await client.json(
                .post, "/v1/jobs", body: #"{"path": "\#(programme.path)", "sync": ["\#(foreign)"]}"#)
            #expect(refusedStatus == .created, "\(refusedJob)")
            return (job, try await service.job(try #require(refusedJob["id"] as? String)))
        }
        #expect(job.state == .done, "\(job)")
        #expect(job.outputs == [late])
        let file = try #require(job.report?.sync?.files.first)
        #expect(file.outcome == .synced)
        // The detector's speech sits about 90 ms inside the oracle's sound edges.
        #expect(abs(file.offset + 3_200) <= 100)
        let cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: late))
        let close = zip(cues, programme.cues).filter { abs($0.start - $1.start) <= 100 }.count
        #expect(Double(close) >= 0.95 * Double(programme.cues.count))
        // A sync sends nothing to the transcription backend.
        #expect(service.backend.calls.isEmpty)

        // Another programme's subtitles are refused with the stable reason, and left as they were.
        #expect(refused.state == .failed)
        #expect(refused.report?.failure?.reason == .syncRefused)
        #expect(refused.report?.sync?.files.first?.outcome == .refused)
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == foreignText)
    }

    @Test func syncRequestsTheServiceCannotHonourAreRefusedBeforeAnythingIsQueued() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let media = try service.media("film.wav")
        let subtitles = scratch.path("media/film.en.srt")
        try "1\n00:00:01,000 --> 00:00:02,000\nTone.\n".write(toFile: subtitles, atomically: true, encoding: .utf8)
        let outside = scratch.path("elsewhere.srt")
        try "1\n00:00:01,000 --> 00:00:02,000\nTone.\n".write(toFile: outside, atomically: true, encoding: .utf8)
        let many = Array(repeating: "\"\(subtitles)\"", count: JobRequest.maximumSyncFiles + 1).joined(separator: ",")
        try await service.test { client in
            let cases: [(String, HTTPResponse.Status)] = [
                (#"{"path": "\#(media)", "sync": []}"#, .badRequest),
                (#"{"path": "\#(media)", "sync": [\#(many)]}"#, .badRequest),
                (#"{"path": "\#(media)", "sync": ["\#(subtitles)"], "embed": true}"#, .badRequest),
                (#"{"path": "\#(media)", "sync": ["\#(subtitles)"], "dub": {}}"#, .badRequest),
                (#"{"path": "\#(media)", "sync": ["\#(outside)"]}"#, .forbidden),
                (#"{"path": "\#(media)", "sync": ["\#(scratch.path("media/missing.srt"))"]}"#, .notFound),
                (#"{"path": "\#(media)", "sync": "\#(subtitles)"}"#, .badRequest),
            ]
            for (body, expected) in cases {
                let (status, answer) = try await client.json(.post, "/v1/jobs", body: body)
                #expect(status == expected, "\(body): \(answer)")
                #expect(answer["error"] is String, "\(body)")
            }
            let list = try await client.send(.get, "/v1/jobs")
            let jobs = try JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [Any]
            #expect(jobs?.isEmpty == true)
        }
    }
}
