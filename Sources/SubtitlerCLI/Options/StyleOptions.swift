import ArgumentParser
import Subtitles

/// The style profiles a user can name.
enum StyleName: String, ExpressibleByArgument, CaseIterable {
    case netflix, bbc

    var profile: StyleProfile { StyleProfile.named(rawValue) ?? .netflix }
}

/// The style profile and its overrides, shared by `transcribe`, `translate` and `lint`.
struct StyleOptions: ParsableArguments {
    @Option(help: "Style profile.")
    var style: StyleName = .netflix

    @Option(help: ArgumentHelp("Override: maximum characters per line (1...200).", valueName: "n"))
    var maxChars: Int?

    @Option(help: ArgumentHelp("Override: maximum lines per cue (1...10).", valueName: "n"))
    var maxLines: Int?

    @Option(help: ArgumentHelp("Override: maximum reading speed, characters per second (above 0, at most 100).", valueName: "cps"))
    var maxCps: Double?

    func validate() throws {
        if let maxChars, !(1...200).contains(maxChars) { throw ValidationError("--max-chars must be between 1 and 200") }
        if let maxLines, !(1...10).contains(maxLines) { throw ValidationError("--max-lines must be between 1 and 10") }
        if let maxCps, !(maxCps.isFinite && maxCps > 0 && maxCps <= 100) {
            throw ValidationError("--max-cps must be a number above 0 and at most 100")
        }
    }

    /// The named profile with the overrides applied.
    var profile: StyleProfile {
        var profile = style.profile
        if let maxChars { profile.maxCharactersPerLine = maxChars }
        if let maxLines { profile.maxLines = maxLines }
        if let maxCps { profile.maxCharactersPerSecond = maxCps }
        return profile
    }
}
