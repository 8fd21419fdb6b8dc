import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import OpenAIAudio
import Subtitler
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService

/// Issue 22, hardening round three, the HTTP service: Bazarr's form-encoded `video_file`, Sonarr v4's imports with
/// several files and PUT hooks, hook origins, error bodies without internal paths, bounded multipart fields,
/// per-field JSON errors, the jobs list's cursor, DELETE of an ended job. In process (router mode, an in-memory
/// store, a fake backend); waiting is on the store or on the client's own requests, never on the clock.
@Suite struct ServiceHardeningTests {
    @Test func bazarrsVideoFileIsReadAsAFormValue() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let video = try service.media("tv/My Show (2020)/Season 01/My Show - S01E01 - Pilot & Co + 50%.wav")
        let pcm = InProcessService.pcm(SamplesAudioSource.toneTalk(seconds: 2))
        // What Python's requests sends for Bazarr's params: urlencode, so spaces are +, a real + is %2B.
        let plus = "/asr?task=transcribe&language=en&output=srt&encode=false&video_file="
            + "%2F" + video.dropFirst().split(separator: "/").map { Self.formEncoded(String($0)) }.joined(separator: "%2F")
        #expect(plus.contains("My+Show+%282020%29") && plus.contains("%2B+50%25"), "\(plus)")
        // And %20 for a space, as other clients send it.
        let percent = "/asr?task=transcribe&language=en&output=srt&encode=false&video_file="
            + (video.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "+&"))) ?? "")
        try await service.test { client in
            for uri in [plus, percent] {
                let response = try await client.upload(uri, pcm)
                #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                #expect(String(buffer: response.body).hasPrefix("1\n00:00:"))
            }
        }
        #expect(!service.logs.text.contains("video_file not used"), "\(service.logs.text)")
        #expect(FormQuery("a=x+y%2Bz&b=%2Fm%20n&a=second&c")["a"] == "x y+z")
        #expect(FormQuery("a=x+y%2Bz&b=%2Fm%20n&c")["b"] == "/m n")
        #expect(FormQuery("c")["c"] == "" && FormQuery(nil)["c"] == nil)
    }

    /// `urllib.parse.quote_plus`, as `requests` encodes each parameter value.
    static func formEncoded(_ text: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~ ")
        return (text.addingPercentEncoding(withAllowedCharacters: safe) ?? text).replacingOccurrences(of: " ", with: "+")
    }

    @Test func anASRFailureNamesTheCauseButNoPathInsideTheService() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        try await service.test { client in
            // encode=true: the part should be a media file; this is not one.
            let response = try await client.upload("/asr?task=transcribe&output=srt", Array(repeating: 0x5A, count: 4_000))
            let body = String(buffer: response.body)
            #expect(response.status == .internalServerError, "\(body)")
            #expect(body.contains("subtitler could not transcribe this audio: "), "\(body)")
            #expect(body.contains("the uploaded audio"), "\(body)")
            #expect(!body.contains(scratch.cache.path) && !body.contains("upload-") && !body.contains("uploads/"), "\(body)")
        }
        // The log keeps the whole message for the operator.
        #expect(service.logs.text.contains("upload-"))
    }

    @Test func multipartBodiesAreBoundedAndMalformedOnesAre400WithTheReason() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        @Sendable func form(_ parts: [(name: String, filename: String?, data: [UInt8])]) -> ByteBuffer {
            ByteBuffer(bytes: MultipartTests.body(boundary: "b", parts: parts))
        }
        try await service.test { client in
            func post(_ body: ByteBuffer) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.execute(
                    uri: "/asr?encode=false", method: .post, headers: [.contentType: "multipart/form-data; boundary=b"], body: body)
                return (response.status, String(buffer: response.body))
            }
            let audio = InProcessService.pcm(SamplesAudioSource.toneTalk(seconds: 1))
            // The audio under another name, as a file part: the real reason, 400.
            let misnamed = try await post(form([("file", "audio.wav", audio)]))
            #expect(misnamed.0 == .badRequest && misnamed.1.contains("the file part is named 'file'; send it as 'audio_file'"), "\(misnamed)")
            // The audio under another name, as a plain part: not "the field is too long".
            let unnamed = try await post(form([("other", nil, Array(repeating: 1, count: 70_000))]))
            #expect(unnamed.0 == .badRequest && unnamed.1.contains("unexpected part 'other'"), "\(unnamed)")
            #expect(!unnamed.1.contains("too long"), "\(unnamed)")
            // Text fields: five of 60 KB are each allowed but too much together, whatever the upload limit.
            let fields = (0..<5).map { (name: "f\($0)", filename: String?.none, data: Array(repeating: UInt8(65), count: 60_000)) }
            let many = try await post(form(fields + [("audio_file", "audio_file", audio)]))
            #expect(many.0 == .contentTooLarge && many.1.contains("longer than 262144 bytes in all"), "\(many)")
            // Two audio parts, no audio part, no closing boundary: 400 each.
            let twice = try await post(form([("audio_file", "audio_file", audio), ("audio_file", "audio_file", audio)]))
            #expect(twice.0 == .badRequest && twice.1.contains("more than one 'audio_file' part"), "\(twice)")
            let none = try await post(form([("task", nil, Array("transcribe".utf8))]))
            #expect(none.0 == .badRequest && none.1.contains("no audio_file part"), "\(none)")
            var cut = form([("audio_file", "audio_file", audio)])
            cut.moveWriterIndex(to: cut.writerIndex - 8)
            let truncated = try await post(cut)
            #expect(truncated.0 == .badRequest && truncated.1.contains("ended before the closing boundary"), "\(truncated)")
        }
        #expect(service.backend.calls.isEmpty)
        let uploads = scratch.cache.appendingPathComponent("state/uploads").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
    }

    @Test func sonarrImportsWithSeveralFilesQueueEachAndHooksTakePUT() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let gate = Gate()
        let service = try InProcessService(scratch: scratch, backend: InProcessService.heldBackend(until: gate))
        let first = try service.media("Show/Season 01/Show - S01E01.wav")
        let second = try service.media("Show/Season 01/Show - S01E02.wav")
        let series = scratch.path("media/Show")
        try await service.test { client in
            // Sonarr v4, "On Import Complete": eventType Download, the files in episodeFiles[].
            let importComplete = #"{"eventType":"Download","series":{"path":"\#(series)"},"episodeFiles":[{"relativePath":"Season 01/Show - S01E01.wav"},{"path":"\#(second)"}]}"#
            let (status, answer) = try await client.json(.post, "/v1/hooks/sonarr", body: importComplete)
            #expect(status == .created, "\(answer)")
            let jobs = try #require(answer["jobs"] as? [[String: Any]])
            #expect(jobs.compactMap { ($0["request"] as? [String: Any])?["path"] as? String } == [first, second])
            #expect(jobs.allSatisfy { $0["origin"] as? String == "sonarr" })
            // PUT as well as POST; an equal request answers with the queued job.
            let single = #"{"eventType":"Download","episodeFile":{"path":"\#(first)"}}"#
            let (again, job) = try await client.json(.put, "/v1/hooks/sonarr", body: single)
            #expect(again == .ok && job["id"] as? String == jobs.first?["id"] as? String, "\(job)")
            #expect(try await client.json(.put, "/v1/hooks/radarr", body: #"{"eventType":"Test"}"#).0 == .ok)
            // One file outside the roots: the others are queued, the refusal names the file.
            let outside = #"{"eventType":"Download","episodeFiles":[{"path":"/etc/passwd"},{"path":"\#(second)"}]}"#
            let (refused, partial) = try await client.json(.post, "/v1/hooks/sonarr", body: outside)
            #expect(refused == .forbidden && (partial["error"] as? String)?.contains("/etc/passwd") == true, "\(partial)")
            #expect((partial["jobs"] as? [[String: Any]])?.count == 1)
            // `subtitler hook` queues with origin=hook.
            let (hooked, hookJob) = try await client.json(.post, "/v1/jobs?origin=hook", body: #"{"path": "\#(first)", "language": "de"}"#)
            #expect(hooked == .created && hookJob["origin"] as? String == "hook", "\(hookJob)")
            #expect(try await client.json(.post, "/v1/jobs?origin=watch", body: #"{"path": "\#(first)"}"#).0 == .badRequest)
            gate.open()
        }
        // The Custom Script's variables: one file, or Sonarr v4's |-separated list.
        #expect(ArrHook.action(environment: ["sonarr_eventtype": "Download", "sonarr_episodefile_paths": "/tv/a.mkv|/tv/b.mkv"])?.1
            == .queue(paths: ["/tv/a.mkv", "/tv/b.mkv"]))
        #expect(ArrHook.action(environment: ["sonarr_eventtype": "Download", "sonarr_episodefile_path": "/tv/a.mkv",
                                             "sonarr_episodefile_paths": "/tv/a.mkv"])?.1 == .queue(paths: ["/tv/a.mkv"]))
        #expect(ArrHook.action(environment: ["radarr_eventtype": "Download", "radarr_moviefile_path": "/m/f.mkv"])?.1
            == .queue(paths: ["/m/f.mkv"]))
        #expect(ArrHook.action(environment: ["sonarr_eventtype": "Download", "sonarr_episodefile_path": ""])?.1
            == .invalid("neither sonarr_episodefile_path nor sonarr_episodefile_paths is set"))
    }

    @Test func everyWrongFieldOfAJobGetsItsOwnMessage() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let media = try service.media("a.wav")
        let cases: [(String, String)] = [
            (#"{"path": 5}"#, #""path" must be a string"#),
            (#"{"language": "de"}"#, #""path" is missing"#),
            (#"{"path": null}"#, #""path" must not be null"#),
            (#"{"path": "\#(media)", "language": 7}"#, #""language" must be a string"#),
            (#"{"path": "\#(media)", "task": "dance"}"#, #""task" must be one of transcribe, translate"#),
            (#"{"path": "\#(media)", "formats": "srt"}"#, #""formats" must be an array"#),
            (#"{"path": "\#(media)", "formats": ["docx"]}"#, #""formats[0]" must be one of srt, vtt, imsc, ebu-tt-d, ttml, ass"#),
            (#"{"path": "\#(media)", "embed": "yes"}"#, #""embed" must be true or false"#),
            (#"{"path": "\#(media)", "naming": {"sdh": 1}}"#, #""naming.sdh" must be true or false"#),
            (#"{"path": "\#(media)", "naming": {"languageCodes": "klingon"}}"#, #""naming.languageCodes" must be one of 639-1, 639-2b, 639-2t"#),
            (#"{"path": "\#(media)", "naming": "sdh"}"#, #""naming" must be a JSON object"#),
            (#"{"path": "\#(media)", "dub": {"duck": "loud"}}"#, #""dub.duck" must be a number"#),
            ("[]", "the body must be a JSON object"),
            ("not json", "the body is not valid JSON"),
        ]
        try await service.test { client in
            for (body, message) in cases {
                let (status, answer) = try await client.json(.post, "/v1/jobs", body: body)
                #expect(status == .badRequest, "\(body)")
                #expect(answer["error"] as? String == message, "\(body): \(answer)")
            }
            let huge = #"{"path": "\#(String(repeating: "x", count: 70_000))"}"#
            let (tooLarge, answer) = try await client.json(.post, "/v1/jobs", body: huge)
            #expect(tooLarge == .contentTooLarge && answer["error"] as? String == "the body is larger than 64 KB")
        }
        #expect(try await service.store.jobs().isEmpty)
    }

    @Test func theJobListIsNewestFirstWithACursorAndEndedJobsCannotBeDeleted() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        var queued: [String] = []
        for name in ["a", "b", "c"] {
            let media = try service.media("\(name).wav")
            queued.append(try await service.environment.scheduler.submit(JobRequest(path: media, language: "en"), origin: .api).job.id)
        }
        let ids = queued
        try await service.test { client in
            for id in ids { _ = try await service.job(id) }
            let page = try await client.send(.get, "/v1/jobs?limit=2")
            let first = try #require(try JSONSerialization.jsonObject(with: Data(page.body.readableBytesView)) as? [[String: Any]])
            #expect(first.map { $0["id"] as? String } == [ids[2], ids[1]])
            let link = try #require(page.headers[HTTPField.Name("Link")!])
            #expect(link == "</v1/jobs?limit=2&before=\(ids[1])>; rel=\"next\"")
            let next = try await client.send(.get, "/v1/jobs?limit=2&before=\(ids[1])")
            let second = try #require(try JSONSerialization.jsonObject(with: Data(next.body.readableBytesView)) as? [[String: Any]])
            #expect(second.map { $0["id"] as? String } == [ids[0]])
            #expect(next.headers[HTTPField.Name("Link")!] == nil)
            let filtered = try await client.send(.get, "/v1/jobs?limit=1&state=done")
            #expect(filtered.headers[HTTPField.Name("Link")!] == "</v1/jobs?limit=1&before=\(ids[2])&state=done>; rel=\"next\"")
            let (unknown, answer) = try await client.json(.get, "/v1/jobs?before=nope")
            #expect(unknown == .badRequest && answer["error"] as? String == "before names no job: nope")

            // DELETE of an ended job is 409, as the OpenAPI document says, for done, failed and cancelled alike.
            let (done, conflict) = try await client.json(.delete, "/v1/jobs/\(ids[0])")
            #expect(done == .conflict && conflict["error"] as? String == "job \(ids[0]) has already ended (done)")
        }
        let extra = try service.media("d.wav")
        let gate = Gate()
        // A cancelled job: the first DELETE cancels it (queued behind a held job), the second is 409.
        let held = try InProcessService(scratch: scratch, backend: InProcessService.heldBackend(until: gate))
        try await held.test { client in
            let (_, running) = try await client.json(.post, "/v1/jobs", body: #"{"path": "\#(extra)", "language": "en"}"#)
            let (_, waiting) = try await client.json(.post, "/v1/jobs", body: #"{"path": "\#(extra)", "language": "de"}"#)
            await gate.arrivals(1)
            let id = try #require(waiting["id"] as? String)
            #expect(try await client.json(.delete, "/v1/jobs/\(id)").0 == .ok)
            let (again, answer) = try await client.json(.delete, "/v1/jobs/\(id)")
            #expect(again == .conflict && answer["error"] as? String == "job \(id) has already ended (cancelled)")
            gate.open()
            _ = try await held.job(try #require(running["id"] as? String))
        }
    }
}
