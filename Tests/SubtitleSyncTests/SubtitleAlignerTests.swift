import Foundation
import Subtitles
import SubtitleSync
import Testing

/// The aligner on synthetic programmes with exact ground truth: each distortion alone and combined, judged by the
/// cue starts after sync (the benchmark's measure: within 100 ms of where they belong).
@Suite("Subtitle aligner")
struct SubtitleAlignerTests {
    static let programme = SyntheticProgramme.make(seed: 23, minutes: 12)
    static let aligner = SubtitleAligner()

    func align(_ cues: DistortedCues, on programme: SyntheticProgramme = programme) -> SyncAnalysis {
        Self.aligner.align(cues.spans, to: programme.target)
    }

    @Test("a constant offset is found and undone", arguments: [300, -300, 2350, -4700, 61_000, -95_000, 300_000, -300_000] as [Milliseconds])
    func constantOffset(offset: Milliseconds) {
        let cues = DistortedCues(Self.programme).offset(by: offset)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .offset)
        #expect(abs(analysis.mapping.segments[0].offset + offset) <= 30)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.98)
        #expect(analysis.after.cueTimeOnSpeech > analysis.before.cueTimeOnSpeech)
        #expect(analysis.after.cueTimeOnSpeech > 0.85)
    }

    @Test("a frame-rate drift is found with its ratio", arguments: [(25, 23.976), (23.976, 25), (24, 25), (25, 24)] as [(Double, Double)])
    func frameRateDrift(from: Double, to: Double) {
        // Subtitles timed for `from` fps, played at `to`: times in the file are `to / from` of the media's.
        let cues = DistortedCues(Self.programme).scaled(by: to / from).offset(by: 1200)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .ratio)
        #expect(abs(analysis.mapping.ratio - from / to) < 0.0005)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.98)
    }

    @Test("a drift no pair of frame rates explains is fitted")
    func fittedRatio() {
        let cues = DistortedCues(Self.programme).scaled(by: 1.012).offset(by: -800)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .ratio)
        #expect(abs(analysis.mapping.ratio - 1 / 1.012) < 0.0005)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.98)
    }

    @Test("one jump part-way is split there", arguments: [5000, -14_000, 90_000] as [Milliseconds])
    func oneJump(jump: Milliseconds) {
        let cues = DistortedCues(Self.programme).jumped(at: 310_000, by: jump)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .piecewise)
        #expect(analysis.mapping.splitCount == 1)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("three jumps, with an offset")
    func threeJumps() {
        let cues = DistortedCues(Self.programme).jumped(at: 150_000, by: 30_000).jumped(at: 400_000, by: -12_000)
            .jumped(at: 560_000, by: 65_000).offset(by: 3000)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .piecewise)
        #expect(analysis.mapping.splitCount == 3)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("an extra scene of 14 or 30 s in the subtitles' cut is jumped over", arguments: [14_000, 30_000] as [Milliseconds])
    func extraScene(length: Milliseconds) {
        let cues = DistortedCues(Self.programme).withExtraScene(at: 250_000, length: length, seed: 11)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .piecewise)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("three jumps of 8, -25 and 60 s, as the benchmark's, are accepted")
    func threeJumpsWithoutOffset() {
        let cues = DistortedCues(Self.programme).jumped(at: 140_000, by: 8000).withoutScene(300_000..<325_000)
            .jumped(at: 480_000, by: 60_000)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.mapping.splitCount == 3)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("an extra 90 s scene early in the subtitles' cut: the cues before it stay, those after it move back")
    func longExtraSceneEarly() {
        let cues = DistortedCues(Self.programme).withExtraScene(at: 180_000, length: 90_000, seed: 17)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .piecewise)
        #expect(analysis.mapping.splitCount == 1)
        #expect(abs(analysis.mapping.segments[0].offset) <= 30)
        #expect(abs((analysis.mapping.segments.last?.offset ?? 0) + 90_000) <= 30)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.98)
    }

    @Test("three jumps as the benchmark's (an extra 8 s scene, a scene removed, an extra 60 s scene), with an offset")
    func benchmarkThreeJumpsWithOffset() {
        let cues = DistortedCues(Self.programme).withExtraScene(at: 480_000, length: 60_000, seed: 3)
            .withoutScene(300_000..<325_000).withExtraScene(at: 140_000, length: 8000, seed: 4).offset(by: 30_000)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .piecewise)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("a short file of this programme with an offset larger than its cues' extent is synced",
          arguments: [0, 40, 90] as [Int])
    func shortFileWithLargeOffset(from first: Int) {
        let cues = DistortedCues(Self.programme).dropping(first).first(14).offset(by: 45_000)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .offset)
        #expect(abs(analysis.mapping.segments[0].offset + 45_000) <= 30)
        #expect(cues.shareWithin(100, after: analysis.mapping) == 1)
    }

    @Test("a short file of this programme already in sync is left as it is")
    func shortFileInSync() {
        let analysis = align(DistortedCues(Self.programme).dropping(40).first(14))
        #expect(analysis.verdict == .alreadyInSync)
        #expect(analysis.mapping.isIdentity)
    }

    @Test("subtitles of another programme with jumps of their own are refused", arguments: [101, 202] as [UInt64])
    func anotherProgrammeWithJumps(seed: UInt64) {
        let other = SyntheticProgramme.make(seed: seed, minutes: 12)
        let cues = DistortedCues(other).jumped(at: 200_000, by: 20_000).jumped(at: 450_000, by: -40_000)
        let analysis = align(cues)
        guard case .refused(let refusal) = analysis.verdict else {
            Issue.record("accepted with \(analysis.model), \(analysis.mapping.splitCount) splits, after \(analysis.after)")
            return
        }
        #expect(refusal.kind == .notThisAudio)
    }

    @Test("a short file of another programme is refused", arguments: [101, 202, 303] as [UInt64])
    func shortFileOfAnotherProgramme(seed: UInt64) {
        let other = SyntheticProgramme.make(seed: seed, minutes: 12)
        let analysis = align(DistortedCues(other).first(14).offset(by: 45_000))
        guard case .refused(let refusal) = analysis.verdict else {
            Issue.record("accepted with \(analysis.model), \(analysis.mapping.splitCount) splits, after \(analysis.after)")
            return
        }
        #expect(refusal.kind == .notThisAudio)
    }

    @Test("a scene the media lacks: its cues have no place, the rest do")
    func removedScene() {
        let cues = DistortedCues(Self.programme).withExtraScene(at: 280_000, length: 14_000, seed: 5)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("a scene the subtitles lack, after a frame-rate drift")
    func missingSceneWithDrift() {
        let cues = DistortedCues(Self.programme).withoutScene(200_000..<245_000).scaled(by: 23.976 / 25)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(abs(analysis.mapping.ratio - 25 / 23.976) < 0.0005)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("signs, credits and missing cues do not throw the offset off")
    func extraAndMissingCues() {
        let cues = DistortedCues(Self.programme).missing(every: 5).withExtraCues(signs: 12, credits: 15, seed: 9)
            .offset(by: -2500)
        let analysis = align(cues)
        #expect(analysis.verdict == .synced)
        #expect(analysis.model == .offset)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.98)
    }

    @Test("subtitles of another programme are refused", arguments: [101, 202, 303] as [UInt64])
    func anotherProgramme(seed: UInt64) {
        let other = SyntheticProgramme.make(seed: seed, minutes: 12)
        let analysis = align(DistortedCues(other).offset(by: 1700))
        guard case .refused(let refusal) = analysis.verdict else {
            Issue.record("accepted with \(analysis.model), lift \(analysis.lift), distinctness \(analysis.distinctness)")
            return
        }
        #expect(refusal.kind == .notThisAudio)
    }

    @Test("subtitles in sync are left as they are")
    func inSync() {
        let analysis = align(DistortedCues(Self.programme))
        #expect(analysis.verdict == .alreadyInSync)
        #expect(analysis.mapping.isIdentity)
        #expect(analysis.after == analysis.before)
    }

    @Test("an offset within the tolerance counts as in sync")
    func nearlyInSync() {
        let analysis = align(DistortedCues(Self.programme).offset(by: 60))
        #expect(analysis.verdict == .alreadyInSync)
    }

    @Test("a two-hour film with an offset and a jump")
    func longFilm() {
        let film = SyntheticProgramme.make(seed: 7, minutes: 120)
        let cues = DistortedCues(film).jumped(at: 3_000_000, by: 21_000).offset(by: -7300)
        let analysis = align(cues, on: film)
        #expect(analysis.verdict == .synced)
        #expect(analysis.mapping.splitCount == 1)
        #expect(cues.shareWithin(100, after: analysis.mapping) >= 0.95)
    }

    @Test("no cues, no speech")
    func nothingToAlign() {
        let none = Self.aligner.align([], to: Self.programme.target)
        #expect(none.verdict == .refused(SyncRefusal(.noCues, "the subtitles hold no cue with a duration")))
        let silent = Self.aligner.align(Self.programme.cues, to: SyncTarget(spans: [], duration: 60_000))
        guard case .refused(let refusal) = silent.verdict else {
            Issue.record("silence accepted")
            return
        }
        #expect(refusal.kind == .noSpeech)
    }
}
