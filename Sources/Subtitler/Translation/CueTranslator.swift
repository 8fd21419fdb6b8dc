import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// Translates cues into another language through a chat model, and never returns a broken file: every answer is
/// checked (same ids in order, no empty text, not left in the source language, markup and speaker dashes kept, not
/// cut off); a rejected answer is asked again with the problem stated, then its batch is split in halves, down to
/// single cues. Cues that still fail are a ``TranslationError/Kind/cuesFailed`` error unless
/// ``TranslationOptions/allowsGaps``. Times never change; the text is re-broken for the target's reading rules.
///
/// Accepted answers are kept in the resume cache per batch, so a rerun pays only for what is missing. The programme
/// is cut into ``TranslationOptions/concurrency`` stretches translated at the same time; inside a stretch the
/// batches go in order, each with its translated neighbours as context.
public struct CueTranslator: Sendable {
    /// Where requests go.
    public let chat: any ChatBackend
    /// The resume cache, or nil for none.
    public let cache: ResponseCache?

    /// Creates a translator.
    public init(chat: any ChatBackend, cache: ResponseCache?) {
        self.chat = chat
        self.cache = cache
    }

    /// Translates `cues`.
    /// - Parameters:
    ///   - cues: the source cues, in order.
    ///   - path: the input, for errors.
    ///   - options: languages, model, context and limits.
    /// - Returns: one cue per source cue, on its times, with the failures (when gaps are allowed), the reading-rule
    ///   violations and the statistics.
    /// - Throws: ``TranslationError``.
    public func translate(
        _ cues: [Cue], named path: String, options: TranslationOptions
    ) async throws(TranslationError) -> TranslationResult {
        if let problem = options.problem { throw .invalidOptions(path: path, problem) }
        let wire = cues.enumerated().map { WireCue(id: $0.offset + 1, text: Self.wireText(of: $0.element)) }
        let sendable = wire.filter { !$0.text.isEmpty }
        guard !sendable.isEmpty else { throw .noCues(path: path) }
        let batches = Self.batches(of: sendable, cues: cues, options: options)
        let sections = Self.sections(count: batches.count, concurrency: options.concurrency)
        let translator = self
        let outcomes: [SectionOutcome]
        do {
            outcomes = try await withThrowingTaskGroup(of: SectionOutcome.self) { group in
                for section in sections {
                    let slice = Array(batches[section])
                    group.addTask { try await translator.translateSection(slice, options: options) }
                }
                var collected: [SectionOutcome] = []
                for try await outcome in group { collected.append(outcome) }
                return collected
            }
        } catch let error as OpenAIAudioError {
            throw error.kind == .cancelled ? .cancelled(path: path) : .api(path: path, error)
        } catch {
            throw .cancelled(path: path)
        }
        var texts: [Int: String] = [:]
        var failures: [CueTranslationFailure] = []
        var statistics = TranslationStatistics()
        statistics.batches = batches.count
        for outcome in outcomes {
            texts.merge(outcome.texts) { first, _ in first }
            statistics.add(outcome.statistics)
            failures += outcome.failures.map { failure in
                CueTranslationFailure(cueID: failure.id, start: cues[failure.id - 1].start, reason: failure.reason)
            }
        }
        failures.sort { $0.cueID < $1.cueID }
        statistics.cost = ChatModel.named(options.model)
            .cost(inputTokens: statistics.promptTokens, outputTokens: statistics.completionTokens)
        if !failures.isEmpty, !options.allowsGaps { throw .cuesFailed(path: path, failures) }
        let translated = cues.enumerated().map { index, cue -> Cue in
            guard let text = texts[index + 1] else { return cue }
            var result = Cue(start: cue.start, end: cue.end, lines: TranslatedLines.lines(for: text, style: options.style))
            if !cue.isDialogue { result.speaker = cue.speaker }
            return result
        }
        return TranslationResult(
            language: options.targetLanguage, cues: translated, failures: failures,
            violations: Linter(style: options.style).lint(translated), statistics: statistics)
    }

