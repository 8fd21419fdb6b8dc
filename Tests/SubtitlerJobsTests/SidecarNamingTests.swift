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
        #expect(naming.languageToken(for: "yue") == "yue")
        #expect(naming.languageToken(for: "fil") == "fil")
        #expect(naming.languageToken(for: "jw") == "jv")   // Whisper's Javanese code
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
        #expect(SidecarNaming.problem(withLabel: "subtitler") == nil)
        #expect(SidecarNaming.problem(withLabel: "ai-draft_2") == nil)
        for bad in ["hi", "en", "eng", "forced", "sdh", "default", "a.b", "", "two words"] {
            #expect(SidecarNaming.problem(withLabel: bad) != nil, "\(bad)")
        }
    }
}
