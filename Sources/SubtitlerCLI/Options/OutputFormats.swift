import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// Which subtitle files to write: one format or a comma-separated list (`imsc,srt`); `both` is `srt,vtt`.
struct OutputFormat: ExpressibleByArgument, Equatable {
    /// The formats in the order given, without repeats.
    var formats: [SubtitleFormat]

    static let srt = OutputFormat(formats: [.srt])

    init(formats: [SubtitleFormat]) { self.formats = formats }

    init?(argument: String) {
        var formats: [SubtitleFormat] = []
        for name in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let token = name.trimmingCharacters(in: .whitespaces)
            let named: [SubtitleFormat]
            if token.lowercased() == "both" {
                named = [.srt, .vtt]
            } else if let format = SubtitleFormat(name: token) {
                named = [format]
            } else {
                return nil
            }
            for format in named where !formats.contains(format) { formats.append(format) }
        }
        guard !formats.isEmpty else { return nil }
        self.formats = formats
    }

    static var allValueStrings: [String] { SubtitleFormat.allCases.map(\.rawValue) + ["both"] }

    var defaultValueDescription: String { formats.map(\.rawValue).joined(separator: ",") }
}

/// The encodings chunks can be uploaded in.
enum UploadFormat: String, ExpressibleByArgument, CaseIterable {
    case flac, wav, mp3, opus

    var encoding: AudioEncoding {
        switch self {
        case .flac: .flac
        case .wav: .wav
        case .mp3: .mp3
        case .opus: .opus
        }
    }
}

extension SidecarNaming.CodeStyle: ExpressibleByArgument {}
