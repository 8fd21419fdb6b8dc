import Foundation
import Subtitles
import Subtitler

extension ReviewDocument {
    /// Builds the document of a finished job: its cues, violations, dropped segments, gaps, doubtful speech,
    /// omissions, chunk cuts and figures.
    ///
    /// - Parameters:
    ///   - result: the job's cues and report.
    ///   - media: the media file and the URL the page loads it from.
    ///   - tracks: the `<video>`'s tracks; nil gives one default track written from `result.cues`.
    ///   - activity: loudness and speech probability over time; nil uses the report's own map.
    public init(result: SubtitleResult, media: Media, tracks: [Track]? = nil, activity: ActivityMap? = nil) {
        self.init(cues: result.cues, violations: result.report.violations, media: media, report: result.report,
                  tracks: tracks, activity: activity ?? result.report.activity, language: result.report.language)
    }

    /// Builds a document from cues and their style violations, with a job's report when there is one.
    ///
    /// Without a report (existing subtitle files under review) the page has no dropped segments, chunk cuts,
    /// model or cost; lint the cues with ``Linter`` to get `violations`.
    /// - Parameters:
    ///   - cues: the cues of the main track, in order.
    ///   - violations: their style violations (``StyleViolation/cueNumber`` counts from 1 in `cues`).
    ///   - media: the media file and the URL the page loads it from.
    ///   - report: the job's report, if the cues came from one.
    ///   - tracks: the `<video>`'s tracks; nil gives one default track written from `cues`.
    ///   - activity: loudness and speech probability over time, if known.
    ///   - language: the cues' language; defaults to the report's.
    public init(
        cues: [Subtitles.Cue], violations: [StyleViolation], media: Media, report: SubtitleReport? = nil,
        tracks: [Track]? = nil, activity: ActivityMap? = nil, language: String? = nil
    ) {
        let language = language ?? report?.language
        var rulesByCue: [Int: [StyleViolation.Rule]] = [:]
        for violation in violations { rulesByCue[violation.cueNumber, default: []].append(violation.rule) }
        let reviewCues = cues.enumerated().map { index, cue in
            let rules = rulesByCue[index + 1] ?? []
            return Cue(number: index + 1, start: cue.start, end: cue.end, lines: cue.lines, speaker: cue.speaker,
                       status: rules.isEmpty ? .ok : .violation, rules: rules)
        }
        let reviewViolations = violations.map { violation in
            let cue = cues.indices.contains(violation.cueNumber - 1) ? cues[violation.cueNumber - 1] : nil
            return Violation(cueNumber: violation.cueNumber, rule: violation.rule, value: violation.value,
                             limit: violation.limit, message: violation.message,
                             start: cue?.start ?? 0, end: cue?.end ?? 0)
        }
        let dropped = report?.dropped ?? []
        let gaps = (report?.gaps ?? []).map { Gap(start: $0.start, end: $0.end, message: $0.message) }
        let chunks = (report?.chunks ?? []).sorted { $0.index < $1.index }
        let cuts = zip(chunks, chunks.dropFirst()).map { previous, next in
            ChunkCut(time: next.start, isInPause: previous.endsInSilence)
        }
        let summary = Summary(
            language: language, model: report?.model, task: report?.task, timing: report?.timing,
            cueCount: cues.count, cuesWithViolations: rulesByCue.count, violationCount: violations.count,
            violationsByRule: Self.counts(violations.map(\.rule.rawValue)), droppedCount: dropped.count,
            droppedByRule: Self.counts(dropped.map(\.rule.rawValue)), chunkCount: report.map { $0.chunks.count },
            gapCount: gaps.count, omissionCount: report.map { $0.omissions.count },
            doubtfulDuration: report.map { $0.doubtfulSpeech.reduce(0) { $0 + $1.duration } },
            estimatedCost: report?.estimatedCost,
            audioDuration: report?.audioDuration ?? media.duration, warnings: report?.warnings ?? []
        )
        let defaultTrack = Track(label: language.map { "Subtitles (\($0))" } ?? "Subtitles", language: language,
                                 isDefault: true, cues: cues)
        self.init(media: media, tracks: tracks ?? [defaultTrack], cues: reviewCues, violations: reviewViolations,
                  dropped: dropped, gaps: gaps, doubtful: report?.doubtfulSpeech ?? [],
                  omissions: report?.omissions ?? [], chunkCuts: cuts, activity: activity, summary: summary)
    }

    /// Counts per name, most frequent first, ties by name.
    static func counts(_ names: [String]) -> [RuleCount] {
        Dictionary(grouping: names, by: { $0 })
            .map { RuleCount(rule: $0.key, count: $0.value.count) }
            .sorted { ($1.count, $0.rule) < ($0.count, $1.rule) }
    }
}

extension ReviewDocument.Media {
    /// Describes a media file on disk.
    ///
    /// - Parameters:
    ///   - path: the media file.
    ///   - duration: the length of its timeline in milliseconds.
    ///   - pageDirectory: the directory the page will be written to; the page then loads the file by a
    ///     relative URL, so page and media can move together. With nil, it loads an absolute `file://` URL.
    public init(path: String, duration: Milliseconds, pageDirectory: URL? = nil) {
        let file = URL(fileURLWithPath: path)
        let source = pageDirectory.map { Self.relativeURL(of: file, from: $0) } ?? file.standardizedFileURL.absoluteString
        self.init(fileName: file.lastPathComponent, source: source, duration: duration)
    }

    /// The URL of `file` relative to `directory` (`talk.mp4`, `../media/talk%20one.mp4`), percent-encoded.
    ///
    /// Both are taken as absolute, standardised paths (`..` resolved, symbolic links not followed).
    public static func relativeURL(of file: URL, from directory: URL) -> String {
        let target = file.standardizedFileURL.pathComponents.filter { $0 != "/" }
        let base = directory.standardizedFileURL.pathComponents.filter { $0 != "/" }
        var common = 0
        while common < min(target.count - 1, base.count) && target[common] == base[common] { common += 1 }
        let ups = Array(repeating: "..", count: base.count - common)
        let downs = target[common...].map(Self.encodePathComponent)
        return (ups + downs).joined(separator: "/")
    }

    /// A path component with everything but unreserved ASCII URL characters percent-encoded (UTF-8).
    static func encodePathComponent(_ component: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }
}
