import Foundation
import Subtitler

extension ReviewDocument {
    /// Loudness and speech probability over time at a coarse, fixed step, for the timeline's canvas: the job report's
    /// map (``SubtitleReport/ActivityMap``), which ``init(result:media:tracks:activity:)`` picks up.
    public typealias ActivityMap = SubtitleReport.ActivityMap
}
