import NIOConcurrencyHelpers
import Subtitler
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService

/// A job's progress is written by one task, in the order it was made: what the store sees never goes backwards.
struct ProgressRecorderTests {
    static func done(_ index: Int) -> JobEvent {
        .progress(input: "a.mkv", .chunkDone(index: index, cached: false, audioDone: Int64(index + 1) * 1_000))
    }

    /// Chunk tasks report at once while the writer is held: the writes that follow are in order, and the last is
    /// the whole job.
    @Test func progressWrittenForAJobNeverGoesBackwards() async {
        let recorder = ProgressRecorder()
        let written = NIOLockedValueBox<[JobProgress]>([])
        let writer = Gate()
        let chunks = 200
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await recorder.drain { snapshot in
                    await writer.wait()
                    written.withLockedValue { $0.append(snapshot) }
                }
            }
            recorder.handle(.progress(input: "a.mkv", .started(path: "a.mkv", audioDuration: 200_000, estimatedChunks: 1)))
            recorder.handle(.progress(input: "a.mkv", .planned(chunks: chunks)))
            // Eight concurrent reporters, like a job's chunk tasks.
            await withTaskGroup(of: Void.self) { reporters in
                for lane in 0..<8 {
                    reporters.addTask {
                        for index in stride(from: lane, to: chunks, by: 8) { recorder.handle(Self.done(index)) }
                    }
                }
            }
            recorder.finish()
            writer.open()
        }
        let snapshots = written.withLockedValue { $0 }
        #expect(!snapshots.isEmpty)
        for (earlier, later) in zip(snapshots, snapshots.dropFirst()) {
            #expect(later.chunksDone >= earlier.chunksDone, "\(snapshots.map(\.chunksDone))")
            #expect(later.audioDoneMs >= earlier.audioDoneMs, "\(snapshots.map(\.audioDoneMs))")
        }
        #expect(snapshots.last?.chunksDone == chunks)
        #expect(snapshots.last?.chunks == chunks)
        #expect(snapshots.last?.audioMs == 200_000)
    }

    /// Without a held writer every snapshot may be written; they still come in the order they were made.
    @Test func everySnapshotIsWrittenInOrderWhenTheWriterKeepsUp() async {
        let recorder = ProgressRecorder()
        let written = NIOLockedValueBox<[Int]>([])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await recorder.drain { snapshot in written.withLockedValue { $0.append(snapshot.chunksDone) } }
            }
            for index in 0..<50 { recorder.handle(Self.done(index)) }
            recorder.finish()
        }
        let counts = written.withLockedValue { $0 }
        #expect(counts == counts.sorted())
        #expect(counts.last == 50)
    }
}
