import ArgumentParser
import Foundation
import MediaAudio
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// Which subtitle files to write.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case srt, vtt, both

    var formats: [SubtitleFormat] {
        switch self {
        case .srt: [.srt]
        case .vtt: [.vtt]
        case .both: [.srt, .vtt]
        }
    }
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
