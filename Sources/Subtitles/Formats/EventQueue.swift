/// The events a streaming parser has read but not yet handed out, and whether its file is done: the pull loop the
/// SRT and WebVTT parsers share. A parser keeps one in ``QueuedEventParser/events`` and fills it in its `step()`.
struct EventQueue<Event> {
    private var queued: [Event] = []
    private var index = 0
    /// Set when the file has no more events to read.
    var finished = false
    /// An error met before the first line; the first call of `next()` throws it.
    var startError: SubtitleParseError?

    /// Queues an event for `next()` to hand out.
    mutating func append(_ event: Event) { queued.append(event) }

    /// The next queued event, if any.
    fileprivate mutating func take() -> Event? {
        guard index < queued.count else {
            queued.removeAll(keepingCapacity: true)
            index = 0
            return nil
        }
        defer { index += 1 }
        return queued[index]
    }
}

/// A parser that reads its file in steps, each queuing zero or more events.
protocol QueuedEventParser {
    associatedtype Event
    /// What the steps have read.
    var events: EventQueue<Event> { get set }
    /// Reads one block of the file, queuing what it finds, or marks the queue finished at the end.
    mutating func step() throws(SubtitleParseError)
}

extension QueuedEventParser {
    /// The next event, reading steps until one is queued; nil at the end of the file.
    mutating func nextQueuedEvent() throws(SubtitleParseError) -> Event? {
        if let error = events.startError {
            events.startError = nil
            events.finished = true
            throw error
        }
        while true {
            if let event = events.take() { return event }
            if events.finished { return nil }
            try step()
        }
    }
}
