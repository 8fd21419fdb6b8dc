import Foundation
import Subtitles
import Subtitler

/// Where a job's outputs go, and which inputs of a batch would write the same files.
extension JobRunner {
    /// For each file whose outputs would have the same names as an earlier file's, that earlier file.
    package static func collisions(among files: [String], template: SubtitleJob) -> [String: String] {
        guard template.destination != .standardOutput else { return [:] }
        var owners: [String: String] = [:]
        var clashes: [String: String] = [:]
        for file in files {
            var job = template
            job.input = file
            let key: String
            if case .file(let path) = job.destination {
                key = URL(fileURLWithPath: path).standardizedFileURL.path
            } else {
                key = outputDirectory(for: job).standardizedFileURL.appendingPathComponent(stem(of: file)).path
            }
            if let owner = owners[key] { clashes[file] = owner } else { owners[key] = file }
        }
        return clashes
    }

    /// The video's file name without its extension.
    static func stem(of input: String) -> String {
        URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
    }

    /// The folder outputs go to (for ``OutputDestination/file(_:)``, that file's folder).
    static func outputDirectory(for job: SubtitleJob) -> URL {
        switch job.destination {
        case .directory(let directory): URL(fileURLWithPath: directory)
        case .file(let file): URL(fileURLWithPath: file).deletingLastPathComponent()
        case .besideInput, .standardOutput: URL(fileURLWithPath: job.input).deletingLastPathComponent()
        }
    }

    /// Where a job's outputs go for `language`, one per format.
    public static func outputURLs(for job: SubtitleJob, language: String?) -> [URL] {
        switch job.destination {
        case .standardOutput:
            return []
        case .file(let file):
            let url = URL(fileURLWithPath: file)
            guard job.formats.count > 1 else { return [url] }
            let base = url.deletingPathExtension()
            return job.formats.map { base.appendingPathExtension($0.fileExtension) }
        case .besideInput, .directory:
            let directory = outputDirectory(for: job)
            let stem = stem(of: job.input)
            return job.formats.map {
                directory.appendingPathComponent(job.naming.fileName(stem: stem, language: language, format: $0))
            }
        }
    }
}
