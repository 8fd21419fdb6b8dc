import Foundation
import TestSupport
import Testing

import MediaAudio
@testable import SpeechDetection

/// What the detector does on known audio, without the Python reference: silence, music and noise are not speech,
/// speech after music starts a region where the words start, and streaming changes nothing.
struct SileroVADBehaviourTests {
    static let frame = Int64(SileroVAD.frameLength)

    @Test("digital silence: low probabilities, no region")
    func silence() throws {
        let model = try SileroVADModel.bundled()
        let result = VoiceActivityDetector.detect(samples: [Int16](repeating: 0, count: 16_000 * 10), model: model)
        #expect(result.probabilities.count == 10 * 16_000 / 512 + 1)
        #expect(result.probabilities.allSatisfy { $0 < 0.1 })
        #expect(result.regions.isEmpty)
    }

    @Test("music, then speech: no region in the music, the region starts within two frames of the first word")
    func musicThenSpeech() throws {
        let mix = try SpeechAudio.decode(try SpeechAudio.musicAndSpeech.get())
        let talk = try SpeechAudio.decode(Samples.url("talk-en.mp4").path)
        // The words' onset from the clean sample, by energy (it opens with digital silence): the first 20 ms window
        // above -60 dBFS. In the fixture the sample starts after the music.
        var meter = EnergyMeter(sampleRate: 16_000)
        meter.append(talk.prefix(16_000 * 3))
        let window = try #require(meter.energies.firstIndex { $0 > -60 })
        let onset = Int64(SpeechAudio.musicSeconds * 16_000 + window * meter.frameLength)

        let model = try SileroVADModel.bundled()
        let result = VoiceActivityDetector.detect(samples: mix, model: model, options: .silero)
        let music = 0..<Int64(SpeechAudio.musicSeconds * 16_000)
        let musicFrames = result.probabilities[0..<Int(music.upperBound / Self.frame)]
        #expect(musicFrames.allSatisfy { $0 < 0.2 }, "music frames reach \(musicFrames.max() ?? 0)")
        let first = try #require(result.regions.first)
        #expect(first.speechStart >= onset - Self.frame, "region at \(first.speechStart), words at \(onset)")
        #expect(first.speechStart <= onset + 2 * Self.frame, "region at \(first.speechStart), words at \(onset)")
        // faster-whisper's defaults: the same onset, padded by 400 ms.
        let padded = VoiceActivityDetector.detect(samples: mix, model: model)
        #expect(padded.regions.first?.speechStart == first.speechStart)
        #expect(padded.regions.first?.start == first.speechStart - 400 * 16)
    }

