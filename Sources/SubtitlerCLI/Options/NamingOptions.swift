import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// Subtitle formats and file naming, shared by every command that writes sidecars.
struct NamingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Subtitle formats, comma-separated: srt, vtt, imsc (NAME.en.imsc.ttml), ebu-tt-d (NAME.en.ebu-tt-d.ttml), ttml, ass; both = srt,vtt.", valueName: "formats"))
    var format: OutputFormat = .srt

    @Option(help: ArgumentHelp("Language code in file names: 639-1 (en; 639-2/B where a language has no 2-letter code media servers read right: haw, gle, hin), 639-2b (eng, ger) or 639-2t (eng, deu).", valueName: "style"))
    var languageCodes: SidecarNaming.CodeStyle = .iso639_1

    @Flag(help: "Mark the subtitles as SDH (for the deaf and hard of hearing): NAME.en.sdh.srt.")
    var sdh = false

    @Flag(help: "Mark the subtitles as forced (foreign-language parts only): NAME.en.forced.srt.")
    var forced = false

    @Flag(name: .customLong("default"), help: "Mark the subtitles as the default track: NAME.en.default.srt.")
    var isDefault = false

    @Option(help: ArgumentHelp("An extra name token before the language (NAME.LABEL.en.srt). Media servers show it as the track title; some stop matching the file.", valueName: "token"))
    var label: String?

    func validate() throws {
        if let label, let problem = SidecarNaming.problem(withLabel: label) { throw ValidationError("--label: \(problem)") }
    }

    var naming: SidecarNaming {
        SidecarNaming(codeStyle: languageCodes, isSDH: sdh, isForced: forced, isDefault: isDefault, label: label)
    }
}
