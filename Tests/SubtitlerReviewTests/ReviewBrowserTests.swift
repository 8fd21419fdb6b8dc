import Foundation
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerReview

/// The review page in a real browser (headless Chromium from Debian's `chromium`, driven over the DevTools
/// protocol by Tests/Oracles/drive.py). Runs when Chromium is installed; with SUBTITLER_REQUIRE_BACKEND=1
/// it must run, and fails when Chromium is missing.
@Suite(.enabled(if: BrowserDriver.isEnabled, "install Debian's chromium (scripts/setup does) to run the page tests"),
       .serialized)
struct ReviewBrowserTests {
    static let ready = "document.documentElement.dataset.ready === 'true'"
    static let videoReady = ready + " && document.getElementById('video').readyState >= 1"

    /// Writes a page into `.build/review/` (kept for people to open) and returns its URL.
    func writePage(_ document: ReviewDocument, named name: String) throws -> URL {
        let directory = BrowserDriver.outputDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try ReviewPage.write(document, to: url)
        return url
    }

    struct Mark: Decodable, Equatable {
        var cue: Int?
        var problem: Int?
        var kind: String?
        var rule: String?
        var status: String?
        var text: String
        var title: String
    }

    static let marks = """
        ({
          cues: [...document.querySelectorAll('[data-cue]')].map((n) => ({cue: +n.dataset.cue,
            status: n.dataset.status, text: n.textContent, title: n.title})),
          problems: [...document.querySelectorAll('[data-problem]')].map((n) => ({problem: +n.dataset.problem,
            kind: n.dataset.kind, rule: n.dataset.rule, text: n.textContent, title: n.title})),
        })
        """

    struct Marks: Decodable {
        var cues: [Mark]
        var problems: [Mark]
    }

    @Test func hostileTextIsShownAsTextAndNeverRuns() async throws {
        let document = ReviewFixtures.hostileDocument()
        let page = try writePage(document, named: "hostile.html")
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", Self.ready),
            .eval("marks", Self.marks),
            .eval("page", """
                ({pwned: document.documentElement.dataset.pwned || null, images: document.images.length,
                  scripts: document.scripts.length, title: document.title,
                  heading: document.getElementById('title').textContent,
                  summary: [...document.querySelectorAll('#summary th')].map((th) => [th.textContent,
                            th.nextElementSibling.textContent]),
                  warnings: [...document.querySelectorAll('#warnings li')].map((li) => li.textContent)})
                """),
            .click("clickDropped", #"[data-kind="dropped"]"#),
            .eval("details", "document.getElementById('details').textContent"),
            .eval("pwnedLater", "document.documentElement.dataset.pwned || null"),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "\(report.problems)")

        struct Page: Decodable {
            var pwned: String?
            var images: Int
            var scripts: Int
            var title: String
            var heading: String
            var summary: [[String]]
            var warnings: [String]
        }
        let shown: Page = try report.value("page")
        #expect(shown.pwned == nil)
        #expect(shown.images == 0 && shown.scripts == 2)
        #expect(shown.title == "Review: " + document.media.fileName)
        #expect(shown.heading == document.media.fileName)
        #expect(shown.summary.contains(["Model", "<script>alert(1)</script>"]))
        #expect(shown.warnings == document.summary.warnings)

        let marks: Marks = try report.value("marks")
        #expect(marks.cues.map(\.cue) == document.cues.map(\.number))
        #expect(marks.cues.map(\.text) == document.cues.map { $0.lines.joined(separator: "\n") })
        #expect(marks.cues.map(\.status) == document.cues.map(\.status.rawValue))
        let dropped = try #require(marks.problems.first { $0.kind == "dropped" })
        #expect(dropped.text == document.dropped[0].text)
        #expect(dropped.title.contains(document.dropped[0].text) && dropped.title.contains("phantom-phrase"))
        #expect(marks.problems.filter { $0.kind == "gap" }.count == 1)
        let omission = try #require(marks.problems.first { $0.kind == "omission" })
        #expect(omission.rule == "left-out-sound" && omission.title.contains("no speech was detected"))
        #expect(shown.summary.contains(["Omissions", "1"]))
        #expect(shown.summary.contains(["Doubtful speech (sent)", "0:03"]))
        let details: String = try report.value("details")
        #expect(details.contains(document.dropped[0].text))
        #expect(try report.value("pwnedLater", as: String?.self) == nil)
    }