    @Test("noise and silence between two talks: no region there")
    func noiseBetweenTalks() throws {
        let mix = try SpeechAudio.decode(try SpeechAudio.musicAndSpeech.get())
        let model = try SileroVADModel.bundled()
        let result = VoiceActivityDetector.detect(samples: mix, model: model, options: .silero)
        let talkEnd = Int64((SpeechAudio.musicSeconds + SpeechAudio.firstSpeechSeconds) * 16_000)
        let nextTalk = talkEnd + Int64((SpeechAudio.noiseSeconds + SpeechAudio.silenceSeconds) * 16_000)
        // The first talk is cut mid-word at `talkEnd`: allow the model half a second to let go of it.
        let quiet = (talkEnd + 8_000)..<nextTalk
        for region in result.regions {
            #expect(
                !quiet.overlaps(region.speechStart..<region.speechEnd),
                "region \(region.speechStart)..<\(region.speechEnd) lies in the noise/silence \(quiet)")
        }
        let quietFrames = result.probabilities[Int(quiet.lowerBound / Self.frame)..<Int(quiet.upperBound / Self.frame)]
        #expect(quietFrames.allSatisfy { $0 < 0.35 }, "noise frames reach \(quietFrames.max() ?? 0)")
        #expect(result.regions.contains { $0.speechStart >= nextTalk }, "the second talk is found")
    }

    @Test("any block sizes, Int16 or Float: the same probabilities and regions as one block")
    func blockSizes() throws {
        let talk = try SpeechAudio.decode(Samples.url("talk-en.mp4").path)
        let model = try SileroVADModel.bundled()
        let whole = VoiceActivityDetector.detect(samples: talk, model: model, options: .silero)
        #expect(whole.regions.count > 3)

        let detector = VoiceActivityDetector(model: model, options: .silero)
        let sizes = [1, 7, 511, 512, 513, 4000, 16_000, 3, 1023]
        var probabilities: [Float] = []
        var regions: [SpeechRegion] = []
        var index = 0
        var turn = 0
        while index < talk.count {
            let end = min(talk.count, index + sizes[turn % sizes.count])
            let block = talk[index..<end]
            // Alternate the two input types.
            let update = turn % 2 == 0 ? detector.append(block) : detector.append(block.map { Float($0) / 32768 })
            #expect(update.firstFrame == Int64(probabilities.count))
            probabilities += update.probabilities
            regions += update.regions
            index = end
            turn += 1
        }
        let last = detector.finish()
        probabilities += last.probabilities
        regions += last.regions
        #expect(probabilities == whole.probabilities)
        #expect(regions == whole.regions)
    }

    @Test("frame count: length / 512 + 1 for every length; finish starts a new stream")
    func frameCounts() throws {
        let talk = try SpeechAudio.decode(Samples.url("talk-en.mp4").path)
        let model = try SileroVADModel.bundled()
        let vad = SileroVAD(model: model)
        for length in [0, 1, 511, 512, 513, 16 * 512, 16 * 512 + 1, 40_000] {
            var count = vad.append(talk[0..<length]).count
            count += vad.finish().count
            #expect(count == length / 512 + 1, "\(length) samples")
            #expect(vad.sampleCount == 0 && vad.frameCount == 0)
        }
        // After finish the LSTM state is fresh: a second run equals a new stream's.
        let again = vad.append(talk[0..<20_000]) + vad.finish()
        let fresh = SileroVAD(model: model)
        #expect(again == fresh.append(talk[0..<20_000]) + fresh.finish())
    }

    @Test("memory does not grow with the stream; regions arrive while it runs")
    func constantMemory() throws {
        let talk = try SpeechAudio.decode(Samples.url("talk-en.mp4").path)
        let model = try SileroVADModel.bundled()
        let detector = VoiceActivityDetector(model: model)
        let gap = [Int16](repeating: 0, count: 16_000 * 4)
        var early: [SpeechRegion] = []
        var footprints: Set<Int> = []
        let repeats = 6  // about 4.5 minutes
        for _ in 0..<repeats {
            for block in [talk, gap] {
                var index = 0
                while index < block.count {
                    let end = min(block.count, index + 16_000)
                    let update = detector.append(block[index..<end])
                    for region in update.regions {
                        #expect(region.end <= detector.sampleCount, "a region is final only after its audio")
                    }
                    early += update.regions
                    footprints.insert(detector.footprint)
                    index = end
                }
            }
        }
        let last = detector.finish()
        #expect(footprints.count == 1, "buffer sizes changed: \(footprints.sorted())")
        #expect(footprints.first ?? .max < 1_000_000)
        // One region per talk (the 4 s gaps exceed the 2 s minimum silence plus twice the 400 ms padding), each
        // delivered during the gap after it, none left for the end.
        #expect(early.count == repeats)
        #expect(last.regions.isEmpty)
    }

    @Test("detectors on several threads at once give the same results as one alone")
    func concurrentDetectors() async throws {
        let talk = try SpeechAudio.decode(Samples.url("talk-en.mp4").path)
        let model = try SileroVADModel.bundled()
        let alone = VoiceActivityDetector.detect(samples: talk, model: model)
        let results = await withTaskGroup(of: VoiceActivity.self) { group in
            for index in 0..<4 {
                group.addTask {
                    // Different block sizes, so the threads call into the matrix code at different moments.
                    let detector = VoiceActivityDetector(model: model)
                    var result = VoiceActivity(
                        startSample: 0, sampleCount: Int64(talk.count), probabilities: [], regions: [])
                    var start = 0
                    while start < talk.count {
                        let end = min(talk.count, start + 3_000 + 1_000 * index)
                        let update = detector.append(talk[start..<end])
                        result.probabilities += update.probabilities
                        result.regions += update.regions
                        start = end
                    }
                    let last = detector.finish()
                    result.probabilities += last.probabilities
                    result.regions += last.regions
                    return result
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        for result in results { #expect(result == alone) }
    }

    @Test("a region is delivered exactly when faster-whisper's loop can settle it")
    func deliveryLatency() {
        // Speech in frames 10...29 (samples 5120..<15360), then silence.
        func deliveries(_ options: VoiceActivityOptions) -> [(frame: Int, region: SpeechRegion)] {
            var tracker = SpeechRegionTracker(options: options)
            var result: [(Int, SpeechRegion)] = []
            for frame in 0..<200 {
                for region in tracker.append(frame >= 10 && frame < 30 ? Float(0.9) : Float(0.05)) {
                    result.append((frame, region))
                }
            }
            return result
        }
        // Silero's defaults: 100 ms of silence closes the region at frame 34; its 30 ms padding is settled then.
        let silero = deliveries(.silero)
        #expect(silero.map(\.frame) == [34])
        #expect(
            silero.first?.region
                == SpeechRegion(start: 5120 - 480, end: 15360 + 480, speechStart: 5120, speechEnd: 15360))
        // faster-whisper's defaults: 2 s of silence closes it at frame 93; 400 ms padding (start clipped at 0).
        let fasterWhisper = deliveries(.fasterWhisper)
        #expect(fasterWhisper.map(\.frame) == [93])
        #expect(
            fasterWhisper.first?.region
                == SpeechRegion(start: 0, end: 15360 + 6400, speechStart: 5120, speechEnd: 15360))
        // Closed at frame 34 but with 400 ms padding: a later region could still start within 800 ms of its end
        // and share the gap, so it waits until frame 54, when that is no longer possible.
        let waiting = deliveries(VoiceActivityOptions(minimumSilenceMilliseconds: 100, speechPadMilliseconds: 400))
        #expect(waiting.map(\.frame) == [54])
    }

    @Test("a reader at another rate is refused with the file and the cause")
    func wrongRate() throws {
        let path = Samples.url("talk-en.mp4").path
        let reader = try AudioReader(path: path, sampleRate: 8000)
        let model = try SileroVADModel.bundled()
        #expect {
            _ = try VoiceActivityDetector.detect(in: reader, model: model)
        } throws: { error in
            guard let error = error as? MediaError else { return false }
            return error.code == .invalidArgument && error.description.hasPrefix(path)
                && error.description.contains("16000 Hz")
        }
    }

    @Test("the reader convenience equals the in-memory one, on the reader's timeline")
    func readerConvenience() throws {
        let path = Samples.url("clip-de.mkv").path
        let model = try SileroVADModel.bundled()
        let samples = try SpeechAudio.decode(path)
        let fromSamples = VoiceActivityDetector.detect(samples: samples, model: model, options: .silero)
        let fromReader = try VoiceActivityDetector.detect(
            in: try AudioReader(path: path), model: model, options: .silero)
        #expect(fromReader == fromSamples)
        #expect(!fromReader.regions.isEmpty)

        // A reader that has delivered a block already: detection starts there, regions land on its timeline.
        let reader = try AudioReader(path: path, blockSize: 16_000)
        _ = try reader.nextBlock()
        let rest = try VoiceActivityDetector.detect(in: reader, model: model, options: .silero)
        let expected = VoiceActivityDetector.detect(samples: samples[16_000...], model: model, options: .silero)
        #expect(rest.startSample == 16_000)
        #expect(rest.probabilities == expected.probabilities)
        #expect(rest.regions.map(\.start) == expected.regions.map { $0.start + 16_000 })
    }

    @Test("invalid options are refused")
    func invalidOptions() throws {
        #expect(VoiceActivityOptions().problem == nil)
        #expect(VoiceActivityOptions.silero.problem == nil)
        #expect(VoiceActivityOptions(threshold: 1.5).problem != nil)
        #expect(VoiceActivityOptions(threshold: 0.5, negativeThreshold: 0.7).problem != nil)
        #expect(VoiceActivityOptions(minimumSilenceMilliseconds: -1).problem != nil)
        #expect(VoiceActivityOptions(maximumSpeechMilliseconds: 0).problem != nil)
        #expect(VoiceActivityOptions().effectiveNegativeThreshold == max(0.5 - 0.15, 0.01))
        #expect(VoiceActivityOptions(threshold: 0.1).effectiveNegativeThreshold == 0.01)
        let path = Samples.url("clip-de.mkv").path
        let model = try SileroVADModel.bundled()
        #expect(throws: MediaError.self) {
            _ = try VoiceActivityDetector.detect(
                in: try AudioReader(path: path), model: model, options: VoiceActivityOptions(speechPadMilliseconds: -5))
        }
    }
}

