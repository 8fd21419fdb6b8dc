import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerJobs

/// Names media servers recognise.
struct SidecarNamingTests {
    @Test func defaultNamesStayAsTheyWereForTwoLetterLanguages() {
        let naming = SidecarNaming()
        #expect(naming.fileName(stem: "Film (2020)", language: "en", format: .srt) == "Film (2020).en.srt")
        #expect(naming.fileName(stem: "talk", language: "english", format: .vtt) == "talk.en.vtt")
        #expect(naming.fileName(stem: "talk", language: "deu", format: .srt) == "talk.de.srt")
        #expect(naming.fileName(stem: "talk", language: nil, format: .srt) == "talk.und.srt")
    }

    @Test func languagesWithoutA639_1CodeUse639_2B() {
        let naming = SidecarNaming()
        #expect(naming.languageToken(for: "haw") == "haw")
        #expect(naming.languageToken(for: "hawaiian") == "haw")
        #expect(naming.languageToken(for: "fil") == "fil")
        #expect(naming.languageToken(for: "jw") == "jv")   // Whisper's Javanese code
    }

    /// Codes a server reads as something else are not written: Cantonese (Whisper's `yue`, the README's example)
    /// is no language to Jellyfin, `ga` has another reading, `hi` is the hearing-impaired flag.
    @Test(arguments: [("yue", "zh"), ("cantonese", "zh"), ("ga", "gle"), ("Irish", "gle"), ("hi", "hin"),
                      ("hindi", "hin"), ("br", "br"), ("breton", "br"), ("default", "und"), ("cc", "und"),
                      ("forcedx", "und")])
    func namesUseOnlyCodesEveryServerReadsRight(language: String, token: String) {
        #expect(SidecarNaming().languageToken(for: language) == token)
    }

    @Test func cantoneseIsChineseInEveryStyleAndSkipRulesSeeIt() throws {
        #expect(SidecarNaming(codeStyle: .iso639_2B).languageToken(for: "yue") == "chi")
        #expect(SidecarNaming(codeStyle: .iso639_2T).languageToken(for: "yue") == "zho")
        #expect(SidecarNaming().fileName(stem: "Film", language: "yue", format: .srt) == "Film.zh.srt")
        // The name written for Cantonese counts as Cantonese subtitles (--skip-if-subtitled --language yue).
        let written = try #require(SidecarName(parsing: "Film.zh.srt", stem: "Film"))
        #expect(written.isIn(language: "yue"))
        #expect(try #require(SidecarName(parsing: "Film.gle.srt", stem: "Film")).isIn(language: "ga"))
    }

    @Test func codeStylesApplyEverywhere() {
        #expect(SidecarNaming(codeStyle: .iso639_2B).languageToken(for: "de") == "ger")
        #expect(SidecarNaming(codeStyle: .iso639_2T).languageToken(for: "de") == "deu")
        #expect(SidecarNaming(codeStyle: .iso639_2T).languageToken(for: "en") == "eng")
        #expect(SidecarNaming(codeStyle: .iso639_2B).languageToken(for: "fr") == "fre")
    }

    @Test func flagsFollowTheLanguageInTheOrderServersRead() {
        let naming = SidecarNaming(isSDH: true, isForced: true, isDefault: true, label: "subtitler")
        #expect(naming.fileName(stem: "Film", language: "en", format: .srt) == "Film.subtitler.en.sdh.forced.default.srt")
        #expect(SidecarNaming(isSDH: true).fileName(stem: "Film", language: "en", format: .srt) == "Film.en.sdh.srt")
        // Never `.hi`: Jellyfin reads it as Hindi.
        #expect(!SidecarNaming(isSDH: true).fileName(stem: "Film", language: "en", format: .srt).contains(".hi."))
    }

    @Test func labelsThatServersWouldMisreadAreRefused() {
        // The README's example (`--label ai`): two letters that are no ISO 639-1 code.
        for good in ["subtitler", "ai-draft_2", "ai", "whisper", "v2"] {
            #expect(SidecarNaming.problem(withLabel: good) == nil, "\(good)")
        }
        for bad in ["hi", "en", "eng", "forced", "sdh", "cc", "default", "a.b", "", "two words", "gle", "xyz",
                    "English", "pt-br", "zh-tw", "Ga", "ze", "fr_CA", "café"] {
            #expect(SidecarNaming.problem(withLabel: bad) != nil, "\(bad)")
        }
        // Jellyfin marks a track default or forced when a token merely contains the word.
        for flagged in ["autodefault", "DEFAULTS", "unforced", "foreignparts"] {
            let problem = SidecarNaming.problem(withLabel: flagged)
            #expect(problem?.contains("Jellyfin reads as a flag") == true, "\(flagged): \(problem ?? "accepted")")
        }
    }

    /// Every name written reads back, by a model of Jellyfin's parser (Emby.Naming's ExternalPathParser: tokens from
    /// the end; `default`, `forced`, `foreign` anywhere in a token; the first language from the end; `sdh`, `cc`,
    /// `hi` as whole tokens; the rest is the title), with the label as the title, the language and the flags asked.
    @Test func everyNameWrittenReadsRightInJellyfinsParser() throws {
        let whisperLanguages = ["en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
                                "it", "id", "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
                                "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
                                "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
                                "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
                                "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
                                "mg", "as", "tt", "ln", "ha", "ba", "jw", "su", "yue", "ga"]
        for language in whisperLanguages {
            for (sdh, forced, isDefault) in [(false, false, false), (true, true, true), (true, false, false)] {
                let naming = SidecarNaming(isSDH: sdh, isForced: forced, isDefault: isDefault, label: "whisper")
                let name = naming.fileName(stem: "Film", language: language, format: .srt)
                let read = JellyfinNameModel.read(name, stem: "Film")
                #expect(read.title == "whisper", "\(name)")
                #expect(read.isForced == forced && read.isDefault == isDefault && read.isHearingImpaired == sdh, "\(name)")
                let token = naming.languageToken(for: language)
                #expect(read.language == token, "\(name): Jellyfin reads the language as \(read.language ?? "none")")
            }
        }
    }
}

/// What Jellyfin makes of a sidecar name, reduced to the rules that matter here: tokens are read from the last one
/// back; one containing `default` (or `forced`, `foreign`) is that flag; the first from the end that is a language
/// to it (an ISO 639 language with a 639-1 code, by either code) is the language; `sdh`, `cc`, `hi` as whole tokens
/// mark hearing-impaired; every other token joins the title.
enum JellyfinNameModel {
    struct Reading {
        var language: String?
        var title: String?
        var isDefault = false
        var isForced = false
        var isHearingImpaired = false
    }

    static func isLanguage(_ token: String) -> Bool {
        guard let entry = SidecarName.languageEntry(for: token), entry.iso639_1 != nil else { return false }
        return entry.codes.contains(token.lowercased())
    }

    static func read(_ fileName: String, stem: String) -> Reading {
        var reading = Reading()
        let middle = fileName.dropFirst(stem.count + 1).split(separator: ".").dropLast().map(String.init)
        var title: [String] = []
        for token in middle.reversed() {
            let lower = token.lowercased()
            if lower.contains("default") { reading.isDefault = true; continue }
            if lower.contains("forced") || lower.contains("foreign") { reading.isForced = true; continue }
            if reading.language == nil && isLanguage(lower) { reading.language = token; continue }
            if ["sdh", "cc", "hi"].contains(lower) { reading.isHearingImpaired = true; continue }
            title.insert(token, at: 0)
        }
        reading.title = title.isEmpty ? nil : title.joined(separator: ".")
        return reading
    }
}