    /// A dry run's estimate: the requests the batches need and their tokens (about four characters a token for what
    /// is read, the answer about as long as the batch), priced at the model's list price.
    public static func estimate(_ cues: [Cue], options: TranslationOptions) -> TranslationEstimate {
        let wire = cues.enumerated().map { WireCue(id: $0.offset + 1, text: wireText(of: $0.element)) }
            .filter { !$0.text.isEmpty }
        let batches = batches(of: wire, cues: cues, options: options)
        let instructions = TranslationContract.instructions(options: options, rejection: nil).utf8.count
        var prompt = 0
        var completion = 0
        for (number, batch) in batches.enumerated() {
            let batchBytes = TranslationContract.json(batch).utf8.count
            let contextBytes = number == 0 ? 0 : batchBytes * min(options.contextCues, batch.count) / max(batch.count, 1) * 2
            prompt += (instructions + batchBytes + contextBytes) / 4 + 12
            completion += batchBytes / 4 + 8
        }
        let cost = ChatModel.named(options.model).cost(inputTokens: prompt, outputTokens: completion)
        return TranslationEstimate(language: options.targetLanguage, requests: batches.count, promptTokens: prompt,
                                   completionTokens: completion, cost: cost)
    }

    // MARK: - Batches and stretches

    /// A cue's text on the wire: its lines joined by line breaks, a new speaker's line starting with `- `.
    static func wireText(of cue: Cue) -> String {
        let speakers = cue.speakerOfEachLine
        return cue.lines.enumerated().map { index, line -> String in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard cue.isDialogue, !text.hasPrefix("-"), index == 0 || speakers[index] != speakers[index - 1] else {
                return text
            }
            return "- " + text
        }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// The batches: at most ``TranslationOptions/maxBatchCues`` cues each, cut at every scene gap and otherwise at
    /// the longest pause in the second half of a full batch, so that a batch ends where the talk does.
    static func batches(of wire: [WireCue], cues: [Cue], options: TranslationOptions) -> [[WireCue]] {
        var batches: [[WireCue]] = []
        var current: [WireCue] = []
        func gap(before cue: WireCue) -> Milliseconds {
            let index = cue.id - 1
            return index == 0 ? 0 : cues[index].start - cues[index - 1].end
        }
        for cue in wire {
            if !current.isEmpty, gap(before: cue) >= options.sceneGap {
                batches.append(current)
                current = []
            }
            current.append(cue)
            if current.count > options.maxBatchCues {
                // Cut at the longest pause in the second half, the latest of equal ones (never an empty batch).
                let lower = max(1, current.count / 2)
                let cut = (lower..<current.count).max { gap(before: current[$0]) <= gap(before: current[$1]) } ?? lower
                batches.append(Array(current[..<cut]))
                current = Array(current[cut...])
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// `count` batches in up to `concurrency` contiguous stretches of nearly equal length.
    static func sections(count: Int, concurrency: Int) -> [Range<Int>] {
        let parts = max(1, min(concurrency, count))
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }.filter { !$0.isEmpty }
    }

    // MARK: - Translating

    struct SectionOutcome: Sendable {
        var texts: [Int: String] = [:]
        var failures: [(id: Int, reason: String)] = []
        var statistics = TranslationStatistics()
    }

    /// Translates a stretch's batches in order, each with the translated cues before it as context.
    func translateSection(_ batches: [[WireCue]], options: TranslationOptions) async throws(OpenAIAudioError)
        -> SectionOutcome
    {
        var outcome = SectionOutcome()
        var translated: [(source: WireCue, target: WireCue)] = []
        for batch in batches {
            if Task.isCancelled { throw OpenAIAudioError(endpoint: "chat/completions", message: "cancelled", kind: .cancelled) }
            let context = Array(translated.suffix(options.contextCues))
            let accepted = try await translateBatch(batch, context: context, options: options, outcome: &outcome)
            for cue in batch {
                guard let text = accepted[cue.id] else { continue }
                outcome.texts[cue.id] = text
                translated.append((cue, WireCue(id: cue.id, text: text)))
            }
        }
        return outcome
    }

    /// The ladder for one batch: ask; ask again with the problem stated; split in halves and climb each; a single
    /// cue that fails twice is a failure. Returns the accepted texts by id; failures go to `outcome`.
    func translateBatch(
        _ batch: [WireCue], context: [(source: WireCue, target: WireCue)], options: TranslationOptions,
        outcome: inout SectionOutcome
    ) async throws(OpenAIAudioError) -> [Int: String] {
        var problem: AnswerProblem
        switch try await ask(batch, context: context, rejection: nil, options: options, outcome: &outcome) {
        case .accepted(let texts): return Dictionary(uniqueKeysWithValues: zip(batch.map(\.id), texts))
        case .rejected(let rejection): problem = rejection
        case .failed(let error):
            outcome.failures += batch.map { ($0.id, error.description) }
            return [:]
        }
        // A cut-off answer of a whole batch would be cut off again: split it at once.
        if problem.kind != .truncated || batch.count == 1 {
            outcome.statistics.reasks += 1
            switch try await ask(batch, context: context, rejection: problem, options: options, outcome: &outcome) {
            case .accepted(let texts): return Dictionary(uniqueKeysWithValues: zip(batch.map(\.id), texts))
            case .rejected(let rejection): problem = rejection
            case .failed(let error):
                outcome.failures += batch.map { ($0.id, error.description) }
                return [:]
            }
        }
        guard batch.count > 1 else {
            outcome.failures.append((batch[0].id, problem.detail))
            return [:]
        }
        outcome.statistics.splits += 1
        let middle = batch.count / 2
        var accepted = try await translateBatch(Array(batch[..<middle]), context: context, options: options,
                                                outcome: &outcome)
        let leftPairs = batch[..<middle].compactMap { cue in accepted[cue.id].map { (cue, WireCue(id: cue.id, text: $0)) } }
        let rightContext = Array((context + leftPairs).suffix(options.contextCues))
        let right = try await translateBatch(Array(batch[middle...]), context: rightContext, options: options,
                                             outcome: &outcome)
        accepted.merge(right) { first, _ in first }
        return accepted
    }

    enum Answer {
        case accepted([String])
        case rejected(AnswerProblem)
        case failed(OpenAIAudioError)
    }

    /// One request (or a cache hit) for a batch, checked.
    func ask(
        _ batch: [WireCue], context: [(source: WireCue, target: WireCue)], rejection: AnswerProblem?,
        options: TranslationOptions, outcome: inout SectionOutcome
    ) async throws(OpenAIAudioError) -> Answer {
        // The key is the request as first asked, so a re-asked batch's accepted answer is found on the next run.
        let key = cacheKey(TranslationContract.messages(batch: batch, context: context, options: options, rejection: nil),
                           options: options)
        let cache = options.usesCache ? self.cache : nil
        if let cache, rejection == nil,
           let stored = try? await BlockingWork.run("cache", { cache.value(forKey: key, as: [String].self) }),
           stored.count == batch.count {
            outcome.statistics.cachedBatches += 1
            return .accepted(stored)
        }
        let request = ChatRequest(
            model: options.model,
            messages: TranslationContract.messages(batch: batch, context: context, options: options, rejection: rejection),
            schema: TranslationContract.schema, schemaName: TranslationContract.schemaName,
            maxTokens: TranslationContract.maxTokens(for: batch), temperature: options.temperature)
        let retries = NIOLockedValueBox(0)
        outcome.statistics.requests += 1
        let completion: ChatCompletion
        do {
            completion = try await chat.completeJSON(request) { _ in retries.withLockedValue { $0 += 1 } }
        } catch {
            outcome.statistics.retries += retries.withLockedValue { $0 }
            if error.isFatalForAllChunks || error.kind == .cancelled { throw error }
            return .failed(error)
        }
        outcome.statistics.retries += retries.withLockedValue { $0 }
        outcome.statistics.promptTokens += completion.promptTokens
        outcome.statistics.completionTokens += completion.completionTokens
        switch TranslationCheck.accept(completion, for: batch, options: options) {
        case .accepted(let texts):
            if let cache { _ = try? await BlockingWork.run("cache") { try cache.store(texts, forKey: key) } }
            return .accepted(texts)
        case .rejected(let problem):
            outcome.statistics.rejections[problem.kind.rawValue, default: 0] += 1
            return .rejected(problem)
        }
    }

    /// The resume-cache key of a request: its messages, the model, the temperature, the target and the server.
    func cacheKey(_ messages: [ChatMessage], options: TranslationOptions) -> String {
        let text = messages.map { "\($0.role.rawValue)\u{1}\($0.content)" }.joined(separator: "\u{2}")
        return ResponseCache.key(audio: Array(text.utf8), parameters: [
            "kind": "chat-translation-1", "server": chat.chatCacheIdentity, "model": options.model,
            "temperature": options.temperature.map { String($0) } ?? "default", "target": options.targetLanguage,
        ])
    }
}