    /// The page knows the document version it reads (from `<html data-document-version>`) and says so when the
    /// embedded document is of another.
    @Test func aDocumentOfAnotherVersionIsNamedInTheNotice() async throws {
        var document = ReviewFixtures.hostileDocument()
        document.media.source = ""   // no video, so no notice about playing it
        let notice = "document.getElementById('notice').textContent"
        let current = try await BrowserDriver.run(page: try writePage(document, named: "version-current.html"), steps: [
            .wait("ready", Self.ready), .eval("notice", notice),
        ])
        #expect(current.ok, "\(current.error ?? "")")
        #expect(try current.value("notice", as: String.self) == "")
        document.version = ReviewDocument.currentVersion + 1
        let other = try await BrowserDriver.run(page: try writePage(document, named: "version-other.html"), steps: [
            .wait("ready", Self.ready), .eval("notice", notice),
        ])
        #expect(other.ok, "\(other.error ?? "")")
        #expect(try other.value("notice", as: String.self) == "The document is of version \(ReviewDocument.currentVersion + 1); "
            + "this page reads version \(ReviewDocument.currentVersion).")
    }

    @Test func theLayoutFits1280x720AndReadsInLightAndDark() async throws {
        // The hostile document has every kind of mark (cues meeting and breaking the style, a violation, a
        // dropped segment, a gap, a cut) and plays the English sample.
        let document = ReviewFixtures.hostileDocument()
        let page = try writePage(document, named: "layout.html")
        let contrast = """
            (() => {
              const channels = (color) => color.match(/[\\d.]+/g).slice(0, 3).map(Number);
              const luminance = ([r, g, b]) => {
                const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
              };
              const background = (node) => {
                for (; node; node = node.parentElement) {
                  const color = getComputedStyle(node).backgroundColor;
                  if (color && !/^rgba\\(.*,\\s*0\\)$/.test(color) && color !== 'transparent') return color;
                }
                return 'rgb(255, 255, 255)';
              };
              const ratio = (selector) => {
                const node = document.querySelector(selector);
                const a = luminance(channels(getComputedStyle(node).color)), b = luminance(channels(background(node)));
                return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
              };
              return {
                ratios: {body: ratio('body'), summaryLabel: ratio('#summary th'), cue: ratio('[data-status="ok"]'),
                         badCue: ratio('[data-status="violation"]'), range: ratio('#range'), footer: ratio('footer'),
                         details: ratio('#details .meta'), problem: ratio('#problem-list .when')},
                background: luminance(channels(getComputedStyle(document.body).backgroundColor)),
              };
            })()
            """
        let light = BrowserDriver.outputDirectory.appendingPathComponent("layout-light.png")
        let dark = BrowserDriver.outputDirectory.appendingPathComponent("layout-dark.png")
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", Self.videoReady),
            .eval("layout", """
                (() => {
                  const box = (id) => document.getElementById(id).getBoundingClientRect();
                  return {scrollWidth: document.documentElement.scrollWidth,
                          scrollHeight: document.documentElement.scrollHeight,
                          timelineBottom: box('timeline').bottom, footerBottom: document.querySelector('footer')
                            .getBoundingClientRect().bottom, videoWidth: box('video').width,
                          videoHeight: box('video').height, sideWidth: box('side').width,
                          cueMarks: document.querySelectorAll('[data-cue]').length};
                })()
                """),
            .eval("light", contrast),
            .screenshot("lightShot", light),
            .colorScheme("dark"),
            .eval("dark", contrast),
            .screenshot("darkShot", dark),
            .eval("before", "review.pixelsPerSecond"),
            .key("+"),
            .eval("zoomedIn", "review.pixelsPerSecond"),
            .key("0"),
            .eval("fitted", "review.pixelsPerSecond"),
            .key("ArrowRight"),
            .eval("afterArrow", "document.getElementById('video').currentTime"),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "\(report.problems)")

        struct Layout: Decodable {
            var scrollWidth: Double
            var scrollHeight: Double
            var timelineBottom: Double
            var footerBottom: Double
            var videoWidth: Double
            var videoHeight: Double
            var sideWidth: Double
            var cueMarks: Int
        }
        let layout: Layout = try report.value("layout")
        #expect(layout.scrollWidth <= 1280 && layout.scrollHeight <= 720, "the page scrolls at 1280×720: \(layout)")
        #expect(layout.footerBottom <= 720 && layout.timelineBottom <= 720)
        #expect(layout.videoWidth >= 520 && layout.videoHeight >= 280, "the video is too small: \(layout)")
        #expect(layout.sideWidth >= 330)
        #expect(layout.cueMarks == document.cues.count)

        struct Colours: Decodable {
            var ratios: [String: Double]
            var background: Double
        }
        let lightColours: Colours = try report.value("light")
        let darkColours: Colours = try report.value("dark")
        #expect(lightColours.background > 0.8 && darkColours.background < 0.05)
        for (scheme, colours) in [("light", lightColours), ("dark", darkColours)] {
            for (element, ratio) in colours.ratios.sorted(by: { $0.key < $1.key }) {
                #expect(ratio >= 4.5, "\(scheme): \(element) has a contrast of \(ratio), under WCAG AA's 4.5")
            }
        }
        let lightShot: ScreenshotStatistics = try report.value("lightShot")
        let darkShot: ScreenshotStatistics = try report.value("darkShot")
        #expect(lightShot.decoded && darkShot.decoded)
        #expect((lightShot.meanLuminance ?? 0) - (darkShot.meanLuminance ?? 255) > 100)

        let before: Double = try report.value("before")
        #expect(try report.value("zoomedIn", as: Double.self) == before * 2)
        #expect(try report.value("fitted", as: Double.self) == before)
        #expect(abs(try report.value("afterArrow", as: Double.self) - 5) < 0.01)
    }

    struct Snapshot: Decodable {
        struct Range: Decodable { var from: Double; var to: Double; var marksFrom: Double; var marksTo: Double }
        var range: Range
        var cues: [Int]
        var problems: Int
        var cueCount: String
        var problemCount: String
        var condensed: String
        var pixelsPerSecond: Double
    }

    @Test func aThreeHourTimelineMakesMarksOnlyForWhatIsInView() async throws {
        let document = ReviewFixtures.longFilm(videoPath: ReviewFixtures.sample.path)
        let page = try writePage(document, named: "long-film-virtualised.html")
        let snapshot = """
            ({range: review.visibleRange(),
              cues: [...document.querySelectorAll('[data-cue]')].map((n) => +n.dataset.cue).sort((a, b) => a - b),
              problems: document.querySelectorAll('[data-problem]').length,
              cueCount: document.getElementById('timeline').dataset.cueCount,
              problemCount: document.getElementById('timeline').dataset.problemCount,
              condensed: document.getElementById('timeline').dataset.condensed, pixelsPerSecond: review.pixelsPerSecond})
            """
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", Self.ready),
            .eval("start", snapshot),
            .eval("middle", "review.scrollToTime(5400000), " + snapshot),
            .eval("zoomed", "review.zoomTo(200), review.scrollToTime(7200000), " + snapshot),
            .eval("fit", "review.fit(), " + snapshot),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "\(report.problems)")

        let problemCount = document.violations.count + document.dropped.count
        func expectedCues(_ range: Snapshot.Range) -> [Int] {
            document.cues.filter { Double($0.end) >= range.marksFrom && Double($0.start) <= range.marksTo }.map(\.number)
        }
        func expectedProblems(_ range: Snapshot.Range) -> Int {
            document.violations.filter { Double($0.end) >= range.marksFrom && Double($0.start) <= range.marksTo }.count
                + document.dropped.filter { Double($0.end) >= range.marksFrom && Double($0.start) <= range.marksTo }.count
        }
        for name in ["start", "middle", "zoomed"] {
            let view: Snapshot = try report.value(name)
            #expect(view.cueCount == "2500" && view.problemCount == String(problemCount))
            #expect(view.cues == expectedCues(view.range), "\(name): the marks are not the cues in view")
            #expect(view.problems == expectedProblems(view.range), "\(name)")
            #expect(!view.cues.isEmpty && view.cues.count < 400, "\(name): \(view.cues.count) cue marks")
        }
        let middle: Snapshot = try report.value("middle")
        #expect(middle.range.from >= 5_399_000 && middle.range.from <= 5_401_000)
        let zoomed: Snapshot = try report.value("zoomed")
        #expect(zoomed.pixelsPerSecond == 200)
        // With the whole film in view its 2,500 cues are under a pixel wide: painted, not marks. Its few hundred
        // problems still have one mark each.
        let fit: Snapshot = try report.value("fit")
        #expect(fit.cues.isEmpty && fit.condensed == "true")
        #expect(fit.problems == problemCount)
    }

    /// With 10,000 cues the view of the whole film would need thousands of sub-pixel cue marks: the cues are
    /// painted on the canvas instead (one strip per cue, coloured by status), marks come back on zooming in,
    /// and a click on the painted lane still picks the cue under the pointer.
    @Test func tenThousandCuesArePaintedWhenTheyDoNotFitAsMarks() async throws {
        let document = ReviewFixtures.longFilm(duration: 36_000_000, cueCount: 10_000, droppedCount: 400,
                                               videoPath: ReviewFixtures.sample.path)
        let page = try writePage(document, named: "long-film-10h-condensed.html")
        let snapshot = """
            ({range: review.visibleRange(),
              cues: [...document.querySelectorAll('[data-cue]')].map((n) => +n.dataset.cue).sort((a, b) => a - b),
              problems: document.querySelectorAll('[data-problem]').length,
              cueCount: document.getElementById('timeline').dataset.cueCount,
              problemCount: document.getElementById('timeline').dataset.problemCount,
              condensed: document.getElementById('timeline').dataset.condensed, pixelsPerSecond: review.pixelsPerSecond})
            """
        // The share of the cue lane's middle row painted in the cue colours.
        let painted = """
            (() => {
              const canvas = document.getElementById('activity');
              const ratio = canvas.width / canvas.clientWidth;
              const copy = document.createElement('canvas');
              copy.width = canvas.width;
              copy.height = canvas.height;
              const context = copy.getContext('2d', {willReadFrequently: true});
              context.drawImage(canvas, 0, 0);
              const row = context.getImageData(0, Math.round(97 * ratio), canvas.width, 1).data;
              const probe = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
              const rgb = (name) => { probe.fillStyle = getComputedStyle(document.documentElement)
                .getPropertyValue(name).trim(); probe.fillRect(0, 0, 1, 1);
                return [...probe.getImageData(0, 0, 1, 1).data].slice(0, 3).join(); };
              const colours = new Set([rgb('--cue-ok-edge'), rgb('--cue-bad-edge')]);
              let hits = 0;
              for (let x = 0; x < row.length; x += 4) if (colours.has([row[x], row[x + 1], row[x + 2]].join())) hits++;
              return hits / (row.length / 4);
            })()
            """
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", Self.ready),
            .eval("start", snapshot),
            .eval("paintedAtStart", painted),
            .eval("fit", "review.fit(), " + snapshot),
            .eval("paintedAtFit", painted),
            // The time under x = 600 px in the timeline (its border is 1 px), then a click there on the cue lane.
            .eval("clickedTime", "review.visibleRange().from + (600 - 1) / review.pixelsPerSecond * 1000"),
            .click("clickPainted", "#timeline", at: [600, 1 + 97]),
            .eval("details", "document.getElementById('details').textContent"),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "\(report.problems)")
        let start: Snapshot = try report.value("start")
        #expect(start.condensed == "false" && start.cueCount == "10000")
        #expect(start.cues == document.cues.filter {
            Double($0.end) >= start.range.marksFrom && Double($0.start) <= start.range.marksTo
        }.map(\.number))
        #expect(try report.value("paintedAtStart", as: Double.self) < 0.01, "marks, not paint, while they fit")
        let fit: Snapshot = try report.value("fit")
        #expect(fit.condensed == "true" && fit.cues.isEmpty)
        #expect(fit.problems == 0, "1,568 sub-pixel problems are painted too")
        let share: Double = try report.value("paintedAtFit")
        #expect(share > 0.3, "only \(share) of the cue lane is painted")
        // The click picked a cue within three pixels of the pointer.
        let time: Double = try report.value("clickedTime")
        let slack = 3 / fit.pixelsPerSecond * 1000
        let details: String = try report.value("details")
        let picked = try #require(details.firstMatch(of: /^Cue (\d+)/), "no cue picked: \(details)")
        let cue = try #require(document.cues.first { $0.number == Int(picked.1) })
        #expect(Double(cue.start) - slack <= time && time <= Double(cue.end) + slack,
                "picked cue \(cue.number) (\(cue.start)–\(cue.end) ms) for a click at \(time) ms")
    }
}
