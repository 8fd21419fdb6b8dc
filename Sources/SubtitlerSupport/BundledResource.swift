import Foundation

/// Finds a file or folder in a target's SwiftPM resource bundle without `Bundle.module`, whose generated accessor
/// stops the process when the bundle is missing (for example a binary copied alone). One locator for every module
/// that ships resources.
package enum BundledResource {
    /// The URL of `path` (for example `Resources/silero-vad-v6.bin`) inside the resource bundle of `module`
    /// (`subtitler_<module>.resources` on Linux, `…​.bundle` on Apple platforms), looked for next to the program and
    /// in every loaded bundle; nil when no such bundle holds it.
    package static func url(module: String, path: String) -> URL? {
        var places: [URL] = [Bundle.main.bundleURL]
        if let url = Bundle.main.resourceURL { places.append(url) }
        if let url = Bundle.main.executableURL?.deletingLastPathComponent() { places.append(url) }
        places += Bundle.allBundles.map(\.bundleURL) + Bundle.allBundles.compactMap(\.resourceURL)
        let fileManager = FileManager.default
        for place in places {
            guard let entries = try? fileManager.contentsOfDirectory(atPath: place.path) else { continue }
            for entry in entries.sorted()
            where entry.hasSuffix("_\(module).resources") || entry.hasSuffix("_\(module).bundle") {
                let bundle = place.appendingPathComponent(entry)
                for folder in ["", "Contents/Resources/"] {
                    let candidate = bundle.appendingPathComponent(folder + path)
                    if fileManager.fileExists(atPath: candidate.path) { return candidate }
                }
            }
        }
        return nil
    }
}