/// Loading the weight resource.
struct SileroVADModelTests {
    @Test("the bundled weights load, and come from the ONNX file faster-whisper ships")
    func bundled() throws {
        let model = try SileroVADModel.bundled()
        #expect(model.sourceSHA256.count == 64)
        #expect(model.sourceSHA256.allSatisfy { $0.isHexDigit })
    }

    @Test("a damaged or missing weight file fails with the path and the cause")
    func damaged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let missing = directory.url.appendingPathComponent("none.bin")
        #expect {
            _ = try SileroVADModel(contentsOf: missing)
        } throws: { error in
            (error as? SpeechModelError)?.code == .unreadable
                && "\(error)".hasPrefix(missing.path)
        }
        let original = try #require(try bundledBytes())
        let cases: [(String, Data)] = [
            ("text.bin", Data("not weights".utf8)),
            ("truncated.bin", original.prefix(original.count / 2)),
            ("header-only.bin", original.prefix(300)),
        ]
        for (name, bytes) in cases {
            let url = directory.url.appendingPathComponent(name)
            try bytes.write(to: url)
            #expect {
                _ = try SileroVADModel(contentsOf: url)
            } throws: { error in
                (error as? SpeechModelError)?.code == .malformed && "\(error)".hasPrefix(url.path)
            }
        }
        // The intact copy loads.
        let copy = directory.url.appendingPathComponent("copy.bin")
        try original.write(to: copy)
        #expect(try SileroVADModel(contentsOf: copy).sourceSHA256 == SileroVADModel.bundled().sourceSHA256)
    }

    private func bundledBytes() throws -> Data? {
        let url = VADReference.repository.appendingPathComponent("Sources/SpeechDetection/Resources/silero-vad-v6.bin")
        return try Data(contentsOf: url)
    }
}
