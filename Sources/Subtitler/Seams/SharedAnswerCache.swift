import Foundation

/// A resume cache several processes share: chunk answers keyed exactly as ``ResponseCache`` keys them (a SHA-256
/// over the uploaded audio and every parameter that changes the answer), so a job one process started and another
/// finishes pays only for the chunks nobody was answered for.
///
/// The pipeline looks here after the file cache misses and stores every new answer here as well as in the file
/// cache. Entries hold the answer (segments, words, language) and nothing else: never the API key or any other
/// credential, which are not part of a key either. A failing shared cache costs requests, never a job: lookups that
/// throw count as misses, stores that throw are logged.
///
/// The service's PostgreSQL job store is one (`subtitler serve --store postgres://…`); tests give an in-memory one.
public protocol SharedAnswerCache: Sendable {
    /// The answer stored under `key` (the JSON the pipeline stored), or nil.
    func answer(forKey key: String) async throws -> Data?

    /// Stores `answer` under `key`; a key already stored keeps its first answer.
    func store(answer: Data, forKey key: String) async throws
}
