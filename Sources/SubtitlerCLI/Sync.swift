import ArgumentParser
import Foundation
import MediaAudio
import Subtitles
import SubtitlerJobs
import SubtitleSync
import SubtitlerReview
import SubtitlerSupport

/// `subtitler sync`: subtitles made for another release moved onto this file's speech.
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move subtitles made for another release onto this file's speech (offline, no API key).",
        discussion: """
            Finds, in this order of preference, a constant offset (any size, either way), a frame-rate ratio \
            (23.976/24/25/29.97/30 in any pairing, or a fitted one) with an offset, or offsets that change part-way \
            where the cuts differ; only the times are rewritten, every other byte is kept. Subtitles that do not \
            belong to this audio, or that no placement clearly improves, are refused and nothing is written. A file \
            already in sync is left as it is. With a directory (and --recursive), each video's sidecar subtitles. \
            Exit codes: 0 all synced or already in sync, 1 some file refused or failed (nothing written for it), \
            2 usage error, 130 interrupted.
            """
    )

    @Argument(help: ArgumentHelp("The media file, then its subtitle files (.srt, .vtt); or media files and directories, whose sidecars are synced.", valueName: "media-and-subtitles"))
    var inputs: [String]

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The synced file to write (one subtitle file only).", valueName: "file"))
    var output: String?

    @Flag(help: "Replace each subtitle file, atomically, once its synced version is complete.")
    var inPlace = false

    @Flag(help: "Report what would change; write nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Align with this subtitle file's cues (already in sync) instead of the audio.", valueName: "file"))
    var reference: String?

    @Option(help: "Audio stream index to listen to (see `subtitler probe`).")
    var track: Int?

    @Option(help: "Audio track by language: ISO 639-1 or 639-2 (de, ger, deu).")
    var audioLanguage: String?

    @Option(help: ArgumentHelp("Search offsets up to this many seconds either way (default: the whole media).", valueName: "seconds"))
    var maxOffset: Double?

    @Flag(help: "Do not try frame-rate ratios.")
    var noRatio = false

    @Flag(help: "Do not split the subtitles into segments with offsets of their own.")
    var noSplits = false

    @Flag(help: "Look into subdirectories of the directories named.")
    var recursive = false

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    @Option(help: ArgumentHelp(
        "Also write a review page: the synced cues against the speech, the file as it was in a lane beside them (one subtitle file only).",
        valueName: "page"))
    var review: String?

    @Flag(help: "More detail: warnings, and FFmpeg's own messages.")
    var verbose = false

    /// The subtitle files named (by extension) and the other inputs.
    var split: (media: [String], subtitles: [String]) {
        let isSubtitle = { (path: String) in SubtitleFormat(pathExtension: (path as NSString).pathExtension) != nil }
        return (inputs.filter { !isSubtitle($0) }, inputs.filter(isSubtitle))
    }

    func validate() throws {
        let (media, subtitles) = split
        if media.isEmpty { throw ValidationError("name the media file before its subtitle files") }
        if !subtitles.isEmpty, media.count != 1 {
            throw ValidationError("name one media file, then its subtitle files (or directories alone, for their sidecars)")
        }
        let destinations = [output != nil, inPlace, dryRun].filter { $0 }.count
        if destinations > 1 { throw ValidationError("use one of --output FILE, --in-place and --dry-run") }
        if destinations == 0 { throw ValidationError("say where the synced subtitles go: --output FILE, --in-place or --dry-run") }
        if output != nil, subtitles.count != 1 { throw ValidationError("--output names one file: sync one subtitle file with it") }
        if let output, SubtitleFormat(pathExtension: (output as NSString).pathExtension) == nil {
            throw ValidationError("--output \(output): name it .srt or .vtt, like its input")
        }
        if track != nil && audioLanguage != nil { throw ValidationError("use either --track or --audio-language") }
        if reference != nil && (track != nil || audioLanguage != nil) {
            throw ValidationError("--reference aligns with a subtitle file, not an audio track: leave out --track and --audio-language")
        }
        if let maxOffset, !(maxOffset.isFinite && maxOffset > 0) { throw ValidationError("--max-offset must be a positive number of seconds") }
        if review != nil, subtitles.count != 1 || dryRun {
            throw ValidationError("--review draws one synced file: sync one subtitle file with --output or --in-place")
        }
    }

    /// The aligner's settings from the flags.
    var options: SyncOptions {
        var options = SyncOptions()
        if noRatio { options.frameRates = []; options.fitsRatio = false }
        options.allowsSplits = !noSplits
        options.maximumOffset = maxOffset.map { Milliseconds(($0 * 1000).rounded()) }
        return options
    }

    /// The job for one media file and its subtitle files.
    func job(media: String, subtitles: [String]) -> SyncJob {
        let track: TrackSelection = track.map { .index($0) } ?? audioLanguage.map { .language($0) } ?? .automatic
        let destination: SyncJob.Destination = dryRun ? .dryRun : inPlace ? .replacingInput : .file(output ?? "")
        return SyncJob(media: media, subtitles: subtitles, reference: reference.map { .subtitles($0) } ?? .audio(track),
                       destination: destination, options: options)
    }

    func run() async throws {
        MediaLogging.setVerbose(verbose)
        let (media, subtitles) = split
        var jobs: [SyncJob] = []
        var failed = false
        if subtitles.isEmpty {
            let batch = SyncBatch.discover(media, recursive: recursive)
            for report in batch.reports where report.status == .failed {
                Console.error(JobPhrasing.failureLine(report, recursive: recursive))
                failed = true
            }
            for entry in batch.entries where !entry.subtitles.isEmpty {
                jobs.append(job(media: entry.media, subtitles: entry.subtitles))
            }
            if jobs.isEmpty && !failed {
                Console.error("\(media.joined(separator: ", ")): no media file with sidecar subtitles (NAME.LANG.srt or .vtt beside it)")
                failed = true
            }
        } else {
            jobs = [job(media: media[0], subtitles: subtitles)]
        }
        // The file as it was, read before an in-place sync replaces it, for the review page.
        var before: [Cue]?
        if review != nil, let original = subtitles.first {
            before = try? await BlockingWork.run("read subtitles") {
                try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: original))
            }
        }
        var reports: [SyncReport] = []
        for job in jobs {
            let report = await SyncRunner.run(job)
            if report.failure?.reason == .cancelled || Task.isCancelled { throw CancellationError() }
            reports.append(report)
            if let failure = report.failure { Console.error(JobPhrasing.failure(failure)) }
            if !json { for file in report.files { SyncPhrasing.print(file) } }
            if !report.succeeded { failed = true }
        }
        if let review, let before, let file = reports.first?.files.first, let synced = file.output,
           file.outcome == .synced || file.outcome == .alreadyInSync {
            if !(await writeReview(review, media: media[0], synced: synced, before: before, original: file.subtitles)) {
                failed = true
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = jobs.count == 1 && reports.count == 1 ? try encoder.encode(reports[0]) : try encoder.encode(reports)
            Console.out(String(decoding: data, as: UTF8.self) + "\n")
        }
        if failed { throw ExitCode(ExitStatus.failure) }
    }

    /// Writes the review page of a sync: the synced file's cues, with the file as it was beside them. False (and one
    /// line on stderr) when it cannot be made.
    func writeReview(_ path: String, media: String, synced: String, before: [Cue], original: String) async -> Bool {
        let page = URL(fileURLWithPath: path)
        do {
            let document = try await ReviewBuilder.document(video: media, subtitles: [synced],
                                                            pageDirectory: page.deletingLastPathComponent())
            let beside = ReviewDocument.Beside(role: .before, label: (original as NSString).lastPathComponent,
                                               language: document.tracks.first?.language, cues: before)
            try await BlockingWork.run("write") { try ReviewPage.write(document.drawing(beside), to: page) }
            Console.error("\(media): wrote \(page.path) (the synced cues, and as they were before)")
            return true
        } catch let failure as ReviewBuilder.Failure {
            Console.error(failure.message)
        } catch let error as OutputError {
            Console.error(error.description)
        } catch {
            Console.error("\(page.path): \(error)")
        }
        return false
    }
}
