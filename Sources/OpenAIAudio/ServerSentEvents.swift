import Foundation

/// One server-sent event: its `event:` name (if any) and its `data:` lines joined by newlines.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` field, or `nil`.
    public var event: String?
    /// The `data:` lines joined with `\n`.
    public var data: String

    /// Creates an event.
    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// An incremental parser of `text/event-stream` bodies that accepts bytes in arbitrary chunks.
///
/// Follows the WHATWG rules the SDKs follow: lines end in `\n`, `\r\n` or `\r`; a blank line dispatches
/// the event; lines starting with `:` are comments; one optional space after the colon is removed.
public struct ServerSentEventParser: Sendable {
    private var buffer: [UInt8] = []
    private var eventName: String?
    private var dataLines: [String] = []
    private var lastWasCR = false
    private var dataByteCount = 0

    /// Bytes held for the event being read (its data lines and the current line): a caller that reads from the
    /// network checks it against a limit, since a server could otherwise send one endless event.
    public var pendingByteCount: Int { buffer.count + dataByteCount }

    /// Creates an empty parser.
    public init() {}

    /// Feeds bytes and returns the events they complete.
    ///
    /// - Parameter bytes: The next bytes of the body.
    /// - Returns: The events completed by these bytes, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let event = processLine() { events.append(event) }
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    /// Ends the stream; returns a last event when the body did not end with a blank line.
    public mutating func finish() -> ServerSentEvent? {
        var last: ServerSentEvent?
        if !buffer.isEmpty {
            last = processLine()
            buffer.removeAll()
        }
        if last == nil, !dataLines.isEmpty {
            last = ServerSentEvent(event: eventName, data: dataLines.joined(separator: "\n"))
        }
        dataLines = []
        dataByteCount = 0
        eventName = nil
        return last
    }

    private mutating func processLine() -> ServerSentEvent? {
        if buffer.isEmpty {
            defer {
                dataLines = []
                dataByteCount = 0
                eventName = nil
            }
            guard !dataLines.isEmpty else { return nil }
            return ServerSentEvent(event: eventName, data: dataLines.joined(separator: "\n"))
        }
        let line = String(decoding: buffer, as: UTF8.self)
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(String(value))
            dataByteCount += value.utf8.count + 1
        case "event": eventName = String(value)
        default: break
        }
        return nil
    }
}

/// An event of a streamed transcription (`stream=true`, GPT-4o models).
public enum TranscriptionStreamEvent: Sendable, Hashable {
    /// `transcript.text.delta`: the next piece of text (`segmentID` for diarization).
    case textDelta(String, segmentID: String?)
    /// `transcript.text.segment`: a finished diarized segment with its speaker.
    case segment(VerboseTranscription.Segment)
    /// `transcript.text.done`: the whole text and the usage.
    case done(text: String, usage: TranscriptionUsage?)
    /// An event of another type, passed through with its raw JSON.
    case other(type: String, json: String)

    /// Decodes one SSE `data` payload.
    static func decode(_ data: String) throws -> TranscriptionStreamEvent {
        let bytes = Data(data.utf8)
        let envelope = try JSONDecoder().decode(StreamEnvelope.self, from: bytes)
        switch envelope.type {
        case "transcript.text.delta":
            let delta = try JSONDecoder().decode(Delta.self, from: bytes)
            return .textDelta(delta.delta, segmentID: delta.segment_id)
        case "transcript.text.segment":
            return .segment(try JSONDecoder().decode(VerboseTranscription.Segment.self, from: bytes))
        case "transcript.text.done":
            let done = try JSONDecoder().decode(Transcription.self, from: bytes)
            return .done(text: done.text, usage: done.usage)
        default:
            return .other(type: envelope.type ?? "", json: data)
        }
    }

    private struct Delta: Decodable {
        var delta: String
        var segment_id: String?
    }
}

/// Speech SSE events (`stream_format=sse`).
enum SpeechStreamEvent {
    case audio([UInt8])
    case done
    case other

    static func decode(_ data: String) throws -> SpeechStreamEvent {
        let bytes = Data(data.utf8)
        let envelope = try JSONDecoder().decode(StreamEnvelope.self, from: bytes)
        switch envelope.type {
        case "speech.audio.delta":
            let delta = try JSONDecoder().decode(AudioDelta.self, from: bytes)
            guard let audio = Data(base64Encoded: delta.audio, options: .ignoreUnknownCharacters) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "audio is not base64"))
            }
            return .audio([UInt8](audio))
        case "speech.audio.done":
            return .done
        default:
            return .other
        }
    }

    private struct AudioDelta: Decodable { var audio: String }
}

/// The `type` discriminator, plus an `error` object if the server streamed one.
struct StreamEnvelope: Decodable {
    var type: String?
    var error: ErrorBody.Detail?
}
