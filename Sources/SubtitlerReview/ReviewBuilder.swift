import Foundation
import MediaAudio
import Subtitles
import SpeechDetection
import Subtitler
import SubtitlerSupport

/// Builds review pages for media and subtitle files on disk: the job layer's sidecars for a video (or the files
/// given), the style rules' verdicts on them, the audio's loudness and speech probability, and, when a job report is
/// at hand (`--json` output), what the guard dropped, the chunk cuts, the model and the cost.
public enum ReviewBuilder {
    /// Why a page could not be made.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// One line naming the file and the cause.
        public var message: String
        public var description: String { message }
    }

    /// The subtitle files the job layer writes for `video` that exist now, in name order: `<stem>.*.srt|vtt` in
    /// `directory` (the video's folder by default), not forced (or `foreign`) ones first.
    public static func sidecars(of video: String, in directory: String? = nil) -> [String] {
        let folder = directory ?? (video as NSString).deletingLastPathComponent
        let stem = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let readable = Set(SubtitleFormat.allCases.map(\.fileExtension))
        return names.compactMap { name in SidecarName(parsing: name, stem: stem, extensions: readable).map { (name, $0) } }
            .sorted { a, b in a.1.isForced != b.1.isForced ? !a.1.isForced : a.0 < b.0 }
            .map { (folder as NSString).appendingPathComponent($0.0) }
    }

    /// The review document for `video` and its subtitle files (the first is the main track).
    /// - Parameters:
    ///   - video: the media file.
    ///   - subtitles: subtitle files; the first one's cues are checked and drawn.
    ///   - report: the pipeline's report for this video, if any (a job report's ``SubtitleReport``).
    ///   - style: the style profile the cues are checked against.
    ///   - pageDirectory: where the page will be written (the video is referenced relative to it).
    ///   - beside: a subtitle file drawn in a lane under the main cues and named beside each cue it overlaps (a
    ///     translation, or the file before a sync), also offered as a track; nil for none.
    ///   - besideRole: what `beside` is to the main cues; by default a translation when the two name different
    ///     languages, else ``ReviewDocument/Beside/Role/other``.
    /// - Throws: ``Failure`` for unreadable media or subtitles.
    public static func document(
        video: String, subtitles: [String], report: SubtitleReport? = nil, style: StyleProfile = .netflix,
        pageDirectory: URL, beside: String? = nil, besideRole: ReviewDocument.Beside.Role? = nil
    ) async throws -> ReviewDocument {
        guard let main = subtitles.first else {
            throw Failure(message: "\(video): no subtitle files to review (make them with subtitler transcribe, or name them)")
        }
        var tracks: [ReviewDocument.Track] = []
        var mainCues: [Cue] = []
        var besideCues: [Cue] = []
        for path in subtitles + (beside.map { subtitles.contains($0) ? [] : [$0] } ?? []) {
            let cues: [Cue]
            do {
                cues = try await BlockingWork.run("read subtitles") {
                    try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: path))
                }
            } catch {
                throw Failure(message: "\(path): \(error)")
            }
            if path == main { mainCues = cues }
            if path == beside { besideCues = cues }
            let name = (path as NSString).lastPathComponent
            tracks.append(ReviewDocument.Track(label: name, language: language(of: path, video: video),
                                               isDefault: path == main, cues: cues))
        }
        let activity: ReviewDocument.ActivityMap?
        let duration: Milliseconds
        do {
            (activity, duration) = try await BlockingWork.run(on: .media, "review activity") { try Self.activity(of: video) }
        } catch let error as MediaError {
            throw Failure(message: error.description)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "\(video): \(error)")
        }
        let media = ReviewDocument.Media(path: video, duration: report?.audioDuration ?? duration, pageDirectory: pageDirectory)
        let violations = Linter(style: style).lint(mainCues)
        let mainLanguage = report?.language ?? tracks.first?.language
        let document = ReviewDocument(cues: mainCues, violations: violations, media: media,
                                      report: report, tracks: tracks, activity: activity, language: mainLanguage)
        guard let beside else { return document }
        let besideLanguage = language(of: beside, video: video)
        let role = besideRole ?? (besideLanguage != nil && mainLanguage != nil && besideLanguage != mainLanguage
                                  ? .translation : .other)
        return document.drawing(ReviewDocument.Beside(
            role: role, label: (beside as NSString).lastPathComponent, language: besideLanguage, cues: besideCues))
    }

    /// The language a subtitle file's name gives, read as a sidecar of `video` or as any name.
    static func language(of path: String, video: String) -> String? {
        let name = (path as NSString).lastPathComponent
        let stem = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
        let sidecar = SidecarName(parsing: name, stem: stem, extensions: [(name as NSString).pathExtension.lowercased()])
            ?? SidecarName(readingAnyName: name)
        return sidecar?.knownLanguage
    }

    /// Loudness and speech probability of the chosen track, decoded once at 16 kHz.
    static func activity(of video: String) throws -> (ReviewDocument.ActivityMap?, Milliseconds) {
        let reader = try AudioReader(path: video, sampleRate: 16_000, blockSize: 16_000)
        var meter = EnergyMeter(sampleRate: 16_000)
        let detector = (try? SileroVADModel.bundled()).map { VoiceActivityDetector(model: $0) }
        var probabilities: [Float] = []
        var samples: Int64 = 0
        while let block = try reader.nextBlock() {
            meter.append(block.samples)
            samples = block.endSample
            if let detector { probabilities += detector.append(block.samples).probabilities }
        }
        meter.finish()
        if let detector { probabilities += detector.finish().probabilities }
        let map = ReviewDocument.ActivityMap(energy: meter.energies,
                                             speechProbabilities: detector == nil ? nil : probabilities)
        return (map, samples * 1000 / 16_000)
    }
}
