import Foundation
import Testing
import Subtitles

/// The offline language check that keeps German text out of an English track.
struct TextLanguageTests {
    @Test(arguments: [
        "Good day and welcome.",
        "Today we are talking about the weather in Berlin.",
        "In the morning it is cold and foggy, but in the afternoon the sun is shining.",
        "Thank you and see you tomorrow.",
        "We met in Zürich and then drove to München with our friends.",
        "It's not what I expected, but it works.",
    ])
    func englishIsEnglish(_ text: String) {
        #expect(TextLanguage.englishVerdict(for: text) == .english)
    }

    @Test(arguments: [
        ("Guten Tag und herzlich willkommen.", "de"),
        ("Heute sprechen wir über das Wetter in Berlin.", "de"),
        ("Am Morgen ist es kalt und neblig, aber am Nachmittag scheint die Sonne.", "de"),
        ("Vielen Dank und bis morgen.", "de"),
        ("Nous avons parlé de la météo et il fait très beau.", "fr"),
        ("El tiempo en Madrid es muy bueno y hace calor.", "es"),
        ("Oggi parliamo del tempo e della città.", "it"),
        ("Hoje vamos falar sobre o tempo em Lisboa.", "pt"),
        ("Het is vandaag mooi weer en we gaan naar het strand.", "nl"),
        ("Сегодня мы говорим о погоде.", "ru"),
        ("今日は天気について話します。", "ja"),
        ("今天我们谈论天气。", "zh"),
    ])
    func otherLanguagesAreNotEnglish(_ text: String, _ language: String) {
        #expect(TextLanguage.englishVerdict(for: text) == .other(language), "\(text)")
    }

    @Test(arguments: ["Berlin.", "OK.", "2024", "Mmm.", "...", "", "Hamburg, München, Köln"])
    func namesNumbersAndOneWordLinesAreUndecided(_ text: String) {
        #expect(TextLanguage.englishVerdict(for: text) == .undecided, "\(text)")
    }

    @Test func accentedLatinWithoutFunctionWordsIsNotEnglish() {
        #expect(TextLanguage.englishVerdict(for: "Schöne Grüße aus Düsseldorf") != .english)
        #expect(TextLanguage.englishVerdict(for: "Danke schön.") == .other("de"))
    }
}
