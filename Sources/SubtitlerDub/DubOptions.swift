import SubtitlerSupport
import Foundation
import MediaAudio
import Subtitles
import Subtitler

/// One dub job: which media file, where the English cues come from, how they are spoken, fitted and mixed, and where
/// the result goes. The defaults are what `subtitler dub FILE` does.
///
/// ```swift
/// var job = DubJob(input: "film.mkv")
/// job.options.voice = "coral"
/// job.options.duckDecibels = 12
/// let result = try await Dubber(subtitler: subtitler).dub(job)
/// print(result.report.output ?? "", result.report.notFitted)
/// ```
public struct DubJob: Sendable {
    /// The media file.
    public var input: String
    /// Where the English cues come from.
    public var cues: DubCueSource
    /// Where the dubbed file goes.
    public var destination: DubDestination
    /// Speech, fitting, mixing and track settings.
    public var options: DubOptions
    /// The folders the dub may write in (a service's roots), or nil for anywhere. With roots, the mux reads the input
    /// and writes the output through their folders opened and checked first, so a folder replaced by a link out of
    /// the roots while the dub runs receives nothing.
    public var outputRoots: [String]?

    /// Creates a job: cues from the translation of the default track, output `NAME.dub.EXT` next to the input.
    public init(
        input: String, cues: DubCueSource = .translation, destination: DubDestination = .besideInput,
        options: DubOptions = DubOptions()
    ) {
        self.input = input
        self.cues = cues
        self.destination = destination
        self.options = options
    }

    /// The file the job writes: `NAME.dub.EXT` next to the input, the given file, or the input itself.
    public var outputPath: String {
        switch destination {
        case .besideInput:
            let url = URL(fileURLWithPath: input)
            let ext = url.pathExtension
            let stem = url.deletingPathExtension().lastPathComponent
            let name = ext.isEmpty ? "\(stem).dub" : "\(stem).dub.\(ext)"
            return url.deletingLastPathComponent().appendingPathComponent(name).path
        case .file(let path): return path
        case .replacingInput: return input
        }
    }
}

/// Where a dub's English cues come from.
public enum DubCueSource: Sendable, Hashable {
    /// The translation (`/audio/translations`) of the chosen track, through the subtitle pipeline.
    case translation
    /// A subtitle file (`.srt` or `.vtt`) on the media's timeline.
    case file(String)
    /// Cues given directly, on the media's timeline.
    case cues([Cue])
}

/// Where the dubbed file goes.
public enum DubDestination: Sendable, Hashable {
    /// `NAME.dub.EXT` next to the input.
    case besideInput
    /// This file; its extension chooses the container (MKV, WebM, MP4, M4V, MOV).
    case file(String)
    /// The input itself, replaced only once the new file is complete and checked.
    case replacingInput
}

/// What an utterance is fitted to before it is sped up.
public enum DubFitTarget: String, Sendable, Hashable, Codable, CaseIterable {
    /// From its cue's start up to the next cue's start (or the end of the media): the pause after the cue is used
    /// before anything is sped up. The default.
    case untilNextCue = "next-cue"
    /// Its own cue's start and end: the dub follows the subtitles' timing closely, at the cost of more speed-up.
    case cue
}

/// Speech, fitting, mixing and track settings of a dub.
public struct DubOptions: Sendable {
    /// The audio track that is translated (for `.translation`) and mixed under the dub (with `duckDecibels`).
    public var track: TrackSelection = .automatic
    /// Settings of the translation, when the cues come from it; its task is always `.translate` and its track is
    /// `track`.
    public var translation: SubtitleOptions = {
        var options = SubtitleOptions()
        options.task = .translate
        return options
    }()
    /// The speech model.
    public var speechModel: String = "gpt-4o-mini-tts"
    /// The voice name (any string; the server decides).
    public var voice: String = "alloy"
    /// Style instructions for the voice (gpt-4o-mini-tts).
    public var instructions: String?
    /// Speech requests in flight at once (1...32).
    public var concurrency: Int = 4
    /// The highest `speed` asked of the speech API for an utterance longer than its slot (1 disables re-requests;
    /// at most 4).
    public var maxSpeed: Double = 1.5
    /// The largest tempo change applied locally (pitch kept) when the API's speed was not enough (1 disables it; at
    /// most 2).
    public var maxTempo: Double = 1.35
    /// What an utterance must fit into.
    public var fitTarget: DubFitTarget = .untilNextCue
    /// Silence kept between an utterance that overran and the one it delayed, in milliseconds.
    public var minimumGap: Milliseconds = 120
    /// Mix the dub over the original track lowered by this many decibels (voice-over style); nil writes the speech
    /// alone over silence.
    public var duckDecibels: Double?
    /// Mark the dub track `default`, so players pick it (other audio tracks lose the flag).
    public var isDefault: Bool = false
    /// Also add the English cues as a subtitle track (`eng`, "English").
    public var embedsSubtitles: Bool = false
    /// The sample rate of the dub track (48 kHz: Opus's own rate, and AAC's usual one).
    public var sampleRate: Int = 48_000
    /// The bit rate of the dub track; nil picks 64 kb/s for Opus and 96 kb/s for AAC.
    public var bitRate: Int?
    /// Read and write the resume cache (speech answers and the translation).
    public var usesCache: Bool = true

    /// Creates options with the defaults.
    public init() {}

    /// The first problem with these options, or nil when they are usable.
    public var problem: SettingProblem? {
        if !(1...32).contains(concurrency) { return SettingProblem("concurrency", "concurrency must be between 1 and 32") }
        if !(1.0...4.0).contains(maxSpeed) { return SettingProblem("maxSpeed", "the highest speech speed must be between 1 and 4") }
        if !(1.0...TimeStretch.tempoRange.upperBound).contains(maxTempo) {
            return SettingProblem("maxTempo", "the largest tempo change must be between 1 and \(TimeStretch.tempoRange.upperBound)")
        }
        if let duckDecibels, !(0...60).contains(duckDecibels) { return SettingProblem("duckDecibels", "ducking must be between 0 and 60 dB") }
        if speechModel.trimmingCharacters(in: .whitespaces).isEmpty { return SettingProblem("speechModel", "the speech model must not be empty") }
        if voice.trimmingCharacters(in: .whitespaces).isEmpty { return SettingProblem("voice", "the voice must not be empty") }
        if let instructions, instructions.unicodeScalars.count > 4096 { return SettingProblem("instructions", "instructions are over 4096 characters") }
        if ![8_000, 12_000, 16_000, 24_000, 48_000].contains(sampleRate) {
            return SettingProblem("sampleRate", "the dub's sample rate must be 8, 12, 16, 24 or 48 kHz")
        }
        if minimumGap < 0 { return SettingProblem("minimumGap", "the gap after an overrunning utterance must not be negative") }
        return nil
    }

    /// The dub track's bit rate for `encoding`.
    func effectiveBitRate(for encoding: AudioEncoding) -> Int? {
        bitRate ?? (encoding == .opus ? 64_000 : 96_000)
    }

    /// The linear gain of the original under the dub (0 when it is not mixed in).
    var originalGain: Float {
        guard let duckDecibels else { return 0 }
        return Float(pow(10, -duckDecibels / 20))
    }
}
