import Foundation
import Subtitles

extension ReviewDocument {
    /// A second subtitle file drawn in a lane of its own under the main cues, and named beside each cue it overlaps:
    /// a translation beside its source, or a file as it was before `subtitler sync` moved it.
    public struct Beside: Sendable, Codable, Hashable {
        /// What the file is to the main cues.
        public var role: Role
        /// The name the page shows (`film.es.srt`).
        public var label: String
        /// Its language (ISO 639-1), if known.
        public var language: String?
        /// Its cues, in time order, numbered from 1.
        public var cues: [BesideCue]

        /// What a file beside the main cues is to them.
        public enum Role: String, Sendable, Codable, Hashable, CaseIterable {
            /// The main cues translated (same times, other language).
            case translation
            /// The main cues before a sync moved them.
            case before
            /// Any other subtitle file of the same media.
            case other
        }

        /// Creates the lane from a file's cues.
        /// - Parameters:
        ///   - role: what the file is to the main cues.
        ///   - label: the name the page shows.
        ///   - language: the file's language, if known.
        ///   - cues: its cues (any order; the lane sorts them by start).
        public init(role: Role, label: String, language: String?, cues: [Subtitles.Cue]) {
            self.role = role
            self.label = label
            self.language = language
            self.cues = cues.sorted { ($0.start, $0.end) < ($1.start, $1.end) }.enumerated().map { index, cue in
                BesideCue(number: index + 1, start: cue.start, end: cue.end, lines: cue.lines)
            }
        }
    }

    /// One cue of the lane beside the main cues.
    public struct BesideCue: Sendable, Codable, Hashable {
        /// Its number in the lane, from 1.
        public var number: Int
        /// Start, milliseconds on the media timeline.
        public var start: Milliseconds
        /// End, milliseconds on the media timeline.
        public var end: Milliseconds
        /// Its lines, as plain text.
        public var lines: [String]

        /// Creates a cue.
        public init(number: Int, start: Milliseconds, end: Milliseconds, lines: [String]) {
            self.number = number
            self.start = start
            self.end = end
            self.lines = lines
        }
    }

    /// This document with `beside` drawn under its cues.
    public func drawing(_ beside: Beside) -> ReviewDocument {
        var document = self
        document.beside = beside
        return document
    }
}
