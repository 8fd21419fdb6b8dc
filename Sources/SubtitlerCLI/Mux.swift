import ArgumentParser
import Foundation
import MediaAudio
import Subtitler
import Subtitles
import SubtitlerJobs
import SubtitlerSupport

/// `subtitler mux`: subtitle files into the video (soft subtitles, stream copy).
struct Mux: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add subtitle files to a video as tracks (stream copy: nothing is re-encoded).",
        discussion: """
            MKV gets SubRip tracks (ASS files: ASS tracks, their styles and karaoke kept), MP4/M4V/MOV mov_text, WebM \
            WebVTT; any format subtitler reads goes in (SRT, WebVTT, TTML/IMSC/EBU-TT-D, ASS). Each track's language, title and flags come from \
            the file's name (NAME.en.sdh.srt: English, "English (SDH)", hearing impaired; .forced; .default) unless \
            --language is given. Every existing stream, chapter, attachment and tag is kept; tracks this tool added \
            before in the same language and kind are replaced, not duplicated. Writes NAME.subtitled.EXT next to the \
            video, --output FILE, or replaces the video with --in-place (only once the new file is complete and \
            checked). Burning subtitles into the picture needs a video re-encode: use ffmpeg's subtitles filter. \
            Exit codes: 0 done, 1 failed, 2 usage error.
            """
    )

    @Argument(help: "The video file.")
    var video: String

    @Argument(help: "Subtitle files (.srt, .vtt, .ttml, .imsc.ttml, .ebu-tt-d.ttml, .ass).")
    var subtitles: [String]

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The file to write (its extension chooses the container).", valueName: "file"))
    var output: String?

    @Flag(help: "Replace the video itself, atomically.")
    var inPlace = false

    @Option(help: ArgumentHelp("The language of every subtitle file (default: from each file's name).", valueName: "code"))
    var language: String?

    func validate() throws {
        if output != nil && inPlace { throw ValidationError("use either -o FILE or --in-place") }
        if subtitles.isEmpty { throw ValidationError("name at least one subtitle file") }
        if let language, LanguageCodes.entry(for: language) == nil {
            throw ValidationError("unknown language '\(language)'; use an ISO 639 code such as en or eng")
        }
    }

    func run() async throws {
        if let output, let input = OutputGuard.overwrittenInput(by: output, inputs: [video] + subtitles) {
            let hint = input == video ? "use --in-place to replace the video" : "choose another name with -o"
            Console.error("\(output): the output is the input \(input); \(hint)")
            throw ExitCode(ExitStatus.failure)
        }
        var tracks: [TrackAddition] = []
        let target = inPlace ? video : (output ?? video)
        for path in subtitles {
            let cues: [Cue]
            do {
                cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: path))
            } catch {
                Console.error("\(path): \(error)")
                throw ExitCode(ExitStatus.failure)
            }
            let sidecar = SidecarName(readingAnyName: (path as NSString).lastPathComponent)
            let code = language ?? sidecar?.knownLanguage?.lowercased()
            let naming = SidecarNaming(isSDH: sidecar?.isSDH ?? false, isForced: sidecar?.isForced ?? false,
                                       isDefault: sidecar?.isDefault ?? false)
            if SubtitleFormat(fileName: path) == .ass, SubtitleEmbedding.takesStyledTracks(target) {
                let script = try? String(contentsOfFile: path, encoding: .utf8)
                tracks.append(SubtitleEmbedding.styledTrack(script: script, cues: cues, language: code, naming: naming))
            } else {
                tracks.append(SubtitleEmbedding.track(for: cues, language: code, naming: naming))
            }
        }
        let destination: MuxDestination
        if inPlace {
            destination = .replacingSource
        } else {
            let url = URL(fileURLWithPath: video)
            destination = .file(output ?? url.deletingPathExtension().appendingPathExtension("subtitled")
                .appendingPathExtension(url.pathExtension).path)
        }
        let video = self.video
        let added = tracks
        do {
            let result = try await BlockingWork.run(on: .media, "mux") {
                try MediaMuxer.mux(video, adding: added, to: destination, replacing: .matchingAdditions)
            }
            var line = "\(video): wrote \(result.path) (\(result.addedStreams.count) track\(result.addedStreams.count == 1 ? "" : "s") added"
            if !result.replacedStreams.isEmpty { line += ", \(result.replacedStreams.count) earlier one\(result.replacedStreams.count == 1 ? "" : "s") replaced" }
            line += ")"
            Console.error(line)
            for skipped in result.skippedStreams { Console.error("  not copied: #\(skipped.stream.index) \(skipped.stream.kind.rawValue): \(skipped.reason)") }
        } catch let error as MediaError {
            Console.error(error.description)
            throw ExitCode(ExitStatus.failure)
        }
    }
}
