import Testing
@testable import Subtitler

/// One sidecar name, read and written the same way by naming, skip rules and the review page.
struct SidecarNameTests {
    @Test(arguments: [
        SidecarName(stem: "Film (2020)", language: "en", fileExtension: "srt"),
        SidecarName(stem: "Film (2020)", label: "whisper", language: "de", isSDH: true, fileExtension: "vtt"),
        SidecarName(stem: "Show.S01E02", language: "yue", isForced: true, isDefault: true, fileExtension: "srt"),
        SidecarName(stem: "Film", language: "en", fileExtension: "imsc.ttml"),
        SidecarName(stem: "Film", label: "whisper", language: "fr", isSDH: true, fileExtension: "ebu-tt-d.ttml"),
        SidecarName(stem: "Film", language: "es", fileExtension: "ttml"),
    ])
    func writtenNamesReadBackAsTheyWereWritten(name: SidecarName) {
        #expect(SidecarName(parsing: name.fileName, stem: name.stem) == name)
    }

    @Test func otherToolsSpellingsAreRead() throws {
        let cc = try #require(SidecarName(parsing: "Film.English.CC.SRT", stem: "Film"))
        #expect(cc.isSDH)
        #expect(cc.isIn(language: "en"))
        #expect(cc.fileExtension == "srt")
        let foreign = try #require(SidecarName(parsing: "Film.eng.foreign.ass", stem: "Film"))
        #expect(foreign.isForced)
        #expect(foreign.isIn(language: "en"))
        let labelled = try #require(SidecarName(parsing: "Film.subtitler.de.default.srt", stem: "Film"))
        #expect(labelled.label == "subtitler")
        #expect(labelled.language == "de")
        #expect(labelled.isDefault)
    }

    @Test func aPlainSidecarHasNoLanguage() throws {
        let plain = try #require(SidecarName(parsing: "Film.srt", stem: "Film"))
        #expect(plain.language == nil)
        #expect(!plain.isIn(language: "en"))
        #expect(plain.fileName == "Film.srt")
    }

    @Test func namesOfOtherFilesAreNotSidecars() {
        #expect(SidecarName(parsing: "Film.en.srt", stem: "Film 2") == nil)        // another video
        #expect(SidecarName(parsing: "Film.en.nfo", stem: "Film") == nil)          // not subtitles
        #expect(SidecarName(parsing: "Film.en.ass", stem: "Film", extensions: ["srt", "vtt"]) == nil)
    }
}
