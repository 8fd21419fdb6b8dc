import Foundation

/// A WebVTT cue as a browser holds it after parsing (W3C WebVTT, "WebVTT cue"): identifier, times, settings and
/// the raw cue text with its markup and character references still in place.
public struct WebVTTCue: Sendable, Hashable {
    /// The cue identifier (empty when there is none).
    public var identifier: String
    /// The start time.
    public var start: Milliseconds
    /// The end time (may be at or before the start: browsers keep such cues but never show them).
    public var end: Milliseconds
    /// The cue settings from the timing line.
    public var settings: WebVTTCueSettings
    /// The cue text as written: lines joined by LF, markup and references not interpreted.
    public var text: String
    /// The line number of the timing line.
    public var line: Int

    /// Creates a cue.
    public init(identifier: String = "", start: Milliseconds, end: Milliseconds,
                settings: WebVTTCueSettings = WebVTTCueSettings(), text: String, line: Int = 0) {
        self.identifier = identifier
        self.start = start
        self.end = end
        self.settings = settings
        self.text = text
        self.line = line
    }
}

/// The settings of a WebVTT cue, with the spec's defaults.
public struct WebVTTCueSettings: Sendable, Hashable {
    /// The writing direction (`vertical:rl|lr`).
    public var vertical: Vertical = .horizontal
    /// The line position (`line:`): automatic, or a number (a line number, or a percentage when
    /// `snapToLines` is false).
    public var line: Double?
    /// Whether `line` counts lines (true) or is a percentage (false).
    public var snapToLines = true
    /// The line alignment (`line:…,start|center|end`).
    public var lineAlign: LineAlign = .start
    /// The position in percent (`position:`), nil for automatic.
    public var position: Double?
    /// The position alignment (`position:…,line-left|center|line-right`).
    public var positionAlign: PositionAlign = .auto
    /// The size in percent (`size:`).
    public var size: Double = 100
    /// The text alignment (`align:`).
    public var align: Align = .center
    /// The region the cue belongs to (`region:`), if any.
    public var region: WebVTTRegion?

    /// Creates the default settings.
    public init() {}

    /// Writing directions.
    public enum Vertical: String, Sendable, Hashable {
        /// Horizontal text (the default; the DOM shows it as the empty string).
        case horizontal = ""
        /// Vertical, growing left.
        case rl
        /// Vertical, growing right.
        case lr
    }

    /// Line alignments.
    public enum LineAlign: String, Sendable, Hashable {
        /// Start alignment (the default).
        case start
        /// Center alignment.
        case center
        /// End alignment.
        case end
    }

    /// Position alignments.
    public enum PositionAlign: String, Sendable, Hashable {
        /// Automatic (the default).
        case auto
        /// Line-left.
        case lineLeft = "line-left"
        /// Center.
        case center
        /// Line-right.
        case lineRight = "line-right"
    }

    /// Text alignments.
    public enum Align: String, Sendable, Hashable {
        /// Start.
        case start
        /// Center (the default).
        case center
        /// End.
        case end
        /// Left.
        case left
        /// Right.
        case right
    }
}

/// A WebVTT region (a `REGION` block in the header area), with the spec's defaults.
public struct WebVTTRegion: Sendable, Hashable {
    /// The identifier (`id:`).
    public var identifier = ""
    /// The width in percent (`width:`).
    public var width: Double = 100
    /// The number of lines (`lines:`); values past 4294967295 are clamped to it, as Chromium does.
    public var lines: Int = 3
    /// The region anchor point in percent (`regionanchor:x%,y%`).
    public var regionAnchorX: Double = 0
    /// See ``regionAnchorX``.
    public var regionAnchorY: Double = 100
    /// The viewport anchor point in percent (`viewportanchor:x%,y%`).
    public var viewportAnchorX: Double = 0
    /// See ``viewportAnchorX``.
    public var viewportAnchorY: Double = 100
    /// Whether the region scrolls up (`scroll:up`).
    public var scrollsUp = false
    /// Which `REGION` block of the file defined it (counting from 0), to tell regions with equal settings apart.
    public var index = 0

    /// Creates a region with the default settings.
    public init() {}
}
