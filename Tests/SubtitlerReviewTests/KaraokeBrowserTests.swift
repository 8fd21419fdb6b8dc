import Foundation
import Subtitles
import Testing
import TestSupport

/// Karaoke WebVTT in a real browser: headless Chromium plays a `<video>` with our file as its track, styles the
/// words by `::cue(:past)` (red) and `::cue(:future)` (blue), and each word turns from future to past at the time
/// our cue timestamp gives it.
@Suite(.enabled(if: BrowserDriver.isEnabled, "install Debian's chromium (scripts/setup does) to run the page tests"),
       .serialized)
struct KaraokeBrowserTests {
    struct Shot: Decodable {
        var redPixels: Int
        var greenPixels: Int
        var bluePixels: Int
    }

    @Test func chromiumMovesEachWordFromFutureToPastAtItsTimestamp() async throws {
        let directory = BrowserDriver.outputDirectory.appendingPathComponent("karaoke", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let video = directory.appendingPathComponent("black.webm")
        let made = try Tool.run("/usr/bin/ffmpeg", [
            "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:size=640x360:rate=25:duration=5",
            "-c:v", "libvpx", "-b:v", "200k", video.path,
        ])
        try #require(made.status == 0, "ffmpeg: \(made.stderr)")

        // Three words, the first at the cue's start (no timestamp before it), the others at 1.5 s and 2.5 s. A word
        // no pseudo-class matches would stay green.
        var cue = Cue(start: 500, end: 4_000, lines: ["one two three"])
        cue.words = [CueWord(text: "one", start: 500, end: 1_400), CueWord(text: "two", start: 1_500, end: 2_400),
                     CueWord(text: "three", start: 2_500, end: 3_500)]
        let vtt = WebVTTWriter(kind: "subtitles", language: "en").render([cue])
        #expect(vtt.contains("<c>one</c> <00:00:01.500><c>two</c> <00:00:02.500><c>three</c>"))
        let text = String(decoding: try JSONEncoder().encode(vtt), as: UTF8.self)
        let page = directory.appendingPathComponent("karaoke.html")
        try Data("""
            <!doctype html>
            <html><head><meta charset="utf-8"><style>
            body { margin: 0; background: #000; }
            video { width: 640px; height: 360px; }
            video::cue { font: 48px sans-serif; background: transparent; color: #00ff00; }
            video::cue(:past) { color: #ff0000; }
            video::cue(:future) { color: #0000ff; }
            </style></head><body>
            <video id="video" src="black.webm" muted preload="auto"></video>
            <script>
            const video = document.getElementById('video');
            const track = document.createElement('track');
            track.kind = 'subtitles'; track.srclang = 'en'; track.default = true;
            track.src = URL.createObjectURL(new Blob([\(text)], { type: 'text/vtt' }));
            track.addEventListener('load', () => { window.trackLoaded = true; });
            track.addEventListener('error', () => { window.trackFailed = true; });
            video.appendChild(track);
            window.seek = (t) => new Promise((resolve) => {
              video.addEventListener('seeked', () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(video.currentTime))), { once: true });
              video.currentTime = t;
            });
            </script></body></html>
            """.utf8).write(to: page)

        var steps: [BrowserDriver.Step] = [
            .wait("ready", "window.trackLoaded === true && video.readyState >= 2"),
            .eval("cueText", "video.textTracks[0].cues[0].text"),
        ]
        for (name, time) in [("at1", 1.0), ("at2", 2.0), ("at3", 3.0)] {
            steps.append(.eval(name + "Seek", "seek(\(time))"))
            steps.append(.screenshot(name, directory.appendingPathComponent(name + ".png")))
        }
        let report = try await BrowserDriver.run(page: page, steps: steps)
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(try report.value("cueText", as: String.self) == "<c>one</c> <00:00:01.500><c>two</c> <00:00:02.500><c>three</c>")
        let at1: Shot = try report.value("at1"), at2: Shot = try report.value("at2"), at3: Shot = try report.value("at3")
        // 1.0 s: "one" past (a cue's words before its first timestamp are past while it shows), "two three" future.
        #expect(at1.redPixels > 0, "\(at1)")
        #expect(at1.bluePixels > at1.redPixels, "\(at1)")
        #expect(at1.greenPixels == 0, "no word is left unmatched by :past or :future: \(at1)")
        // 2.0 s: "two" past too, "three" still future.
        #expect(at2.redPixels > at1.redPixels, "\(at1) \(at2)")
        #expect(at2.bluePixels > 0, "\(at2)")
        #expect(at2.bluePixels < at1.bluePixels, "\(at1) \(at2)")
        // 3.0 s: every word past.
        #expect(at3.bluePixels == 0, "\(at3)")
        #expect(at3.redPixels > at2.redPixels, "\(at2) \(at3)")
    }
}
