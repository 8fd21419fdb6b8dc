import Foundation
import MediaAudio
import Subtitles
import Subtitler

/// One subtitle job: which media file, what to make of it, and where and how to write the result.
///
/// Every front end (the command line, the service, watch folders, hooks) describes its work as jobs and hands them
/// to ``JobRunner``, so they agree on names, skip rules and outputs.
///
/// ```swift
/// var job = SubtitleJob(input: "talk.mp4")
/// job.formats = [.srt, .vtt]
/// let report = await JobRunner(subtitler: subtitler).run(job).report
/// ```
public struct SubtitleJob: Sendable {
    /// The media file.
    public var input: String
    /// Task, model, language, track, style and the other pipeline settings.
    public var options: SubtitleOptions
    /// The subtitle formats to write, in order (at least one).
    public var formats: [SubtitleFormat]
    /// How output files are named.
    public var naming: SidecarNaming
    /// Where the outputs go.
    public var destination: OutputDestination
    /// Whether existing outputs newer than the input are replaced.
    public var overwrite: OverwritePolicy
    /// Skip the input when subtitles in the target language already exist (a sidecar in any spelling, or a text
    /// subtitle stream in the container; forced tracks never count).
    public var skipsIfSubtitled: Bool
    /// Plan and price the job without sending anything.
    public var isDryRun: Bool
    /// Remember the detected language of inputs (in the state directory), so a rerun without a language knows the
    /// output names and can skip finished inputs before sending anything.
    public var remembersLanguage: Bool
    /// Also mux the subtitles into the media file (MKV, WebM, MP4, M4V, MOV), replacing it atomically together with
    /// the sidecars; earlier tracks this tool added in the same language are replaced, not duplicated.
    public var embedsSubtitles: Bool
    /// The folders every file the job writes must stay in (the service's roots), checked again where each output
    /// is opened and renamed; nil (the command line) writes wherever the job says.
    package var outputRoots: [String]? = nil

    /// Creates a job with the defaults of `subtitler transcribe FILE`.
    public init(
        input: String, options: SubtitleOptions = SubtitleOptions(), formats: [SubtitleFormat] = [.srt],
        naming: SidecarNaming = SidecarNaming(), destination: OutputDestination = .besideInput,
        overwrite: OverwritePolicy = .keepNewer, skipsIfSubtitled: Bool = false, isDryRun: Bool = false,
        remembersLanguage: Bool = true, embedsSubtitles: Bool = false
    ) {
        self.input = input
        self.options = options
        self.formats = formats.isEmpty ? [.srt] : formats
        self.naming = naming
        self.destination = destination
        self.overwrite = overwrite
        self.skipsIfSubtitled = skipsIfSubtitled
        self.isDryRun = isDryRun
        self.remembersLanguage = remembersLanguage
        self.embedsSubtitles = embedsSubtitles
    }

    /// Whether the outputs go to a directory named by ``OutputDestination/directory(_:)``.
    var isDirectoryDestination: Bool {
        if case .directory = destination { return true }
        return false
    }

    /// The language the subtitles will be in, when it is known before anything is sent: English for translations,
    /// else the requested language.
    public var knownOutputLanguage: String? {
        options.task == .translate ? "en" : options.language
    }
}

/// Where a job's outputs go.
public enum OutputDestination: Sendable, Hashable, Codable {
    /// Next to the input, named by ``SidecarNaming``.
    case besideInput
    /// In this directory, named by ``SidecarNaming`` (created when missing).
    case directory(String)
    /// Exactly this file (with several formats, the file's name with each format's extension).
    case file(String)
    /// Standard output (one format); the runner returns the text and the front end prints it.
    case standardOutput
}

/// Whether existing outputs are replaced.
public enum OverwritePolicy: String, Sendable, Hashable, Codable {
    /// Outputs newer than the input are left alone (the input is skipped, or, when the name was known only after
    /// transcribing, nothing is written and the answer stays in the resume cache).
    case keepNewer
    /// Outputs are always replaced.
    case replace
}
