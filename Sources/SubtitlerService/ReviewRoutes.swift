import Foundation
import Hummingbird
import Subtitler
import SubtitlerJobs
import SubtitlerReview
import SubtitlerSupport
import Subtitles

/// The review page of a finished job (`GET /v1/jobs/{id}/review`) and its media, streamed from the job's root with
/// byte ranges so the page's player can seek (`GET /v1/jobs/{id}/media`).
struct ReviewRoutes: Sendable {
    let environment: ServiceEnvironment

    func register(on router: Router<ServiceRequestContext>) {
        router.get("/v1/jobs/{id}/review") { _, context in try await page(context) }
        router.get("/v1/jobs/{id}/media") { request, context in try await media(request, context: context) }
    }

    /// The review document of a finished job, made when it finished.
    static func document(for job: ServiceJob, outcome: JobOutcome) async -> ReviewDocument? {
        guard let cues = outcome.cues, let report = outcome.subtitleReport else { return nil }
        let media = ReviewDocument.Media(
            fileName: (job.request.path as NSString).lastPathComponent, source: "/v1/jobs/\(job.id)/media",
            duration: report.audioDuration)
        let document = ReviewDocument(result: SubtitleResult(cues: cues, report: report), media: media)
        guard let beside = await translationBeside(outcome.report.translation) else { return document }
        return document.drawing(beside)
    }

    /// The first translation the job wrote, drawn beside its source cues (read back from the file, as a viewer will
    /// see it), or nil when it wrote none or the file cannot be read any more.
    static func translationBeside(_ translation: TranslationReport?) async -> ReviewDocument.Beside? {
        guard let target = translation?.targets.first(where: { $0.failure == nil && $0.output != nil }),
              let output = target.output,
              let cues = try? await BlockingWork.run("read translation", {
                  try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: output))
              }) else { return nil }
        return ReviewDocument.Beside(role: .translation, label: (output as NSString).lastPathComponent,
                                     language: target.language, cues: cues)
    }

    func page(_ context: ServiceRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id") else { return ServiceResponses.error(.badRequest, "missing id") }
        guard let data = try await environment.store.review(id: id) else {
            return ServiceResponses.error(.notFound, "job \(id) has no review page (it is not finished, or wrote nothing)")
        }
        let document = try JSONDecoder().decode(ReviewDocument.self, from: data)
        let html = ReviewPage.render(document)
        var response = ServiceResponses.text(.ok, html, contentType: "text/html; charset=utf-8")
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func media(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id") else { return ServiceResponses.error(.badRequest, "missing id") }
        guard let job = try await environment.store.job(id: id) else {
            return ServiceResponses.error(.notFound, "no job \(id)")
        }
        let path: String
        do {
            path = try environment.paths.file(job.request.path)
        } catch {
            return ServiceResponses.error(.notFound, "\(error)")
        }
        var info = stat()
        guard stat(path, &info) == 0 else { return ServiceResponses.error(.notFound, "the media file is gone") }
        let size = Int(info.st_size)
        let type = Self.contentType(forExtension: (path as NSString).pathExtension)
        let fileIO = FileIO()
        if let header = request.headers[.range], let range = Self.byteRange(header, size: size) {
            let body = try await fileIO.loadFile(path: path, range: range, context: context)
            return Response(status: .partialContent, headers: [
                .contentType: type, .acceptRanges: "bytes", .contentLength: String(range.count),
                .contentRange: "bytes \(range.lowerBound)-\(range.upperBound)/\(size)",
            ], body: body)
        }
        let body = try await fileIO.loadFile(path: path, context: context)
        return Response(status: .ok, headers: [.contentType: type, .acceptRanges: "bytes", .contentLength: String(size)],
                        body: body)
    }

    /// The first range of a `Range: bytes=…` header, clamped to the file; nil when unusable.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard size > 0, header.hasPrefix("bytes=") else { return nil }
        let first = header.dropFirst(6).split(separator: ",").first.map(String.init) ?? ""
        let parts = first.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int(parts[0]), start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : min(Int(parts[1]) ?? (size - 1), size - 1)
        return start <= end ? start...end : nil
    }

    static func contentType(forExtension ext: String) -> String {
        switch ext.lowercased() {
        case "mp4", "m4v": "video/mp4"
        case "webm": "video/webm"
        case "mkv": "video/x-matroska"
        case "mov": "video/quicktime"
        case "mp3": "audio/mpeg"
        case "m4a": "audio/mp4"
        case "wav": "audio/wav"
        case "ogg", "oga", "opus": "audio/ogg"
        case "flac": "audio/flac"
        default: "application/octet-stream"
        }
    }
}
