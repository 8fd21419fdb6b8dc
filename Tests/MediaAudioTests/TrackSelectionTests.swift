import TestSupport
import MediaAudio
import Testing

@Suite struct TrackSelectionTests {
    /// Decodes one second of the selected track and returns (stream index, dominant frequency).
    func decode(_ track: TrackSelection) throws -> (Int, Double) {
        let reader = try AudioReader(path: try Fixture.multiTrackMKV.get(), track: track)
        let block = try #require(try reader.nextBlock())
        return (reader.stream.index, Signal.frequency(block.samples[2000...], sampleRate: 16_000))
    }

    @Test(arguments: [(1, 300.0), (2, 600.0), (3, 1200.0)])
    func byIndex(_ index: Int, _ frequency: Double) throws {
        let (chosen, measured) = try decode(.index(index))
        #expect(chosen == index)
        #expect(abs(measured - frequency) < 15)
    }

    @Test(arguments: ["de", "ger", "deu", "German", "DE", "de-DE"])
    func germanByAnyCode(_ code: String) throws {
        let (chosen, measured) = try decode(.language(code))
        #expect(chosen == 2)
        #expect(abs(measured - 600) < 15)
    }

    @Test(arguments: ["fr", "fre", "fra"])
    func frenchByAnyCode(_ code: String) throws {
        #expect(try decode(.language(code)).0 == 3)
    }

    @Test(arguments: ["en", "eng"])
    func englishByAnyCode(_ code: String) throws {
        let (chosen, measured) = try decode(.language(code))
        #expect(chosen == 1)
        #expect(abs(measured - 300) < 15)  // the 5.1 track, downmixed
    }

    @Test func automaticPrefersDefaultDisposition() throws {
        #expect(try decode(.automatic).0 == 2)
    }

    @Test func automaticFallsBackToFirstAudio() throws {
        let info = MediaInfo(
            path: "x.mkv", formatName: "matroska",
            streams: [
                StreamInfo(index: 0, kind: .video), StreamInfo(index: 1, kind: .audio, language: "eng"),
                StreamInfo(index: 2, kind: .audio, language: "ger"),
            ])
        #expect(try TrackSelection.automatic.resolve(in: info).index == 1)
    }

    @Test func unknownLanguageListsTracks() throws {
        let path = try Fixture.multiTrackMKV.get()
        let error = #expect(throws: MediaError.self) { try AudioReader(path: path, track: .language("jpn")) }
        #expect(error?.code == .trackNotFound)
        #expect(error?.availableTracks.map(\.index) == [1, 2, 3])
        #expect(error?.path == path)
        let text = error?.description ?? ""
        #expect(text.hasPrefix(path + ": select audio track failed"))
        #expect(text.contains("jpn") && text.contains("ger") && text.contains("Deutsch"))
    }

    @Test func indexOfVideoStreamIsRejected() throws {
        let error = #expect(throws: MediaError.self) {
            try AudioReader(path: try Fixture.multiTrackMKV.get(), track: .index(0))
        }
        #expect(error?.code == .trackNotFound)
        #expect(error?.ffmpegMessage?.contains("video") == true)
        let missing = #expect(throws: MediaError.self) {
            try AudioReader(path: try Fixture.multiTrackMKV.get(), track: .index(9))
        }
        #expect(missing?.code == .trackNotFound)
    }
}

@Suite struct LanguageCodeTests {
    @Test func allBibliographicTerminologyPairs() {
        let pairs = [
            ("sq", "alb", "sqi"), ("hy", "arm", "hye"), ("eu", "baq", "eus"), ("my", "bur", "mya"),
            ("zh", "chi", "zho"), ("cs", "cze", "ces"), ("nl", "dut", "nld"), ("fr", "fre", "fra"),
            ("ka", "geo", "kat"), ("de", "ger", "deu"), ("el", "gre", "ell"), ("is", "ice", "isl"),
            ("mk", "mac", "mkd"), ("mi", "mao", "mri"), ("ms", "may", "msa"), ("fa", "per", "fas"),
            ("ro", "rum", "ron"), ("sk", "slo", "slk"), ("bo", "tib", "bod"), ("cy", "wel", "cym"),
        ]
        for (one, b, t) in pairs {
            let entry = LanguageCodes.entry(for: b)
            #expect(entry?.iso639_1 == one, "\(b)")
            #expect(entry?.iso639_2T == t, "\(b)")
            #expect(LanguageCodes.matches(one, t) && LanguageCodes.matches(b, t) && LanguageCodes.matches(one, b))
        }
        #expect(LanguageCodes.table.filter { $0.iso639_2B != $0.iso639_2T }.count == 20)
    }

    @Test func tableCoversMostSpokenLanguages() {
        #expect(LanguageCodes.table.count >= 60)
        for code in ["en", "zh", "hi", "es", "ar", "bn", "pt", "ru", "ja", "pa", "jv", "ko", "vi", "te", "tr", "ta",
                     "ur", "id", "sw", "mr", "it", "th", "pl", "uk"] {
            #expect(LanguageCodes.entry(for: code) != nil, "\(code)")
        }
        let codes = LanguageCodes.table.flatMap(\.codes)
        #expect(Set(codes).count == codes.count, "codes must be unique")
    }

    @Test func matching() {
        #expect(LanguageCodes.matches("en-US", "eng"))
        #expect(LanguageCodes.matches("pt_BR", "por"))
        #expect(LanguageCodes.matches("spanish", "spa"))
        #expect(!LanguageCodes.matches("de", "fre"))
        #expect(LanguageCodes.matches("xyz", "XYZ"))  // unknown codes compare as text
        #expect(!LanguageCodes.matches("", ""))
    }
}
