import ArgumentParser
import Foundation
import Subtitles
import SubtitlerJobs

/// `subtitler convert`: subtitle files into other formats.
struct Convert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert SRT or WebVTT files to SRT, WebVTT, IMSC 1.1, EBU-TT-D, TTML or ASS.",
        discussion: """
            `convert film.en.srt -o film.en.ass` takes the format from the output's name; `--format imsc,ass` writes \
            each input beside itself (film.en.imsc.ttml, film.en.ass). What the target cannot keep is a warning. \
            Files are written whole or not at all. Exit codes: 0 done, 1 some input failed, 2 usage error, \
            130 interrupted.
            """
    )

    @Argument(help: "Subtitle files (.srt, .vtt).")
    var inputs: [String]

    @Option(name: .short, help: ArgumentHelp("The output file (one input); its name picks the format.", valueName: "file"))
    var outputFile: String?

    @Option(help: ArgumentHelp("Formats to write beside each input, comma-separated (srt, vtt, imsc, ebu-tt-d, ttml, ass).", valueName: "formats"))
    var format: OutputFormat?

    @Option(help: ArgumentHelp("The text's language (BCP 47) for xml:lang and the WebVTT header; default: from the file name.", valueName: "code"))
    var language: String?

    @OptionGroup var style: StyleOptions

    @Flag(help: "Replace existing output files.")
    var force = false

    func validate() throws {
        if (outputFile == nil) == (format == nil) { throw ValidationError("give -o FILE or --format F, not both or neither") }
        if let outputFile {
            if inputs.count != 1 { throw ValidationError("-o takes a single input; use --format for several") }
            if SubtitleFormat(fileName: outputFile) == nil {
                throw ValidationError("-o \(outputFile): name it .srt, .vtt, .imsc.ttml, .ebu-tt-d.ttml, .ttml or .ass")
            }
        }
    }

    func run() async throws {
        var failed = false
        for input in inputs {
            let targets: [(String, SubtitleFormat)]
            if let outputFile, let target = SubtitleFormat(fileName: outputFile) {
                targets = [(outputFile, target)]
            } else {
                targets = (format?.formats ?? []).map { (SubtitleConversion.outputPath(for: input, format: $0), $0) }
            }
            for (output, target) in targets {
                try Task.checkCancellation()
                do {
                    let result = try await SubtitleConversion.convert(
                        input, to: output, format: target, language: language, style: style.profile, overwrite: force)
                    ConvertPhrasing.report(result)
                } catch let failure as SubtitleConversion.Failure {
                    Console.error(failure.description)
                    failed = true
                }
            }
        }
        if failed { throw ExitCode(ExitStatus.failure) }
    }
}

/// How `convert` says what it did.
enum ConvertPhrasing {
    static func report(_ result: SubtitleConversion.Result) {
        Console.error("\(result.output): \(result.cueCount) cues from \(result.input)")
        for warning in result.warnings { Console.error("\(result.input): \(warning)") }
        for loss in result.losses { Console.error("warning: \(result.output): \(describe(loss, format: result.format))") }
    }

    static func describe(_ loss: SubtitleConversion.Loss, format: SubtitleFormat) -> String {
        switch loss {
        case .speakerNames(let cues): "speaker names of \(cues) cues are not kept by \(format.rawValue) (dialogue dashes are)"
        case .centisecondTimes: "times rounded to centiseconds (ASS)"
        case .cuesPastRange(let count): "\(count) cues past the last time \(format.rawValue) expresses are left out"
        case .linesOverLimit(let cues, let limit): "\(cues) cues hold more than \(limit) lines (--style)"
        }
    }
}
